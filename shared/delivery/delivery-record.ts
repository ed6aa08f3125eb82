import type { PostOutcome } from './post-json.js';
import type { BodySource } from './body-source.js';

/**
 * One delivery of an event to a webhook, as stored in the `del|` rows and shown by listEvents. It keeps
 * what was sent (the exact body, so retries and signatures are byte-identical) and the latest attempt.
 * In memory the body is always there; a row leaves it out when `bodyFrom` says how to render it again.
 */
/*
 * `held`: not sent, because the webhook was disabled (by its owner or by the service) when the event
 * came or its attempt was due; kept until `recover` sends it.
 * `skipped`: not sent, because the webhook asked not to get such events (skipReferrers: a signature,
 * attestation or SBOM); its `lastError` says why. Final: `recover` leaves it, `redeliver` may send it.
 */
export const DELIVERY_STATES = ['pending', 'succeeded', 'failed', 'held', 'skipped'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export interface DeliveryRecord {
  readonly webhook: string;
  readonly eventId: string;
  /** When its event was ingested (a redelivery: when it was asked for), in ms; part of its DeliveryId. */
  readonly receivedMs: number;
  readonly action: string;
  readonly image: string;
  readonly body: string;
  /**
   * Set when the body is its event's own payload rendered in a format: the row then keeps this instead of
   * the body, action and image, and storage renders them again from the event's row (body-source.ts).
   */
  readonly bodyFrom?: BodySource | undefined;
  /** The body's content type, as its format rendered it; absent: `application/json` (and rows from before formats). */
  readonly contentType?: string | undefined;
  readonly requestHeaders: Readonly<Record<string, string>>;
  readonly requestUri: string;
  readonly state: DeliveryState;
  readonly attempts: number;
  readonly nextAttemptAt: string | undefined;
  readonly lastError: string | undefined;
  readonly responseStatus: number | undefined;
  readonly responseReason: string | undefined;
  readonly responseHeaders: Readonly<Record<string, string>>;
  readonly responseBody: string;
  readonly durationMs: number | undefined;
  /** How long the latest attempt waited for a connection to the endpoint before it was sent (ms). */
  readonly queuedMs?: number | undefined;
  /** Set while it waits in the delivery queue for its turn (not an attempt, not a failure): why. */
  readonly waiting?: string | undefined;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Why a delivery is held (shown as its `lastError`). */
export const HELD_REASON = 'held: the webhook is disabled; enable it, then recover held deliveries with POST .../recover';

/** A one-line reason for a failed attempt, for the record and the log. */
function describeOutcome(outcome: PostOutcome): string {
  if (outcome.kind === 'error') return outcome.message;
  return `HTTP ${outcome.status}${outcome.statusText ? ` ${outcome.statusText}` : ''}`;
}

/** The request as the record shows it (listEvents' eventRequestMessage): a destination's `describe`. */
export type ShownRequest = Pick<DeliveryRecord, 'requestHeaders' | 'requestUri'>;

/**
 * The record after an attempt: the request as sent (`shown`, the record's own when not given), the response
 * fields replaced, the state and counters moved on. Built field by field rather than spread (once per
 * attempt; issue 24's profile): the type below makes leaving a field out, optional ones too, a compile error.
 */
export function withAttempt(
  record: DeliveryRecord,
  outcome: PostOutcome,
  state: DeliveryState,
  nextAttemptAt: string | undefined,
  now: string,
  error?: string,
  shown: ShownRequest = record,
): DeliveryRecord {
  const response = outcome.kind === 'response';
  const next: { readonly [K in keyof Required<DeliveryRecord>]: DeliveryRecord[K] } = {
    webhook: record.webhook,
    eventId: record.eventId,
    receivedMs: record.receivedMs,
    action: record.action,
    image: record.image,
    body: record.body,
    bodyFrom: record.bodyFrom,
    contentType: record.contentType,
    requestHeaders: shown.requestHeaders,
    requestUri: shown.requestUri,
    state,
    attempts: record.attempts + 1,
    nextAttemptAt,
    lastError: state === 'succeeded' ? undefined : (error ?? describeOutcome(outcome)),
    responseStatus: response ? outcome.status : undefined,
    responseReason: response ? outcome.statusText : outcome.message,
    responseHeaders: response ? outcome.headers : {},
    responseBody: response ? outcome.body : '',
    durationMs: outcome.durationMs,
    queuedMs: outcome.queuedMs,
    waiting: undefined,
    createdAt: record.createdAt,
    updatedAt: now,
  };
  return next;
}

/** ACR's listEvents item, plus our delivery fields (extra properties leave the SDK's shape intact). */
export function renderEvent(record: DeliveryRecord) {
  let content: unknown;
  try {
    content = JSON.parse(record.body) as unknown;
  } catch {
    content = record.body;
  }
  return {
    id: record.eventId,
    eventRequestMessage: {
      content,
      headers: { ...record.requestHeaders },
      method: 'POST',
      requestUri: record.requestUri,
      version: '1.1',
    },
    eventResponseMessage: {
      content: record.responseBody,
      headers: { ...record.responseHeaders },
      reasonPhrase: record.responseReason ?? '',
      ...(record.responseStatus !== undefined ? { statusCode: String(record.responseStatus) } : {}),
      version: '1.1',
    },
    delivery: {
      state: record.state,
      // The event's action and image, whatever the body's format (a Slack message names neither as ACR does).
      action: record.action,
      ...(record.image ? { image: record.image } : {}),
      attempts: record.attempts,
      ...(record.nextAttemptAt ? { nextAttemptAt: record.nextAttemptAt } : {}),
      ...(record.lastError ? { lastError: record.lastError } : {}),
      ...(record.durationMs !== undefined ? { durationMs: record.durationMs } : {}),
      ...(record.queuedMs ? { queuedMs: record.queuedMs } : {}),
      ...(record.waiting ? { waiting: record.waiting } : {}),
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    },
  };
}
