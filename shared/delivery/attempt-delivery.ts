import type { Clock } from '../clock.js';
import type { WebhookRecord } from '../webhooks/webhook.js';
import { withAttempt, type DeliveryRecord, type ShownRequest } from './delivery-record.js';
import { outboundRequest } from './outbound-request.js';
import { activeSecrets, signatureHeaders } from './signature.js';
import { isRetryable, isSuccess, nextDelaySeconds, retryAfterSeconds, type RetryPolicy } from './retry-policy.js';
import type { PostOutcome } from './post-json.js';
import type { DestinationFor, OutboundMessage } from './destination.js';
import { orderingKey } from './ordering-key.js';
import type { Pacer, WaitReason } from './pacing.js';
import type { LaneEntry, OrderedLanes } from './ordered-lanes.js';
import type { DeliveryOutcome, Metrics } from '../metrics/metrics.js';
import type { HealthRecorder } from '../webhooks/health-recorder.js';

export interface AttemptResult {
  readonly record: DeliveryRecord;
  /** What the attempt came to; undefined when none was made (`waiting`). */
  readonly outcome: PostOutcome | undefined;
  /** Set when another attempt is due after this many seconds. */
  readonly retryInSeconds: number | undefined;
  /**
   * Set when it was not sent and waits for its turn (a rate limit, a Retry-After, a free connection) in the
   * delivery queue: not an attempt and not a failure; `retryInSeconds` says when it is due.
   */
  readonly waiting?: Waiting;
  /** Its lane's next delivery, due now: this one (an ordered destination's) is done and left its lane. */
  readonly released?: LaneEntry;
}

interface Waiting {
  readonly reason: WaitReason;
  /** Epoch ms: its turn (a rate-limit slot kept for it) or when to ask again. */
  readonly notBeforeMs: number;
}

/** How an attempt is made: `notBeforeMs`, a turn given earlier; `unpaced`, not paced (a ping: one request a person asked for). */
export interface AttemptTurn {
  readonly notBeforeMs?: number | undefined;
  readonly unpaced?: boolean;
}

/** One attempt of one delivery; storage is not touched (callers record the result). */
export type AttemptDelivery = (webhook: WebhookRecord, record: DeliveryRecord, turn?: AttemptTurn) => Promise<AttemptResult>;

export interface AttemptSettings {
  /** The webhook's endpoint type's destination (destinations/registry.ts): an HTTP POST, a queue, a topic, a hub. */
  readonly destinations: DestinationFor;
  readonly retryPolicy: RetryPolicy;
  readonly timeoutMs: number;
  /** The longest a delivery waits in memory for its turn and a connection together; then it waits in the queue. */
  readonly queueWaitMs: number;
  readonly maxResponseBytes: number;
  readonly now: Clock;
  readonly metrics: Pick<Metrics, 'attempted' | 'waiting'>;
  /** Notes each attempt's outcome in the webhook's delivery health, which disables a webhook (410 Gone, or failing too long). */
  readonly health: HealthRecorder;
  /** Each webhook's turn: its rate limit, a receiver's Retry-After, the order of receipt (pacing.ts). */
  readonly pacer: Pacer;
  /** One repository's deliveries to an ordered destination, one at a time (ordered-lanes.ts). */
  readonly lanes: OrderedLanes;
  /** Told what could not be done about a lane (storage unreachable): the delivery then waits and asks again. */
  readonly warn: (message: string) => void;
}

const NOT_TURNED: AttemptTurn = {};

/** A delivery behind its repository's head asks again after this long, should the head's release not reach it. */
const LANE_RECHECK_MS = 30_000;

/**
 * One attempt: wait for the webhook's turn and a connection (at most `queueWaitMs` in all, else the
 * delivery waits in the queue, unchanged but for when it is due), send the recorded body with the
 * webhook's current headers to its destination (a POST, or a queue, topic or hub message), then decide
 * what comes next (succeeded, retry after a delay, or failed for good). Callers record the delivery; here
 * only the metrics and the webhook's delivery health note the outcome (the latter writes only on a change
 * of state or once per HEALTH_WRITE_INTERVAL_SECONDS, see delivery-health.ts); a wait is neither. It never
 * rejects: whatever goes wrong becomes a failed outcome (and the health recorder never rejects either).
 */
export function makeAttemptDelivery(settings: AttemptSettings): AttemptDelivery {
  return async (webhook, record, turn = NOT_TURNED) => {
    const asked = settings.now().getTime();
    const deadlineMs = asked + settings.queueWaitMs;
    let outcome: PostOutcome;
    // The request as the record shows it: the record's own until this attempt's is described.
    let shown: ShownRequest = record;
    const destination = settings.destinations(webhook);
    const lane = destination.ordered && !turn.unpaced ? orderingKey(webhook.registryName, record.image) : undefined;
    const entry: LaneEntry | undefined =
      lane === undefined ? undefined : { receivedMs: record.receivedMs, eventId: record.eventId, attempts: record.attempts };
    try {
      if (lane !== undefined && !(await headOfLane(settings, webhook, lane, entry!))) {
        const notBeforeMs = settings.now().getTime() + LANE_RECHECK_MS;
        return waitFor(settings, record, { reason: 'behind older deliveries of its repository', notBeforeMs });
      }
      if (!turn.unpaced) {
        const given = await settings.pacer.turn(webhook, { receivedMs: record.receivedMs, deadlineMs, notBeforeMs: turn.notBeforeMs });
        if (!given.go) return waitFor(settings, record, given);
      }
      // Signed when it is sent: a wait for its turn does not age the signature's timestamp.
      const at = settings.now();
      const request = outboundRequest(
        webhook,
        signatureHeaders(activeSecrets(webhook, at), record.eventId, at, record.body),
        record.contentType,
      );
      const message: OutboundMessage = {
        webhook,
        body: record.body,
        request,
        messageId: record.eventId,
        orderingKey: lane ?? orderingKey(webhook.registryName, record.image),
        timeoutMs: settings.timeoutMs,
        maxResponseBytes: settings.maxResponseBytes,
        // A ping waits for a connection as long as its timeout; a delivery only within its in-memory wait.
        connectionWait: turn.unpaced
          ? undefined
          : { priority: record.receivedMs, deadline: performance.now() + Math.max(0, deadlineMs - at.getTime()) },
      };
      shown = destination.describe(message);
      const posted = await destination.send(message);
      if (posted.kind === 'busy') {
        // No connection in time: it waits in the queue (about as long as the connections are expected to
        // stay busy), and the webhook's newer deliveries queue behind it.
        const notBeforeMs = settings.now().getTime() + Math.max(settings.queueWaitMs, posted.expectedWaitMs);
        settings.pacer.queuedUntil(webhook, notBeforeMs);
        return waitFor(settings, record, { reason: 'connections to the endpoint busy', notBeforeMs });
      }
      outcome = posted;
    } catch (err) {
      // An attempt always settles with a result: callers start many at once and a rejection would escape
      // them (one bad event id once crashed the process). What cannot be sent now cannot be later either.
      const code = err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.name) : 'unknown';
      outcome = { kind: 'error', reason: 'refused', message: `the request could not be sent (${code})`, durationMs: 0 };
    }
    const now = settings.now();
    const nowIso = now.toISOString();
    if (outcome.kind === 'response' && outcome.status === 429) {
      // The receiver asked this webhook to wait: its next sends wait too, not only this one's retry.
      const asks = retryAfterSeconds(outcome, now);
      if (asks !== undefined)
        settings.pacer.slowDown(webhook, now.getTime() + Math.min(asks, settings.retryPolicy.maxRetryAfterSeconds) * 1000);
    }
    let result = decide(settings, record, outcome, now, nowIso, shown);
    if (lane !== undefined && result.record.state !== 'pending') {
      // Done (succeeded, or failed for good): the next of its repository goes now. A head that retries stays.
      try {
        const next = await settings.lanes.finished(webhook, lane, entry!);
        if (next) result = { ...result, released: next };
      } catch (err) {
        settings.warn(`lanes: webhook=${webhook.name}: could not leave its lane (${errorText(err)}); the next asks again within 30 s`);
      }
    }
    // Ingest → first attempt, for new deliveries only (not a held or failed one sent again by recover).
    const first = record.attempts === 0 && record.lastError === undefined;
    settings.metrics.attempted(
      outcomeOf(result),
      outcome.durationMs / 1000,
      first ? (now.getTime() - record.receivedMs) / 1000 : undefined,
      webhook.endpointType ?? 'WebHook',
    );
    const succeeded = result.record.state === 'succeeded';
    const gone = outcome.kind === 'response' && outcome.status === 410;
    // Usually nothing to write (undefined), and then no await: a healthy webhook's success costs no turn of the loop.
    const writing = settings.health.record(
      webhook,
      gone ? { succeeded, at: nowIso, goneAtEvent: record.eventId } : { succeeded, at: nowIso },
    );
    if (writing) await writing;
    return result;
  };
}

/** Whether the delivery is its lane's head; when the lane cannot be read, it is not (it waits and asks again). */
async function headOfLane(settings: AttemptSettings, webhook: WebhookRecord, lane: string, entry: LaneEntry): Promise<boolean> {
  try {
    return await settings.lanes.turn(webhook, lane, entry);
  } catch (err) {
    settings.warn(`lanes: webhook=${webhook.name}: could not join its lane (${errorText(err)}); it waits and asks again`);
    return false;
  }
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Not sent: due again in time to be back for its turn (early by the queue's polling, then it waits here). */
function waitFor(settings: AttemptSettings, record: DeliveryRecord, waiting: Waiting): AttemptResult {
  const now = settings.now();
  settings.metrics.waiting(waiting.reason);
  const retryInSeconds = Math.max(0, Math.floor((waiting.notBeforeMs - now.getTime()) / 1000) - RETURN_EARLY_SECONDS);
  return {
    record: {
      ...record,
      state: 'pending',
      nextAttemptAt: new Date(waiting.notBeforeMs).toISOString(),
      waiting: waiting.reason,
      updatedAt: now.toISOString(),
    },
    outcome: undefined,
    retryInSeconds,
    waiting,
  };
}

/** A waiting delivery comes back from the queue this much before its turn (the host polls every 2 s at most). */
const RETURN_EARLY_SECONDS = 3;

function outcomeOf(result: AttemptResult): Exclude<DeliveryOutcome, 'held' | 'skipped'> {
  if (result.record.state === 'succeeded') return 'succeeded';
  if (result.outcome?.kind === 'error' && result.outcome.reason === 'refused') return 'refused';
  return result.retryInSeconds === undefined ? 'failed' : 'retrying';
}

/** What comes after an attempt: the retry policy's decision. */
function decide(
  settings: AttemptSettings,
  record: DeliveryRecord,
  outcome: PostOutcome,
  now: Date,
  nowIso: string,
  shown: ShownRequest,
): AttemptResult {
  if (isSuccess(outcome))
    return { record: withAttempt(record, outcome, 'succeeded', undefined, nowIso, undefined, shown), outcome, retryInSeconds: undefined };
  if (outcome.kind === 'response' && outcome.status === 410) {
    const why = 'HTTP 410 Gone: the endpoint asked to stop; the webhook was disabled';
    return { record: withAttempt(record, outcome, 'failed', undefined, nowIso, why, shown), outcome, retryInSeconds: undefined };
  }
  const attempt = record.attempts + 1;
  const delay = isRetryable(outcome) ? nextDelaySeconds(settings.retryPolicy, attempt, outcome, now) : undefined;
  if (delay === undefined)
    return { record: withAttempt(record, outcome, 'failed', undefined, nowIso, undefined, shown), outcome, retryInSeconds: undefined };
  const next = new Date(now.getTime() + delay * 1000).toISOString();
  return { record: withAttempt(record, outcome, 'pending', next, nowIso, undefined, shown), outcome, retryInSeconds: delay };
}
