import type { AttemptResult } from '../delivery/attempt-delivery.js';
import type { WebhookRecord } from '../webhooks/webhook.js';
import { scheduleRetries, type DeliveryQueue } from './delivery-queue.js';
import { disableGoneWebhooks, type DisableGoneDeps } from './disable-gone.js';
import type { Logger } from '../logger.js';

export interface FollowUpDeps extends DisableGoneDeps {
  readonly deliveryQueue: DeliveryQueue;
}

/** What recorded attempts lead to: retries scheduled, and webhooks whose endpoint answered 410 disabled. */
export async function followUp(
  deps: FollowUpDeps,
  registry: string,
  results: readonly { webhook: WebhookRecord; result: AttemptResult }[],
  log: Logger,
): Promise<void> {
  await scheduleRetries(deps.deliveryQueue, registry, results);
  await disableGoneWebhooks(deps, registry, results, log);
}
