import type { InvocationContext } from '@azure/functions';
import type { Deps } from '../runtime/deps.js';
import type { DeliveryRecord } from '../delivery/delivery-record.js';
import { attemptDelivery, type AttemptResult } from '../delivery/attempt-delivery.js';
import type { WebhookRecord } from '../webhooks/webhook-store.js';
import { nameKey } from '../webhooks/names.js';
import { deliveriesMessage, type DeliveryRef } from './messages.js';
import { sendToPoison } from './poison.js';
import { scheduleRetries, writeRecords } from './schedule-delivery.js';
import { logFailure } from './log-failure.js';
import { disableGoneWebhooks } from './disable-gone.js';
import { logValue } from '../log-value.js';

/**
 * The delivery worker: the next attempt of each delivery in a message (retries due now, or a fan-out's
 * hand-offs). A delivery is acted on only while its record still waits for exactly that attempt, so a
 * duplicate or stale message (a hand-off whose attempts finished, a retry already made) does nothing.
 * Outcomes are written in transactions and further retries grouped by due time.
 */
export function makeDeliver(deps: Deps) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const parsed = deliveriesMessage.safeParse(message);
    if (!parsed.success) {
      await sendToPoison(
        deps.queues.deliveriesPoison,
        message,
        `malformed delivery message: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      );
      context.error(`deliver: malformed message moved to the poison queue`);
      return;
    }
    const { registry, items } = parsed.data;
    const webhooks = await deps.webhookCache.get(registry);
    const outcomes = await Promise.all(items.map((item) => deliverOne(deps, registry, webhooks, item, context)));
    const done = outcomes.filter((o): o is NonNullable<typeof o> => o !== undefined);
    await writeRecords(
      deps,
      registry,
      done.map((o) => o.record),
    );
    const pairs = done.flatMap((o) => (o.webhook && o.result ? [{ webhook: o.webhook, result: o.result }] : []));
    await scheduleRetries(deps, registry, pairs);
    await disableGoneWebhooks(deps, registry, pairs, context);
  };
}

async function deliverOne(
  deps: Deps,
  registry: string,
  webhooks: readonly WebhookRecord[],
  item: DeliveryRef,
  context: InvocationContext,
): Promise<{ record: DeliveryRecord; webhook?: WebhookRecord; result?: AttemptResult } | undefined> {
  const record = await deps.events.getDelivery(registry, item.rowKey);
  if (!record || record.state !== 'pending' || record.attempts !== item.attempt - 1) return undefined;
  const tag = `registry=${registry} event=${logValue(record.eventId)} action=${record.action}`;
  const webhook = webhooks.find((w) => nameKey(w.name) === nameKey(item.webhook));
  if (!webhook || webhook.status !== 'enabled') {
    const why = webhook ? 'the webhook is disabled; redeliver once it is enabled' : 'the webhook was deleted';
    context.warn(`delivery abandoned: ${tag} webhook=${logValue(item.webhook)}: ${why}`);
    return { record: { ...record, state: 'failed', nextAttemptAt: undefined, lastError: why, updatedAt: deps.now().toISOString() } };
  }
  const result = await attemptDelivery(deps, webhook, record);
  if (result.record.state === 'succeeded') {
    context.log(`delivered: ${tag} webhook=${webhook.name} attempt=${result.record.attempts} status=${result.record.responseStatus ?? ''}`);
  } else logFailure(context, tag, webhook, result);
  return { record: result.record, webhook, result };
}
