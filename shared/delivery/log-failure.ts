import type { AttemptResult } from './attempt-delivery.js';
import type { WebhookRecord } from '../webhooks/webhook.js';
import { logValue } from '../log-value.js';
import type { Logger } from '../logger.js';

/** One line per failed attempt: which delivery, why, and what happens next. Never a header or the URI. */
export function logFailure(log: Logger, tag: string, webhook: WebhookRecord, r: AttemptResult): void {
  const next = r.retryInSeconds !== undefined ? `; retry ${r.record.attempts + 1} in ${r.retryInSeconds}s` : '; giving up';
  log.warn(
    `delivery failed: ${tag} webhook=${webhook.name} attempt=${r.record.attempts}: ${logValue(r.record.lastError ?? 'unknown', 1000)}${next}`,
  );
}
