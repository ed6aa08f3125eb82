import type { TransactionAction } from '@azure/data-tables';
import type { InvocationContext } from '@azure/functions';
import type { QueueClient } from '@azure/storage-queue';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { QueueHandler } from '../handler-types.js';
import type { AcrEvent } from '../events/acr-event.js';
import type { DeliveryRecord } from '../delivery/delivery-record.js';
import type { AttemptDelivery, AttemptResult } from '../delivery/attempt-delivery.js';
import type { WebhookRecord } from '../webhooks/webhook.js';
import type { EventStore } from '../storage/event-store.js';
import type { WebhookStore } from '../storage/webhook-store.js';
import { eventsMessage, type EventsMessage } from './messages.js';
import { matchWebhooks } from './match.js';
import { parseOrPoison } from './poison.js';
import { newDeliveryRecord } from './new-delivery.js';
import { followUp } from './follow-up.js';
import { trackHandoffs, type Handoff, type HandoffDeps } from './handoffs.js';
import { logFailure } from './log-failure.js';
import { planMultiArch, type MultiArchDeps } from '../multiarch/coalesce.js';
import { logValue } from '../log-value.js';

export interface FanOutDeps extends HandoffDeps, MultiArchDeps {
  readonly config: Pick<Config, 'deliveryInlineWaitMs' | 'deliveryTimeoutMs' | 'multiArchWindowMs'>;
  readonly webhooks: Pick<WebhookStore, 'listCached' | 'update'>;
  readonly events: Pick<EventStore, 'getEvent' | 'recordFanOut' | 'putDeliveries'>;
  readonly queues: { readonly eventsPoison: QueueClient; readonly events: QueueClient };
  readonly attempt: AttemptDelivery;
  readonly now: Clock;
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
export function makeFanOut(deps: FanOutDeps): QueueHandler {
  return parseOrPoison(eventsMessage, deps.queues.eventsPoison, 'event', (m, context) => fanOut(deps, m, context));
}

interface Planned {
  readonly event: AcrEvent;
  readonly tag: string;
  readonly targets: readonly WebhookRecord[];
  readonly records: readonly DeliveryRecord[];
  readonly attempts: readonly Promise<AttemptResult>[];
  /** Rows written with the records (a released multi-arch hold's removal). */
  readonly extra: readonly TransactionAction[];
}

async function fanOut(deps: FanOutDeps, m: EventsMessage, context: InvocationContext): Promise<void> {
  const { registry } = m;
  const dequeueCount = Number(context.triggerMetadata?.['dequeueCount'] ?? 1);
  const webhooks = await deps.webhooks.listCached(registry);
  const created = deps.now().toISOString();
  const plans: Omit<Planned, 'attempts'>[] = [];
  for (const item of m.items) {
    const { event } = item;
    const tag = `registry=${registry} event=${logValue(event.id)} action=${event.action}`;
    if (!item.release && (item.recheck || dequeueCount > 1)) {
      const stored = await deps.events.getEvent(registry, event.id);
      if (stored?.state === 'fannedout') {
        context.log(`fan-out: ${tag} already fanned out; nothing to do`);
        continue;
      }
    }
    // Multi-arch images: coalesced webhooks get one event per index; held pushes and their release.
    const plan = await planMultiArch(deps, registry, item, matchWebhooks(webhooks, event), (m) => context.log(`fan-out: ${tag} ${m}`));
    const targets = plan.sends.map((s) => s.webhook);
    if (targets.length === 0 && plan.extra.length === 0) {
      context.log(`fan-out: ${tag} matched no webhook`);
      continue;
    }
    const receivedMs = Date.parse(item.receivedAt);
    const records = plan.sends.map((s) => newDeliveryRecord(s.webhook, event, s.body, receivedMs, created));
    plans.push({ event, tag, targets, records, extra: plan.extra });
  }
  if (plans.length === 0) return;

  // Attempts start only after the last await of the planning above: a promise created before an await
  // that throws would be left without a handler (attempts never reject, but nothing here relies on it).
  const planned: Planned[] = plans.map((p) => ({ ...p, attempts: p.targets.map((w, i) => deps.attempt(w, p.records[i]!)) }));
  const settled = await settleWithin(
    planned.flatMap((p) => p.attempts),
    deps.config.deliveryInlineWaitMs,
  );
  let offset = 0;
  const results = planned.map((p) => {
    const r = settled.slice(offset, offset + p.attempts.length);
    offset += p.attempts.length;
    return r;
  });
  await deps.events.recordFanOut(
    registry,
    planned.map((p, e) => ({
      eventId: p.event.id,
      records: p.records.map((rec, i) => results[e]![i]?.record ?? { ...rec, lastError: 'in flight' }),
      extra: p.extra,
    })),
  );

  const pending: Handoff[] = [];
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
      `fan-out: ${p.tag} matched=${p.targets.length} succeeded=${succeeded} retrying=${retrying} failed=${failed} handedOff=${handedOff}`,
    );
  }
  await followUp(deps, registry, finished, context);
  await trackHandoffs(deps, registry, pending, context);
}
