import type { InvocationContext } from '@azure/functions';
import type { TransactionAction } from '@azure/data-tables';
import type { Deps } from '../runtime/deps.js';
import { imageOf, type AcrEvent } from '../events/acr-event.js';
import { Rows } from '../events/event-store.js';
import { toDeliveryEntity, type DeliveryRecord } from '../delivery/delivery-record.js';
import { attemptDelivery } from '../delivery/attempt-delivery.js';
import { maskUri } from '../delivery/outbound-request.js';
import type { WebhookRecord } from '../webhooks/webhook-store.js';
import { nameKey } from '../webhooks/names.js';
import { eventMessage, type EventMessage } from './messages.js';
import { matchWebhooks } from './match.js';
import { sendToPoison } from './poison.js';
import { scheduleDelivery, trackHandoff } from './schedule-delivery.js';
import { logFailure } from './log-failure.js';

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
 * The fan-out: one event to every matching webhook. First attempts go out at once, concurrently, and the
 * records of the attempts that finish within DELIVERY_INLINE_WAIT_SECONDS are written with the event's
 * "fanned out" mark in one transaction per 100 (one storage call for a whole fan-out). An endpoint still
 * answering then is handed off to the delivery queue, so one slow endpoint holds up no other.
 */
export function makeFanOut(deps: Deps) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const parsed = eventMessage.safeParse(message);
    if (!parsed.success) {
      await sendToPoison(deps.queues.eventsPoison, message, `malformed event message: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      context.error(`fan-out: malformed message moved to the poison queue: ${parsed.error.issues[0]?.message ?? ''}`);
      return;
    }
    await fanOut(deps, parsed.data, context);
  };
}

async function fanOut(deps: Deps, m: EventMessage, context: InvocationContext): Promise<void> {
  const { registry, event } = m;
  const tag = `registry=${registry} event=${event.id} action=${event.action}`;
  const dequeueCount = Number(context.triggerMetadata?.['dequeueCount'] ?? 1);
  if (m.recheck || dequeueCount > 1) {
    const stored = await deps.events.getEvent(registry, event.id);
    if (stored?.state === 'fannedout') {
      context.log(`fan-out: ${tag} already fanned out; nothing to do`);
      return;
    }
  }
  const targets = matchWebhooks(await deps.webhookCache.get(registry), event);
  if (targets.length === 0) {
    context.log(`fan-out: ${tag} matched no webhook`);
    return;
  }
  const receivedMs = Date.parse(m.receivedAt);
  const body = JSON.stringify(event);
  const created = deps.now().toISOString();
  const records = targets.map((w) => newDeliveryRecord(w, event, body, receivedMs, created));
  const attempts = targets.map((w, i) => attemptDelivery(deps, w, records[i]!));
  const results = await settleWithin(attempts, deps.config.deliveryInlineWaitMs);

  const pk = nameKey(registry);
  const actions: TransactionAction[] = results.map((r, i) => [
    'upsert',
    toDeliveryEntity(pk, r?.record ?? { ...records[i]!, lastError: 'in flight' }),
    'Replace',
  ]);
  actions.push(['upsert', { partitionKey: pk, rowKey: Rows.event(event.id), state: 'fannedout' }, 'Merge']);
  for (let i = 0; i < actions.length; i += 100) await deps.events.transact(actions.slice(i, i + 100));

  let succeeded = 0;
  let retrying = 0;
  let failed = 0;
  const handoffs: Promise<unknown>[] = [];
  for (let i = 0; i < targets.length; i++) {
    const r = results[i];
    const webhook = targets[i]!;
    if (!r) {
      handoffs.push(trackHandoff(deps, registry, webhook, records[i]!, attempts[i]!, context));
      continue;
    }
    if (r.record.state === 'succeeded') succeeded++;
    else {
      logFailure(context, tag, webhook, r);
      if (r.retryInSeconds !== undefined) {
        retrying++;
        await scheduleDelivery(
          deps,
          { registry, webhook: webhook.name, rowKey: r.record.rowKey, attempt: r.record.attempts + 1 },
          r.retryInSeconds,
        );
      } else failed++;
    }
  }
  await Promise.all(handoffs);
  context.log(
    `fan-out: ${tag} matched=${targets.length} succeeded=${succeeded} retrying=${retrying} failed=${failed} handedOff=${handoffs.length}`,
  );
}
