import type { InvocationContext } from '@azure/functions';
import type { TransactionAction } from '@azure/data-tables';
import type { Deps } from '../runtime/deps.js';
import type { DeliveryRecord } from '../delivery/delivery-record.js';
import { toDeliveryEntity } from '../delivery/delivery-record.js';
import type { AttemptResult } from '../delivery/attempt-delivery.js';
import type { WebhookRecord } from '../webhooks/webhook-store.js';
import { nameKey } from '../webhooks/names.js';
import { encodeMessage, MAX_DELIVERIES_PER_MESSAGE, type DeliveryRef } from './messages.js';
import { logFailure } from './log-failure.js';
import { disableGoneWebhooks } from './disable-gone.js';

/** Rows of one partition in transactions of ≤ 100: one storage call per hundred records. */
export async function writeRecords(deps: Deps, registry: string, records: readonly DeliveryRecord[]): Promise<void> {
  const pk = nameKey(registry);
  for (let i = 0; i < records.length; i += 100) {
    await deps.events.transact(records.slice(i, i + 100).map((r): TransactionAction => ['upsert', toDeliveryEntity(pk, r), 'Replace']));
  }
}

/**
 * Queues deliveries that are due after `delaySeconds`. The queue's visibility timeout is the backoff, so
 * no worker sleeps; deliveries due at the same second share a message.
 */
export async function scheduleDeliveries(
  deps: Deps,
  registry: string,
  items: readonly DeliveryRef[],
  delaySeconds: number,
  flags: { readonly handoff?: boolean; readonly ordered?: boolean } = {},
) {
  const sent = [];
  for (let i = 0; i < items.length; i += MAX_DELIVERIES_PER_MESSAGE) {
    const message = encodeMessage({
      v: 1,
      type: 'deliveries',
      registry,
      ...(flags.handoff ? { handoff: true } : {}),
      ...(flags.ordered ? { ordered: true } : {}),
      items: items.slice(i, i + MAX_DELIVERIES_PER_MESSAGE),
    });
    sent.push(await deps.queues.deliveries.sendMessage(message, { visibilityTimeout: Math.max(0, Math.round(delaySeconds)) }));
  }
  return sent;
}

/** Schedules every result that asks for another attempt, one message per distinct delay. */
export async function scheduleRetries(
  deps: Deps,
  registry: string,
  results: readonly { webhook: WebhookRecord; result: AttemptResult }[],
): Promise<number> {
  const byDelay = new Map<number, DeliveryRef[]>();
  for (const { webhook, result } of results) {
    if (result.retryInSeconds === undefined) continue;
    const delay = Math.max(0, Math.round(result.retryInSeconds));
    const list = byDelay.get(delay) ?? [];
    list.push({ webhook: webhook.name, rowKey: result.record.rowKey, attempt: result.record.attempts + 1 });
    byDelay.set(delay, list);
  }
  let count = 0;
  for (const [delay, items] of byDelay) {
    await scheduleDeliveries(deps, registry, items, delay);
    count += items.length;
  }
  return count;
}

/**
 * First attempts still running when a fan-out returns. One hand-off message, invisible until they must
 * have ended, backs them up: if this process finishes them it records the outcomes (in transactions),
 * schedules retries and withdraws the message; if the process dies, the message reappears and the
 * delivery worker makes those attempts.
 */
export async function trackHandoffs(
  deps: Deps,
  registry: string,
  pending: readonly { webhook: WebhookRecord; record: DeliveryRecord; attempt: Promise<AttemptResult>; tag: string }[],
  context: InvocationContext,
): Promise<void> {
  if (pending.length === 0) return;
  const waitSeconds = Math.ceil(deps.config.deliveryTimeoutMs / 1000) + 5;
  const refs = pending.map((p) => ({ webhook: p.webhook.name, rowKey: p.record.rowKey, attempt: 1 }));
  const sent = await scheduleDeliveries(deps, registry, refs, waitSeconds, { handoff: true });
  const finish = Promise.all(pending.map((p) => p.attempt)).then(async (results) => {
    await writeRecords(
      deps,
      registry,
      results.map((r) => r.record),
    );
    results.forEach((r, i) => {
      if (r.record.state !== 'succeeded') logFailure(context, pending[i]!.tag, pending[i]!.webhook, r);
    });
    const pairs = results.map((result, i) => ({ webhook: pending[i]!.webhook, result }));
    await scheduleRetries(deps, registry, pairs);
    await disableGoneWebhooks(deps, registry, pairs, context);
    for (const s of sent) await deps.queues.deliveries.deleteMessage(s.messageId, s.popReceipt);
  });
  const tracked = finish.catch((err: unknown) => {
    // The hand-off message stays and does the work later.
    context.warn(
      `hand-off of ${pending.length} deliveries (registry=${registry}) left to the delivery queue: ${err instanceof Error ? err.message : String(err)}`,
    );
  });
  deps.background.add(tracked);
  void tracked.finally(() => deps.background.delete(tracked));
}
