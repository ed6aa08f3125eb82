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
import { deliveryKeys } from '../storage/event-keys.js';
import { UnreadableRowsError, type AttemptRead, type DeliveryStore } from '../storage/delivery-store.js';
import type { Config } from '../config.js';
import type { WebhookStore } from '../storage/webhook-store.js';
import { deliveriesMessage, type DeliveryRef } from './messages.js';
import { scheduleEach } from './delivery-queue.js';
import { parseOrPoison, sendToPoison } from './poison.js';
import { sendDeps, type FollowUpDeps } from './follow-up.js';
import type { Metrics } from '../metrics/metrics.js';
import { logValue } from '../log-value.js';

export interface DeliverDeps extends FollowUpDeps {
  readonly webhooks: Pick<WebhookStore, 'listCached'>;
  readonly now: Clock;
  readonly deliveries: Pick<DeliveryStore, 'readForAttempt' | 'claimAttempts' | 'putDeliveries'>;
  readonly queues: { readonly deliveriesPoison: QueueClient };
  readonly attempt: AttemptDelivery;
  readonly metrics: Pick<Metrics, 'held'>;
  readonly config: Pick<Config, 'deliveryTimeoutMs' | 'deliveryQueueWaitMs'>;
}
/** Beyond an attempt's longest (its wait for a turn and a connection, then its timeout), how long its claim lasts. */
const CLAIM_MARGIN_MS = 30_000;
/**
 * Longer than any hold a worker writes (at most 60 s of wait, 230 s of timeout and the margin, config.ts):
 * a mark further ahead was not written by a worker (a row edited by hand) and holds nothing, so it cannot
 * park a delivery, or ask the queue for a delay it refuses (over 7 days).
 */
const LONGEST_HOLD_MS = 3_600_000;

/**
 * The delivery worker: the next attempt of each delivery in a message (retries due now, or a fan-out's
 * hand-offs, an ordered lane's next). A delivery is acted on only while its record still waits for exactly
 * that attempt, so a stale message (a hand-off whose attempts finished, a retry already made) does nothing;
 * and only once this worker has taken the attempt (an ETag-conditional mark on its row), so of two messages
 * for one attempt read at once one sends. Outcomes are written in transactions and further retries grouped
 * by due time (sendAndRecord).
 */
export function makeDeliver(deps: DeliverDeps): QueueHandler {
  return parseOrPoison(
    deliveriesMessage,
    deps.queues.deliveriesPoison,
    'delivery',
    async ({ registry, items: named, ordered }, context) => {
      // Each delivery's attempt once, however often the message names it (a hand-written one): a transaction
      // naming a row twice is refused whole, which would fail the others with it.
      const unique = [
        ...new Map(named.map((item) => [`${deliveryKeys(deliveryIdOf(registry, item)).rowKey}|${item.attempt}`, item])).values(),
      ];
      const webhooks = await deps.webhooks.listCached(registry);
      const { items, reads } = await readReadable(deps, registry, unique, ordered, context);
      const nowMs = deps.now().getTime();
      const mine = ordered ? await keepOrderBehindHold(deps, registry, items, reads, nowMs, context) : items;
      const planned = mine.map((item, i) => plan(deps, registry, webhooks, item, reads[i], nowMs, context));
      const wanted = planned.flatMap((p, i) => (p && 'send' in p ? [{ send: p.send, item: mine[i]!, etag: reads[i]!.etag }] : []));
      const unsent = planned.flatMap((p) => (p && 'unsent' in p ? [p.unsent] : []));
      // Read as held by another worker: this may be that worker's own message come back, so it is looked at
      // again once the hold has run out (by then it is usually recorded, and nothing is done).
      const held = planned.flatMap((p, i) =>
        p && 'heldUntilMs' in p ? [{ ref: mine[i]!, delaySeconds: Math.ceil((p.heldUntilMs - nowMs) / 1000) + 1 }] : [],
      );
      for (const { ref } of held)
        context.log(
          `delivery attempt held by another worker: registry=${registry} webhook=${ref.webhook} attempt=${ref.attempt}; looked at again when the hold ends`,
        );
      await scheduleEach(deps.deliveryQueue, registry, held);
      const attempts = messageAttempts(deps, registry, context);
      if (ordered) await sendInTurn(attempts, wanted, unsent);
      else await attempts.sendAll(await attempts.take(wanted), unsent);
    },
  );
}

/**
 * The message's deliveries as read for their attempts (read together: deliveries of one event, a fan-out's
 * hand-offs or its retries due at once, share its row's read), less those whose rows this version does not
 * read (a later version's, after a rollback): those go to the poison queue at once, on their own, to be
 * replayed by a version that reads them, and do not hold the others back. Only then are the rest read again.
 */
async function readReadable(
  deps: DeliverDeps,
  registry: string,
  items: readonly DeliveryRef[],
  ordered: boolean | undefined,
  context: Logger,
): Promise<{ items: readonly DeliveryRef[]; reads: (AttemptRead | undefined)[] }> {
  const ids = (list: readonly DeliveryRef[]) => list.map((item) => deliveryIdOf(registry, item));
  try {
    return { items, reads: await deps.deliveries.readForAttempt(ids(items)) };
  } catch (err) {
    if (!(err instanceof UnreadableRowsError)) throw err;
    const unreadable = new Set(err.rowKeys);
    const isUnreadable = (item: DeliveryRef) => unreadable.has(deliveryKeys(deliveryIdOf(registry, item)).rowKey);
    const aside = items.filter(isUnreadable);
    const rest = items.filter((item) => !isUnreadable(item));
    await sendToPoison(
      deps.queues.deliveriesPoison,
      { v: 2, type: 'deliveries', registry, ...(ordered ? { ordered } : {}), items: aside },
      err.message,
    );
    context.error(`delivery: ${aside.length} of the message's deliveries moved to the poison queue: ${logValue(err.message, 1000)}`);
    return { items: rest, reads: rest.length > 0 ? await deps.deliveries.readForAttempt(ids(rest)) : [] };
  }
}

/** A delivery the message asks for, as planned to be sent, with the ETag its row was read with. */
interface Wanted {
  readonly send: Send;
  readonly item: DeliveryRef;
  readonly etag: string;
}

/**
 * How a message's deliveries are taken and sent. Each attempt is taken (ETag-conditional) before it is
 * sent: of two messages for one attempt (a lane's release and its re-check, a hand-off and a retry), read
 * at once, one sends and the other is refused. Refused: the worker that took it has its own message, which
 * stays until that attempt is recorded and comes back should the worker die. A hold lasts an attempt's
 * longest (its wait for a turn and a connection, then its timeout) and a margin.
 */
function messageAttempts(deps: DeliverDeps, registry: string, log: Logger) {
  return {
    async take(some: readonly Wanted[]): Promise<Send[]> {
      if (some.length === 0) return [];
      const until = deps.now().getTime() + deps.config.deliveryQueueWaitMs + deps.config.deliveryTimeoutMs + CLAIM_MARGIN_MS;
      const taken = await deps.deliveries.claimAttempts(
        some.map((w) => ({ id: deliveryIdOf(registry, w.item), etag: w.etag })),
        new Date(until).toISOString(),
      );
      return some.filter((_, i) => taken[i]).map((w) => w.send);
    },
    /** Sends what was taken, records it with `unsent`, and follows up (sendAndRecord). */
    async sendAll(sends: readonly Send[], unsent: readonly DeliveryRecord[] = []) {
      const { results } = await sendAndRecord(sendDeps(deps), {
        registry,
        sends,
        unsent,
        record: recordAll((records) => deps.deliveries.putDeliveries(registry, records)),
        log,
      });
      for (const [i, { webhook, tag }] of sends.entries()) {
        const r = results[i];
        if (r?.record.state === 'succeeded')
          log.log(`delivered: ${tag} webhook=${webhook.name} attempt=${r.record.attempts} status=${r.record.responseStatus ?? ''}`);
      }
      return results;
    },
  };
}

/**
 * A recover's page, in order: one after another while they succeed, each taken just before it is sent and
 * recorded as soon as it ends, so a worker that dies mid-page holds only the attempt it had in flight (the
 * page's message, back, skips what was recorded and keeps the rest behind that hold: keepOrderBehindHold).
 * After the first failure (the endpoint is down again) the rest go at once, so a page costs at most one timeout.
 */
async function sendInTurn(attempts: ReturnType<typeof messageAttempts>, wanted: readonly Wanted[], unsent: readonly DeliveryRecord[]) {
  if (unsent.length > 0) await attempts.sendAll([], unsent);
  for (const [k, one] of wanted.entries()) {
    const sends = await attempts.take([one]);
    if (sends.length === 0) continue;
    const [result] = await attempts.sendAll(sends);
    if (result?.record.state !== 'succeeded') return void (await attempts.sendAll(await attempts.take(wanted.slice(k + 1))));
  }
}

/**
 * In order, a delivery another worker holds keeps its place: it and those behind it go back together as one
 * ordered message, looked at again once that hold has run out. Returns the items to act on now (those before it).
 */
async function keepOrderBehindHold(
  deps: DeliverDeps,
  registry: string,
  items: readonly DeliveryRef[],
  reads: readonly (AttemptRead | undefined)[],
  nowMs: number,
  log: Logger,
): Promise<readonly DeliveryRef[]> {
  const first = items.findIndex((item, i) => heldUntil(item, reads[i], nowMs) !== undefined);
  if (first < 0) return items;
  const ref = items[first]!;
  const delaySeconds = Math.ceil((heldUntil(ref, reads[first], nowMs)! - nowMs) / 1000) + 1;
  log.log(
    `delivery attempt held by another worker: registry=${registry} webhook=${ref.webhook} attempt=${ref.attempt}; it and the ${items.length - first - 1} behind it looked at again when the hold ends`,
  );
  await deps.deliveryQueue.reserveOrdered(registry, items.slice(first), delaySeconds);
  return items.slice(0, first);
}

/**
 * What to do with one item (its record as read): send it, record it unsent (its webhook deleted or
 * disabled), look again once another worker's hold on the attempt ends, or nothing (stale).
 */
function plan(
  deps: DeliverDeps,
  registry: string,
  webhooks: readonly WebhookRecord[],
  item: DeliveryRef,
  read: AttemptRead | undefined,
  nowMs: number,
  log: Logger,
): { send: Send } | { unsent: DeliveryRecord } | { heldUntilMs: number } | undefined {
  const record = read?.record;
  if (!record || record.state !== 'pending' || record.attempts !== item.attempt - 1) return undefined;
  const heldUntilMs = heldUntil(item, read, nowMs);
  if (heldUntilMs !== undefined) return { heldUntilMs };
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

/** When another worker's hold on the item's attempt runs out, if the record still waits for that attempt and the hold has not. */
function heldUntil(item: DeliveryRef, read: AttemptRead | undefined, nowMs: number): number | undefined {
  const record = read?.record;
  if (!record || record.state !== 'pending' || record.attempts !== item.attempt - 1) return undefined;
  const until = read.claimedUntilMs;
  return until !== undefined && until > nowMs && until <= nowMs + LONGEST_HOLD_MS ? until : undefined;
}
