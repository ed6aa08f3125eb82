import type { AttemptDelivery } from '../delivery/attempt-delivery.js';
import type { SendAndRecordDeps } from '../delivery/send-and-record.js';
import { scheduleRetries, type DeliveryQueue } from './delivery-queue.js';

export interface FollowUpDeps {
  readonly deliveryQueue: DeliveryQueue;
}

/**
 * What sendAndRecord needs, from a stage's deps: its attempt, and what recorded attempts lead to: their
 * retries scheduled. (Disabling a webhook is decided as its health is written: webhooks/delivery-health.ts.)
 */
export const sendDeps = (deps: FollowUpDeps & { readonly attempt: AttemptDelivery }): SendAndRecordDeps => ({
  attempt: deps.attempt,
  followUp: (registry, attempted) => scheduleRetries(deps.deliveryQueue, registry, attempted),
});
