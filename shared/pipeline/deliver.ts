import type { InvocationContext } from '@azure/functions';
import type { QueueClient } from '@azure/storage-queue';
import type { QueueHandler } from '../handler-types.js';
import { HELD_REASON, type DeliveryRecord } from '../delivery/delivery-record.js';
import { deliveryIdOf } from '../delivery/delivery-id.js';
import type { AttemptDelivery, AttemptResult } from '../delivery/attempt-delivery.js';
import type { WebhookRecord } from '../webhooks/webhook.js';
import { nameKey } from '../storage/key-part.js';
import type { DeliveryStore } from '../storage/delivery-store.js';
import type { WebhookStore } from '../storage/webhook-store.js';
import { deliveriesMessage, type DeliveryRef } from './messages.js';
import { parseOrPoison } from './poison.js';
import { followUp, type FollowUpDeps } from './follow-up.js';
import { logFailure } from '../delivery/log-failure.js';
import type { Metrics } from '../metrics/metrics.js';

export interface DeliverDeps extends FollowUpDeps {
  readonly webhooks: Pick<WebhookStore, 'listCached' | 'update'>;
  readonly deliveries: Pick<DeliveryStore, 'getDelivery' | 'putDeliveries'>;
  readonly queues: { readonly deliveriesPoison: QueueClient };
  readonly attempt: AttemptDelivery;
  readonly metrics: Pick<Metrics, 'held' | 'webhookAutoDisabled'>;
}
import { logValue } from '../log-value.js';

/**
 * The delivery worker: the next attempt of each delivery in a message (retries due now, or a fan-out's
 * hand-offs). A delivery is acted on only while its record still waits for exactly that attempt, so a
 * duplicate or stale message (a hand-off whose attempts finished, a retry already made) does nothing.
 * Outcomes are written in transactions and further retries grouped by due time.
 */
export function makeDeliver(deps: DeliverDeps): QueueHandler {
  return parseOrPoison(deliveriesMessage, deps.queues.deliveriesPoison, 'delivery', async ({ registry, items, ordered }, context) => {
    const webhooks = await deps.webhooks.listCached(registry);
    const one = (item: DeliveryRef) => deliverOne(deps, registry, webhooks, item, context);
    const outcomes = ordered ? await inOrder(items, one) : await Promise.all(items.map(one));
    const done = outcomes.filter((o): o is NonNullable<typeof o> => o !== undefined);
    await deps.deliveries.putDeliveries(
      registry,
      done.map((o) => o.record),
    );
    const pairs = done.flatMap((o) => (o.webhook && o.result ? [{ webhook: o.webhook, result: o.result }] : []));
    await followUp(deps, registry, pairs, context);
  });
}

async function deliverOne(
  deps: DeliverDeps,
  registry: string,
  webhooks: readonly WebhookRecord[],
  item: DeliveryRef,
  context: InvocationContext,
): Promise<{ record: DeliveryRecord; webhook?: WebhookRecord; result?: AttemptResult } | undefined> {
  const record = await deps.deliveries.getDelivery(deliveryIdOf(registry, item));
  if (!record || record.state !== 'pending' || record.attempts !== item.attempt - 1) return undefined;
  const tag = `registry=${registry} event=${logValue(record.eventId)} action=${record.action}`;
  const webhook = webhooks.find((w) => nameKey(w.name) === nameKey(item.webhook));
  if (!webhook) {
    context.warn(`delivery abandoned: ${tag} webhook=${logValue(item.webhook)}: the webhook was deleted`);
    const lastError = 'the webhook was deleted';
    return { record: { ...record, state: 'failed', nextAttemptAt: undefined, lastError, updatedAt: deps.now().toISOString() } };
  }
  if (webhook.status !== 'enabled') {
    // Not sent, not dropped: kept for `recover` once the webhook is enabled again.
    context.log(`delivery held: ${tag} webhook=${webhook.name}: the webhook is disabled`);
    deps.metrics.held(1);
    return { record: { ...record, state: 'held', nextAttemptAt: undefined, lastError: HELD_REASON, updatedAt: deps.now().toISOString() } };
  }
  const result = await deps.attempt(webhook, record);
  if (result.record.state === 'succeeded') {
    context.log(`delivered: ${tag} webhook=${webhook.name} attempt=${result.record.attempts} status=${result.record.responseStatus ?? ''}`);
  } else logFailure(context, tag, webhook, result);
  return { record: result.record, webhook, result };
}

/**
 * Attempts one after another while they succeed; after the first failure (the endpoint is down again)
 * the rest go at once, so a page of an ordered recover costs at most one timeout, not one per item.
 */
async function inOrder<R extends { record: DeliveryRecord } | undefined>(
  items: readonly DeliveryRef[],
  fn: (item: DeliveryRef) => Promise<R>,
): Promise<R[]> {
  const out: R[] = [];
  let i = 0;
  while (i < items.length) {
    const r = await fn(items[i++]!);
    out.push(r);
    if (r && r.record.state !== 'succeeded' && r.record.state !== 'held') break;
  }
  out.push(...(await Promise.all(items.slice(i).map(fn))));
  return out;
}
