import type { Clock } from '../clock.js';
import type { WebhookRecord } from '../webhooks/webhook.js';
import { withAttempt, type DeliveryRecord } from './delivery-record.js';
import { outboundRequest } from './outbound-request.js';
import { activeSecrets, signatureHeaders } from './signature.js';
import { isRetryable, isSuccess, nextDelaySeconds, type RetryPolicy } from './retry-policy.js';
import type { PostOutcome } from './post-json.js';
import type { DestinationFor } from './destination.js';
import { orderingKey } from './ordering-key.js';
import type { DeliveryOutcome, Metrics } from '../metrics/metrics.js';
import type { HealthRecorder } from '../webhooks/health-recorder.js';

export interface AttemptResult {
  readonly record: DeliveryRecord;
  readonly outcome: PostOutcome;
  /** Set when another attempt is due after this many seconds. */
  readonly retryInSeconds: number | undefined;
}

/** One attempt of one delivery; storage is not touched (callers record the result). */
export type AttemptDelivery = (webhook: WebhookRecord, record: DeliveryRecord) => Promise<AttemptResult>;

export interface AttemptSettings {
  /** The webhook's endpoint type's destination (destinations/registry.ts): an HTTP POST, a queue, a topic, a hub. */
  readonly destinations: DestinationFor;
  readonly retryPolicy: RetryPolicy;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly now: Clock;
  readonly metrics: Pick<Metrics, 'attempted'>;
  /** Notes each attempt's outcome in the webhook's delivery health, which disables a webhook (410 Gone, or failing too long). */
  readonly health: HealthRecorder;
}

/**
 * One attempt: send the recorded body with the webhook's current headers to its destination (a POST, or a
 * queue, topic or hub message), then decide what comes next
 * (succeeded, retry after a delay, or failed for good). Callers record the delivery; here only the
 * metrics and the webhook's delivery health note the outcome (the latter writes only on a change of
 * state or once per HEALTH_WRITE_INTERVAL_SECONDS, see delivery-health.ts). It never rejects: whatever
 * goes wrong becomes a failed outcome (and the health recorder never rejects either).
 */
export function makeAttemptDelivery(settings: AttemptSettings): AttemptDelivery {
  return async (webhook, record) => {
    const at = settings.now();
    let outcome: PostOutcome;
    let sent: DeliveryRecord = record;
    try {
      const request = outboundRequest(webhook, signatureHeaders(activeSecrets(webhook, at), record.eventId, at, record.body));
      const message = {
        webhook,
        body: record.body,
        request,
        messageId: record.eventId,
        orderingKey: orderingKey(webhook.registryName, record.image),
        timeoutMs: settings.timeoutMs,
        maxResponseBytes: settings.maxResponseBytes,
      };
      const destination = settings.destinations(webhook);
      sent = { ...record, ...destination.describe(message) };
      outcome = await destination.send(message);
    } catch (err) {
      // An attempt always settles with a result: callers start many at once and a rejection would escape
      // them (one bad event id once crashed the process). What cannot be sent now cannot be later either.
      const code = err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.name) : 'unknown';
      outcome = { kind: 'error', reason: 'refused', message: `the request could not be sent (${code})`, durationMs: 0 };
    }
    const now = settings.now();
    const result = decide(settings, record, outcome, now, sent);
    // Ingest → first attempt, for new deliveries only (not a held or failed one sent again by recover).
    const first = record.attempts === 0 && record.lastError === undefined;
    settings.metrics.attempted(
      outcomeOf(result),
      outcome.durationMs / 1000,
      first ? (now.getTime() - record.receivedMs) / 1000 : undefined,
      webhook.endpointType ?? 'WebHook',
    );
    const gone = outcome.kind === 'response' && outcome.status === 410;
    await settings.health.record(webhook, {
      succeeded: result.record.state === 'succeeded',
      at: now.toISOString(),
      ...(gone ? { goneAtEvent: record.eventId } : {}),
    });
    return result;
  };
}

function outcomeOf(result: AttemptResult): Exclude<DeliveryOutcome, 'held'> {
  if (result.record.state === 'succeeded') return 'succeeded';
  if (result.outcome.kind === 'error' && result.outcome.reason === 'refused') return 'refused';
  return result.retryInSeconds === undefined ? 'failed' : 'retrying';
}

/** What comes after an attempt: the retry policy's decision. */
function decide(settings: AttemptSettings, record: DeliveryRecord, outcome: PostOutcome, now: Date, sent: DeliveryRecord): AttemptResult {
  if (isSuccess(outcome))
    return { record: withAttempt(sent, outcome, 'succeeded', undefined, now.toISOString()), outcome, retryInSeconds: undefined };
  if (outcome.kind === 'response' && outcome.status === 410) {
    const why = 'HTTP 410 Gone: the endpoint asked to stop; the webhook was disabled';
    return { record: withAttempt(sent, outcome, 'failed', undefined, now.toISOString(), why), outcome, retryInSeconds: undefined };
  }
  const attempt = record.attempts + 1;
  const delay = isRetryable(outcome) ? nextDelaySeconds(settings.retryPolicy, attempt, outcome, now) : undefined;
  if (delay === undefined)
    return { record: withAttempt(sent, outcome, 'failed', undefined, now.toISOString()), outcome, retryInSeconds: undefined };
  const next = new Date(now.getTime() + delay * 1000).toISOString();
  return { record: withAttempt(sent, outcome, 'pending', next, now.toISOString()), outcome, retryInSeconds: delay };
}
