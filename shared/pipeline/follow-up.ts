import type { AttemptDelivery } from '../delivery/attempt-delivery.js';
import type { Attempted, SendAndRecordDeps } from '../delivery/send-and-record.js';
import { scheduleRetries, type DeliveryQueue } from './delivery-queue.js';
import { disableGoneWebhooks, type DisableGoneDeps } from './disable-gone.js';
import type { Logger } from '../logger.js';

export interface FollowUpDeps extends DisableGoneDeps {
  readonly deliveryQueue: DeliveryQueue;
}

/** What recorded attempts lead to: retries scheduled, and webhooks whose endpoint answered 410 disabled. */
async function followUp(deps: FollowUpDeps, registry: string, results: readonly Attempted[], log: Logger): Promise<void> {
  await scheduleRetries(deps.deliveryQueue, registry, results);
  await disableGoneWebhooks(deps, registry, results, log);
}

/** What sendAndRecord needs, from a stage's deps: its attempt, and the follow-up above. */
export const sendDeps = (deps: FollowUpDeps & { readonly attempt: AttemptDelivery }): SendAndRecordDeps => ({
  attempt: deps.attempt,
  followUp: (registry, attempted, log) => followUp(deps, registry, attempted, log),
});
