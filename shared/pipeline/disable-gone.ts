import type { InvocationContext } from '@azure/functions';
import type { Deps } from '../runtime/deps.js';
import type { AttemptResult } from '../delivery/attempt-delivery.js';
import type { WebhookRecord } from '../webhooks/webhook-store.js';
import { ConcurrencyError } from '../webhooks/webhook-store.js';

/**
 * A 410 Gone means the endpoint is gone for good (Standard Webhooks, Svix and GitHub treat it so): the
 * webhook is disabled, with the reason on the webhook (`properties.statusReason`) and in the log.
 * Enabling it again (PATCH status enabled) clears the reason.
 */
export async function disableGoneWebhooks(
  deps: Deps,
  registry: string,
  results: readonly { webhook: WebhookRecord; result: AttemptResult }[],
  context: InvocationContext,
): Promise<void> {
  const gone = new Map<string, AttemptResult>();
  for (const { webhook, result } of results) {
    if (result.outcome.kind === 'response' && result.outcome.status === 410) gone.set(webhook.name, result);
  }
  for (const [name, result] of gone) {
    for (let attempt = 0; attempt < 3; attempt++) {
      const existing = await deps.webhooks.get(registry, name);
      if (!existing || existing.record.status === 'disabled') break;
      const now = deps.now().toISOString();
      const reason = `Disabled by the service at ${now}: the endpoint answered 410 Gone to event ${result.record.eventId}. Enable the webhook again once the endpoint is back.`;
      try {
        await deps.webhooks.replace({ ...existing.record, status: 'disabled', statusReason: reason, updatedAt: now }, existing.etag);
        deps.webhookCache.invalidate(registry);
        deps.metrics.webhookAutoDisabled('gone');
        context.warn(`webhook disabled: registry=${registry} webhook=${name}: the endpoint answered 410 Gone`);
        break;
      } catch (err) {
        if (!(err instanceof ConcurrencyError)) throw err;
      }
    }
  }
}
