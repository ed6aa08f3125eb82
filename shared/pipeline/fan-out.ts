import type { InvocationContext } from '@azure/functions';
import type { TransactionAction } from '@azure/data-tables';
import type { Deps } from '../runtime/deps.js';
import { imageOf, type AcrEvent } from '../events/acr-event.js';
import { Rows } from '../events/event-store.js';
import { HELD_REASON, toDeliveryEntity, type DeliveryRecord } from '../delivery/delivery-record.js';
import { attemptDelivery, type AttemptResult } from '../delivery/attempt-delivery.js';
import { maskUri } from '../delivery/outbound-request.js';
import type { WebhookRecord } from '../webhooks/webhook-store.js';
import { nameKey } from '../webhooks/names.js';
import { eventsMessage, type EventsMessage } from './messages.js';
import { holdingWebhooks, matchWebhooks } from './match.js';
import { sendToPoison } from './poison.js';
import { scheduleRetries, trackHandoffs } from './schedule-delivery.js';
import { logFailure } from './log-failure.js';
import { disableGoneWebhooks } from './disable-gone.js';
import { logValue } from '../log-value.js';

export function newDeliveryRecord(
  webhook: WebhookRecord,
  event: AcrEvent | { id: string; timestamp: string; action: 'ping' },
  body: string,
  receivedMs: number,
  now: string,
): DeliveryRecord {
  return {
    rowKey: Rows.delivery(webhook.name, receivedMs, event.id),
    webhook: webhook.name,
    eventId: event.id,
    action: event.action,
    image: imageOf(event),
    body,
    requestHeaders: {},
    requestUri: maskUri(webhook.serviceUri),
    state: 'pending',
    attempts: 0,
    nextAttemptAt: undefined,
    lastError: undefined,
    responseStatus: undefined,
    responseReason: undefined,
    responseHeaders: {},
    responseBody: '',
    durationMs: undefined,
    createdAt: now,
    updatedAt: now,
  };
}

/** Waits for all attempts, or until `budgetMs`; unfinished slots stay undefined. */
async function settleWithin<T>(promises: readonly Promise<T>[], budgetMs: number): Promise<(T | undefined)[]> {
  const results: (T | undefined)[] = new Array<T | undefined>(promises.length).fill(undefined);
  const all = Promise.all(promises.map((p, i) => p.then((r) => (results[i] = r))));
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<void>((resolve) => (timer = setTimeout(resolve, budgetMs)));
  await Promise.race([all, budget]);
  clearTimeout(timer);
  return results;
}

/**
 * The fan-out: each event of a batch to every matching webhook. First attempts go out at once,
 * concurrently, and the records of those that finish within DELIVERY_INLINE_WAIT_SECONDS are written,
 * with each event's "fanned out" mark, in as few transactions as 100 rows a transaction allows (one
 * storage call for a fan-out to 99 webhooks, or for a batch of small ones). An endpoint still answering
 * then is handed off to the delivery queue, so one slow endpoint holds up no other.
 */
export function makeFanOut(deps: Deps) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const parsed = eventsMessage.safeParse(message);
    if (!parsed.success) {
      await sendToPoison(deps.queues.eventsPoison, message, `malformed event message: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      context.error(`fan-out: malformed message moved to the poison queue: ${logValue(parsed.error.issues[0]?.message ?? '')}`);
      return;
    }
    await fanOut(deps, parsed.data, context);
  };
}

interface Planned {
  readonly event: AcrEvent;
  readonly tag: string;
  readonly targets: readonly WebhookRecord[];
  readonly records: readonly DeliveryRecord[];
  /** Deliveries to disabled webhooks: written as `held`, not attempted. */
  readonly held: readonly DeliveryRecord[];
  readonly attempts: readonly Promise<AttemptResult>[];
}

/** Packs each event's rows (records, then its mark) into transactions of ≤ 100, keeping an event's rows together when they fit. */
function pack(groups: readonly TransactionAction[][]): TransactionAction[][] {
  const txs: TransactionAction[][] = [];
  let current: TransactionAction[] = [];
  for (const group of groups) {
    if (current.length + group.length > 100 && current.length > 0) {
      txs.push(current);
      current = [];
    }
    for (const action of group) {
      if (current.length === 100) {
        txs.push(current);
        current = [];
      }
      current.push(action);
    }
  }
  if (current.length > 0) txs.push(current);
  return txs;
}

async function fanOut(deps: Deps, m: EventsMessage, context: InvocationContext): Promise<void> {
  const { registry } = m;
  const dequeueCount = Number(context.triggerMetadata?.['dequeueCount'] ?? 1);
  const webhooks = await deps.webhookCache.get(registry);
  const created = deps.now().toISOString();
  const plans: Omit<Planned, 'attempts'>[] = [];
  for (const item of m.items) {
    const { event } = item;
    const tag = `registry=${registry} event=${logValue(event.id)} action=${event.action}`;
    if (item.recheck || dequeueCount > 1) {
      const stored = await deps.events.getEvent(registry, event.id);
      if (stored?.state === 'fannedout') {
        context.log(`fan-out: ${tag} already fanned out; nothing to do`);
        continue;
      }
    }
    const targets = matchWebhooks(webhooks, event);
    const holding = holdingWebhooks(webhooks, event);
    if (targets.length === 0 && holding.length === 0) {
      context.log(`fan-out: ${tag} matched no webhook`);
      continue;
    }
    const receivedMs = Date.parse(item.receivedAt);
    const body = JSON.stringify(event);
    const held = holding.map((w) => ({
      ...newDeliveryRecord(w, event, body, receivedMs, created),
      state: 'held' as const,
      lastError: HELD_REASON,
    }));
    deps.metrics.held(held.length);
    plans.push({ event, tag, targets, records: targets.map((w) => newDeliveryRecord(w, event, body, receivedMs, created)), held });
  }
  if (plans.length === 0) return;

  // Attempts start only after the last await of the planning above: a promise created before an await
  // that throws would be left without a handler (attempts never reject, but nothing here relies on it).
  const planned: Planned[] = plans.map((p) => ({ ...p, attempts: p.targets.map((w, i) => attemptDelivery(deps, w, p.records[i]!)) }));
  const all = planned.flatMap((p) => p.attempts);
  const settled = await settleWithin(all, deps.config.deliveryInlineWaitMs);
  const pk = nameKey(registry);
  let offset = 0;
  const results = planned.map((p) => {
    const r = settled.slice(offset, offset + p.attempts.length);
    offset += p.attempts.length;
    return r;
  });
  const groups = planned.map((p, e): TransactionAction[] => [
    ...p.records.map((rec, i): TransactionAction => [
      'upsert',
      toDeliveryEntity(pk, results[e]![i]?.record ?? { ...rec, lastError: 'in flight' }),
      'Replace',
    ]),
    ...p.held.map((rec): TransactionAction => ['upsert', toDeliveryEntity(pk, rec), 'Replace']),
    ['upsert', { partitionKey: pk, rowKey: Rows.event(p.event.id), state: 'fannedout' }, 'Merge'],
  ]);
  for (const tx of pack(groups)) await deps.events.transact(tx);

  const pending: Parameters<typeof trackHandoffs>[2][number][] = [];
  const finished: { webhook: WebhookRecord; result: AttemptResult }[] = [];
  for (const [e, p] of planned.entries()) {
    let succeeded = 0;
    let retrying = 0;
    let failed = 0;
    let handedOff = 0;
    for (const [i, webhook] of p.targets.entries()) {
      const r = results[e]![i];
      if (!r) {
        pending.push({ webhook, record: p.records[i]!, attempt: p.attempts[i]!, tag: p.tag });
        handedOff++;
        continue;
      }
      finished.push({ webhook, result: r });
      if (r.record.state === 'succeeded') succeeded++;
      else {
        logFailure(context, p.tag, webhook, r);
        if (r.retryInSeconds !== undefined) retrying++;
        else failed++;
      }
    }
    context.log(
      `fan-out: ${p.tag} matched=${p.targets.length} succeeded=${succeeded} retrying=${retrying} failed=${failed} handedOff=${handedOff} held=${p.held.length}`,
    );
  }
  await scheduleRetries(deps, registry, finished);
  await disableGoneWebhooks(deps, registry, finished, context);
  await trackHandoffs(deps, registry, pending, context);
}
