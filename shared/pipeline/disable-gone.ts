import type { Clock } from '../clock.js';
import type { AttemptResult } from '../delivery/attempt-delivery.js';
import type { WebhookRecord } from '../webhooks/webhook.js';
import type { WebhookStore } from '../storage/webhook-store.js';
import { ApiError } from '../errors.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Logger } from '../logger.js';

export interface DisableGoneDeps {
  readonly webhooks: Pick<WebhookStore, 'update'>;
  readonly now: Clock;
  readonly metrics: Pick<Metrics, 'webhookAutoDisabled'>;
}

/**
 * A 410 Gone means the endpoint is gone for good (Standard Webhooks, Svix and GitHub treat it so): the
 * webhook is disabled, with the reason on the webhook (`properties.statusReason`) and in the log.
 * Enabling it again (PATCH status enabled) clears the reason.
 */
export async function disableGoneWebhooks(
  deps: DisableGoneDeps,
  registry: string,
  results: readonly { webhook: WebhookRecord; result: AttemptResult }[],
  log: Logger,
): Promise<void> {
  const gone = new Map<string, AttemptResult>();
  for (const { webhook, result } of results) {
    if (result.outcome.kind === 'response' && result.outcome.status === 410) gone.set(webhook.name, result);
  }
  for (const [name, result] of gone) {
    let disabled = false;
    try {
      await deps.webhooks.update(registry, name, (current) => {
        if (current.status === 'disabled') return current;
        const now = deps.now().toISOString();
        disabled = true;
        const reason = `Disabled by the service at ${now}: the endpoint answered 410 Gone to event ${result.record.eventId}. Enable the webhook again once the endpoint is back.`;
        return { ...current, status: 'disabled', statusReason: reason, updatedAt: now };
      });
    } catch (err) {
      // Other writers kept winning: the next 410 tries again.
      if (!(err instanceof ApiError && err.code === 'Conflict')) throw err;
      log.warn(`webhook not disabled: registry=${registry} webhook=${name}: it kept changing under the update`);
      continue;
    }
    if (!disabled) continue;
    deps.metrics.webhookAutoDisabled('gone');
    log.warn(`webhook disabled: registry=${registry} webhook=${name}: the endpoint answered 410 Gone`);
  }
}
