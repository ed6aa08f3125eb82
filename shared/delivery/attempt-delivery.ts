import type { Deps } from '../runtime/deps.js';
import type { WebhookRecord } from '../webhooks/webhook-store.js';
import { withAttempt, type DeliveryRecord } from './delivery-record.js';
import { outboundRequest } from './outbound-request.js';
import { activeSecrets, signatureHeaders } from './signature.js';
import { isRetryable, isSuccess, nextDelaySeconds } from './retry-policy.js';
import type { PostOutcome } from './post-json.js';

export interface AttemptResult {
  readonly record: DeliveryRecord;
  readonly outcome: PostOutcome;
  /** Set when another attempt is due after this many seconds. */
  readonly retryInSeconds: number | undefined;
}

/**
 * One attempt: POST the recorded body with the webhook's current headers, then decide what comes next
 * (succeeded, retry after a delay, or failed for good). Storage is not touched here; callers record.
 * It never rejects: whatever goes wrong becomes a failed outcome.
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
