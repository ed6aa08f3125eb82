import type { QueueClient } from '@azure/storage-queue';
import type { Clock } from '../clock.js';
import type { QueueHandler } from '../handler-types.js';
import { HELD_REASON, type DeliveryRecord } from '../delivery/delivery-record.js';
import { deliveryIdOf } from '../delivery/delivery-id.js';
import type { AttemptDelivery } from '../delivery/attempt-delivery.js';
import { recordAll, sendAndRecord, type Send } from '../delivery/send-and-record.js';
import type { Logger } from '../logger.js';
import type { WebhookRecord } from '../webhooks/webhook.js';
import { nameKey } from '../storage/key-part.js';
import type { DeliveryStore } from '../storage/delivery-store.js';
import type { WebhookStore } from '../storage/webhook-store.js';
import { deliveriesMessage, type DeliveryRef } from './messages.js';
import { parseOrPoison } from './poison.js';
import { sendDeps, type FollowUpDeps } from './follow-up.js';
import type { Metrics } from '../metrics/metrics.js';

export interface DeliverDeps extends FollowUpDeps {
  readonly webhooks: Pick<WebhookStore, 'listCached'>;
  readonly now: Clock;
  readonly deliveries: Pick<DeliveryStore, 'getDeliveries' | 'putDeliveries'>;
  readonly queues: { readonly deliveriesPoison: QueueClient };
  readonly attempt: AttemptDelivery;
  readonly metrics: Pick<Metrics, 'held'>;
}
import { logValue } from '../log-value.js';

/**
 * The delivery worker: the next attempt of each delivery in a message (retries due now, or a fan-out's
 * hand-offs). A delivery is acted on only while its record still waits for exactly that attempt, so a
 * duplicate or stale message (a hand-off whose attempts finished, a retry already made) does nothing.
 * Outcomes are written in transactions and further retries grouped by due time (sendAndRecord).
 */
export function makeDeliver(deps: DeliverDeps): QueueHandler {
  return parseOrPoison(deliveriesMessage, deps.queues.deliveriesPoison, 'delivery', async ({ registry, items, ordered }, context) => {
    const webhooks = await deps.webhooks.listCached(registry);
    // Read together: deliveries of one event (a fan-out's hand-offs, its retries due at once) share its row's read.
    const records = await deps.deliveries.getDeliveries(items.map((item) => deliveryIdOf(registry, item)));
    const planned = items.map((item, i) => plan(deps, registry, webhooks, item, records[i], context));
    const sends = planned.flatMap((p) => (p && 'send' in p ? [p.send] : []));
    const { results } = await sendAndRecord(sendDeps(deps), {
      registry,
      sends,
      unsent: planned.flatMap((p) => (p && 'unsent' in p ? [p.unsent] : [])),
      record: recordAll((records) => deps.deliveries.putDeliveries(registry, records)),
      order: ordered ? 'in-order' : 'concurrent',
      log: context,
    });
    for (const [i, { webhook, tag }] of sends.entries()) {
      const r = results[i];
      if (r?.record.state === 'succeeded')
        context.log(`delivered: ${tag} webhook=${webhook.name} attempt=${r.record.attempts} status=${r.record.responseStatus ?? ''}`);
    }
  });
}

/** What to do with one item (its record as read): send it, record it unsent (its webhook deleted or disabled), or nothing (stale). */
function plan(
  deps: DeliverDeps,
  registry: string,
  webhooks: readonly WebhookRecord[],
  item: DeliveryRef,
  record: DeliveryRecord | undefined,
  log: Logger,
): { send: Send } | { unsent: DeliveryRecord } | undefined {
  if (!record || record.state !== 'pending' || record.attempts !== item.attempt - 1) return undefined;
  const tag = `registry=${registry} event=${logValue(record.eventId)} action=${record.action}`;
  const webhook = webhooks.find((w) => nameKey(w.name) === nameKey(item.webhook));
  if (!webhook) {
    log.warn(`delivery abandoned: ${tag} webhook=${logValue(item.webhook)}: the webhook was deleted`);
    const lastError = 'the webhook was deleted';
    return { unsent: { ...record, state: 'failed', nextAttemptAt: undefined, lastError, updatedAt: deps.now().toISOString() } };
  }
  if (webhook.status !== 'enabled') {
    // Not sent, not dropped: kept for `recover` once the webhook is enabled again.
    log.log(`delivery held: ${tag} webhook=${webhook.name}: the webhook is disabled`);
    deps.metrics.held(1);
    return { unsent: { ...record, state: 'held', nextAttemptAt: undefined, lastError: HELD_REASON, updatedAt: deps.now().toISOString() } };
  }
  return { send: { webhook, record, tag, turn: { notBeforeMs: item.notBeforeMs } } };
}
