import type { Deps } from '../runtime/deps.js';
import type { WebhookRecord } from '../webhooks/webhook-store.js';
import { withAttempt, type DeliveryRecord } from './delivery-record.js';
import { outboundRequest } from './outbound-request.js';
import { activeSecrets, signatureHeaders } from './signature.js';
import { isRetryable, isSuccess, nextDelaySeconds } from './retry-policy.js';
import type { PostOutcome } from './post-json.js';
import { receivedMsOf } from '../events/event-store.js';
import type { DeliveryOutcome } from '../metrics/metrics.js';

export interface AttemptResult {
  readonly record: DeliveryRecord;
  readonly outcome: PostOutcome;
  /** Set when another attempt is due after this many seconds. */
  readonly retryInSeconds: number | undefined;
}

/**
 * One attempt: POST the recorded body with the webhook's current headers, then decide what comes next
 * (succeeded, retry after a delay, or failed for good). Callers record the delivery; here only the
 * metrics and the webhook's delivery health note the outcome (the latter writes only on a change of
 * state or once per HEALTH_WRITE_INTERVAL_SECONDS, see delivery-health.ts). It never rejects: whatever
 * goes wrong becomes a failed outcome (and the health recorder never rejects either).
 */
export async function attemptDelivery(deps: Deps, webhook: WebhookRecord, record: DeliveryRecord): Promise<AttemptResult> {
  const at = deps.now();
  let outcome: PostOutcome;
  let sent: DeliveryRecord = record;
  try {
    const request = outboundRequest(webhook, signatureHeaders(activeSecrets(webhook, at), record.eventId, at, record.body));
    sent = { ...record, requestHeaders: request.maskedHeaders, requestUri: request.maskedUri };
    outcome = await deps.poster.post({
      url: request.url,
      headers: request.headers,
      body: record.body,
      timeoutMs: deps.config.deliveryTimeoutMs,
      maxResponseBytes: deps.config.storedResponseBytes,
    });
  } catch (err) {
    // An attempt always settles with a result: callers start many at once and a rejection would escape
    // them (issue: one bad event id crashed the process). What cannot be sent now cannot be later either.
    const code = err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.name) : 'unknown';
    outcome = { kind: 'error', reason: 'refused', message: `the request could not be sent (${code})`, durationMs: 0 };
  }
  const now = deps.now();
  const result = decide(deps, record, outcome, now, sent);
  // Ingest → first attempt, for new deliveries only (not a held or failed one sent again by recover).
  const first = record.attempts === 0 && record.lastError === undefined;
  const receivedMs = first ? receivedMsOf(record.rowKey) : undefined;
  deps.metrics.attempted(
    outcomeOf(result),
    outcome.durationMs / 1000,
    receivedMs === undefined ? undefined : (now.getTime() - receivedMs) / 1000,
  );
  await deps.health.record(webhook, result.record.state === 'succeeded', now);
  return result;
}

function outcomeOf(result: AttemptResult): Exclude<DeliveryOutcome, 'held'> {
  if (result.record.state === 'succeeded') return 'succeeded';
  if (result.outcome.kind === 'error' && result.outcome.reason === 'refused') return 'refused';
  return result.retryInSeconds === undefined ? 'failed' : 'retrying';
}

/** What comes after an attempt: the retry policy's decision. */
function decide(deps: Deps, record: DeliveryRecord, outcome: PostOutcome, now: Date, sent: DeliveryRecord): AttemptResult {
  if (isSuccess(outcome))
    return { record: withAttempt(sent, outcome, 'succeeded', undefined, now.toISOString()), outcome, retryInSeconds: undefined };
  if (outcome.kind === 'response' && outcome.status === 410) {
    const why = 'HTTP 410 Gone: the endpoint asked to stop; the webhook was disabled';
    return { record: withAttempt(sent, outcome, 'failed', undefined, now.toISOString(), why), outcome, retryInSeconds: undefined };
  }
  const attempt = record.attempts + 1;
  const delay = isRetryable(outcome) ? nextDelaySeconds(deps.retryPolicy, attempt, outcome, now) : undefined;
  if (delay === undefined)
    return { record: withAttempt(sent, outcome, 'failed', undefined, now.toISOString()), outcome, retryInSeconds: undefined };
  const next = new Date(now.getTime() + delay * 1000).toISOString();
  return { record: withAttempt(sent, outcome, 'pending', next, now.toISOString()), outcome, retryInSeconds: delay };
}
