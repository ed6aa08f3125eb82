import type { QueueClient } from '@azure/storage-queue';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { QueueHandler } from '../handler-types.js';
import { HELD_REASON, type DeliveryRecord } from '../delivery/delivery-record.js';
import type { AttemptDelivery } from '../delivery/attempt-delivery.js';
import { recordAll, sendAndRecord } from '../delivery/send-and-record.js';
import type { WebhookRecord } from '../webhooks/webhook.js';
import type { ClaimStore } from '../storage/claim-store.js';
import type { DeliveryStore } from '../storage/delivery-store.js';
import type { WebhookStore } from '../storage/webhook-store.js';
import { nameKey } from '../storage/key-part.js';
import { eventsMessage } from './messages.js';
import { claimEvents, type Claimed, type ClaimSettings } from './claims.js';
import { holdingWebhooks, matchWebhooks } from './match.js';
import type { Metrics } from '../metrics/metrics.js';
import { parseOrPoison } from './poison.js';
import { newDeliveryRecord } from '../delivery/new-delivery.js';
import { sendDeps } from './follow-up.js';
import { handOffWindowSeconds, trackHandoffs, type HandoffDeps } from './handoffs.js';
import { logValue } from '../log-value.js';
import type { Logger } from '../logger.js';
import { keepRenewing } from '../keep-renewing.js';
import { planMultiArch, type MultiArchDeps } from './plan-multi-arch.js';
import type { DeliveryRef, EventsMessage } from './messages.js';
import { scheduleEach } from './delivery-queue.js';
import { referrerKind, type SkipReferrersDeps } from './skip-referrers.js';
import { REFERRER_REASONS, type ReferrerKind } from '../events/referrers.js';
import { acrPayload } from '../multiarch/payloads.js';
import type { Turns } from './in-turn.js';
import { EVENT_ROW_GRACE_MS } from '../storage/event-keys.js';

export interface FanOutDeps extends HandoffDeps, MultiArchDeps, SkipReferrersDeps {
  readonly config: Pick<
    Config,
    'deliveryInlineWaitMs' | 'deliveryTimeoutMs' | 'deliveryQueueWaitMs' | 'fanOutLeaseMs' | 'multiArchWindowMs'
  >;
  readonly webhooks: Pick<WebhookStore, 'listCached'>;
  readonly claims: Pick<ClaimStore, 'readClaim' | 'takeClaim' | 'createClaim' | 'recordFanOut'>;
  readonly deliveries: Pick<DeliveryStore, 'deliveryProgress' | 'putDeliveries'>;
  readonly queues: { readonly eventsPoison: QueueClient; readonly events: QueueClient };
  readonly attempt: AttemptDelivery;
  readonly metrics: Pick<Metrics, 'held' | 'skipped'>;
  readonly now: Clock;
  /** This process, as the owner named in the claims it takes. */
  readonly owner: string;
  /** A registry's fan-outs plan one after another, so an earlier batch's deliveries join their ordered lanes first. */
  readonly planning: Turns;
}

/**
 * The fan-out: each claimed event to every matching webhook. First attempts go out at once,
 * concurrently, and the records of those that finish within DELIVERY_INLINE_WAIT_SECONDS are written,
 * with each event's `fannedout` mark (conditional on its claim's ETag), in as few transactions as 100
 * rows a transaction allows. An endpoint still answering then is handed off to the delivery queue, so
 * one slow endpoint holds up no other. The ingesting process dispatches its own batches (dispatch.ts);
 * this queue trigger is the safety net: it claims first, and stands aside for a live claim.
 */
export function makeFanOut(deps: FanOutDeps): QueueHandler {
  return parseOrPoison(eventsMessage, deps.queues.eventsPoison, 'event', async (m, context) => {
    // The end of a multi-arch hold window is not an event to claim (its event was fanned out already).
    const releases = m.items.filter((i) => i.release);
    const items = m.items.filter((i) => !i.release);
    const claimed = items.length > 0 ? await claimEvents(deps.claims, m.registry, items, claimSettings(deps), context) : [];
    await fanOut(deps, m.registry, claimed, context);
    for (const item of releases) await releaseWaiting(deps, m.registry, item, context);
  });
}

const claimSettings = (deps: FanOutDeps): ClaimSettings => ({ owner: deps.owner, leaseMs: deps.config.fanOutLeaseMs, now: deps.now });

interface Planned {
  readonly claim: Claimed;
  readonly tag: string;
  readonly targets: readonly WebhookRecord[];
  readonly records: readonly DeliveryRecord[];
  /** Deliveries to disabled webhooks that would take the event: recorded as `held`, not attempted. */
  readonly held: readonly DeliveryRecord[];
  /** Deliveries to webhooks that skip referrers, of an event that is one: recorded as `skipped`, not attempted. */
  readonly skipped: readonly DeliveryRecord[];
  readonly referrer: ReferrerKind | undefined;
}

/**
 * The webhooks an earlier owner of the claim already recorded an outcome for (a takeover after a crash),
 * and of those the deliveries still pending: the earlier owner may have died before it queued their next
 * attempts (a retry, a hand-off), so they are queued again, due when their records say. A message for an
 * attempt that was queued after all is one of two for it, and the delivery worker sends it once.
 */
async function alreadyRecorded(
  deps: FanOutDeps,
  registry: string,
  claim: Claimed,
  targets: readonly WebhookRecord[],
): Promise<{ readonly done: Set<string>; readonly pending: readonly { readonly ref: DeliveryRef; readonly dueMs: number }[] }> {
  if (claim.recorded === 0) return { done: new Set(), pending: [] };
  const receivedMs = Date.parse(claim.item.receivedAt);
  const eventId = claim.item.event.id;
  const found = await Promise.all(targets.map((w) => deps.deliveries.deliveryProgress({ registry, webhook: w.name, eventId, receivedMs })));
  // A first attempt recorded in flight may still be running in an earlier owner that is slow, not dead: it is
  // looked at once it must have ended (its hand-off window), when its outcome is recorded if it was made.
  const firstDueMs = deps.now().getTime() + handOffWindowSeconds(deps.config) * 1000;
  const pending = targets.flatMap((w, i) => {
    const p = found[i];
    if (p?.state !== 'pending') return [];
    const due = p.nextAttemptAt === undefined ? NaN : Date.parse(p.nextAttemptAt);
    const dueMs = Math.max(Number.isFinite(due) ? due : 0, p.attempts === 0 ? firstDueMs : 0);
    return [{ ref: { webhook: w.name, eventId, receivedMs, attempt: p.attempts + 1 }, dueMs }];
  });
  return { done: new Set(targets.filter((_, i) => found[i] !== undefined).map((w) => nameKey(w.name))), pending };
}

/**
 * Keeps the claims alive while a fan-out outlasts half a lease (a slow index read, a long inline wait): each
 * claim's lease is extended, ETag-conditional, every half lease, and the new ETag kept for the records. A
 * claim taken over meanwhile keeps its old ETag, so its records fail and the new owner's stand. The
 * returned stop ends the renewals and waits for one in flight, so the records never race a renewal.
 */
function keepClaims(deps: FanOutDeps, registry: string, claimed: readonly Claimed[], log: Logger): () => Promise<void> {
  const renewing = keepRenewing(
    deps.config.fanOutLeaseMs / 2,
    async () => {
      const lease = { owner: deps.owner, leaseUntil: new Date(deps.now().getTime() + deps.config.fanOutLeaseMs).toISOString() };
      await Promise.all(
        claimed.map(async (c) => {
          const etag = await deps.claims.takeClaim(registry, c.item.event.id, c.etag, lease);
          if (etag) c.etag = etag;
          else log.warn(`fan-out: registry=${registry} event=${logValue(c.item.event.id)}: its claim was taken over while it ran`);
        }),
      );
    },
    (err: unknown) =>
      log.warn(`fan-out: registry=${registry}: could not extend its claims: ${err instanceof Error ? err.message : String(err)}`),
  );
  return () => renewing.stop();
}

/**
 * Fans out events this process holds the claims of (from the ingest's dispatch, or claimed above). `log` is
 * the queue trigger's context, or the process's logger when the ingest's dispatch runs it after its 202.
 */
export async function fanOut(deps: FanOutDeps, registry: string, claimed: readonly Claimed[], log: Logger): Promise<void> {
  if (claimed.length === 0) return;
  const stopRenewing = keepClaims(deps, registry, claimed, log);
  try {
    await fanOutClaimed(deps, registry, claimed, log, stopRenewing);
  } finally {
    await stopRenewing();
  }
}

async function fanOutClaimed(
  deps: FanOutDeps,
  registry: string,
  claimed: readonly Claimed[],
  log: Logger,
  stopRenewing: () => Promise<void>,
): Promise<void> {
  const release = await deps.planning.enter(registry);
  let planned: Planned[];
  try {
    planned = await plan(deps, registry, claimed, log);
  } finally {
    // Before the attempts start (synchronously, below): the next batch's deliveries join their lanes after these.
    release();
  }

  // Attempts start in sendAndRecord, after the last await of the planning above: a promise created before
  // an await that throws would be left without a handler (attempts never reject, but nothing relies on it).
  const sends = planned.flatMap((p) => p.targets.map((webhook, i) => ({ webhook, record: p.records[i]!, tag: p.tag })));
  let recorded: ReadonlySet<string> = new Set();
  const kept = (p: Planned) => recorded.has(p.claim.item.event.id);
  const report = await sendAndRecord(sendDeps(deps), {
    registry,
    sends,
    unsent: planned.flatMap((p) => [...p.held, ...p.skipped]),
    // Each event's records and its `fannedout` mark in one transaction, conditional on its claim.
    record: async (records) => {
      await stopRenewing();
      let sent = 0;
      let held = sends.length;
      const groups = planned.map((p) => ({
        eventId: p.claim.item.event.id,
        etag: p.claim.etag,
        recorded: p.claim.recorded,
        records: [...records.slice(sent, (sent += p.targets.length)), ...records.slice(held, (held += p.held.length + p.skipped.length))],
      }));
      recorded = await deps.claims.recordFanOut(registry, groups);
      return [
        ...planned.flatMap((p) => p.targets.map(() => kept(p))),
        ...planned.flatMap((p) => [...p.held, ...p.skipped].map(() => kept(p))),
      ];
    },
    inline: { waitMs: deps.config.deliveryInlineWaitMs, handOff: (inFlight) => trackHandoffs(deps, registry, inFlight) },
    log,
  });

  let offset = 0;
  for (const p of planned) {
    const results = report.results.slice(offset, offset + p.targets.length);
    offset += p.targets.length;
    if (!kept(p)) {
      log.warn(`fan-out: ${p.tag}: its claim was taken over; the new owner records it`);
      continue;
    }
    deps.metrics.held(p.held.length);
    if (p.referrer) deps.metrics.skipped(p.referrer, p.skipped.length);
    const count = (state: string) => results.filter((r) => r?.record.state === state).length;
    const waiting = results.filter((r) => r?.waiting).length;
    const retrying = results.filter((r) => r && !r.waiting && r.record.state !== 'succeeded' && r.retryInSeconds !== undefined).length;
    const failed = results.filter((r) => r && r.record.state !== 'succeeded' && r.retryInSeconds === undefined).length;
    const handedOff = results.filter((r) => !r).length;
    if (p.targets.length > 0 || p.held.length > 0 || p.skipped.length > 0)
      log.log(
        `fan-out: ${p.tag} matched=${p.targets.length} succeeded=${count('succeeded')} retrying=${retrying} waiting=${waiting} failed=${failed} handedOff=${handedOff} held=${p.held.length}${p.skipped.length > 0 ? ` skipped=${p.skipped.length} (${p.referrer})` : ''}`,
      );
  }
}

/** What each claimed event's fan-out sends (and holds): the webhooks it matches, its bodies, its records. */
async function plan(deps: FanOutDeps, registry: string, claimed: readonly Claimed[], log: Logger): Promise<Planned[]> {
  const webhooks = await deps.webhooks.listCached(registry);
  const created = deps.now().toISOString();
  const planned: Planned[] = [];
  for (const claim of claimed) {
    const { event } = claim.item;
    const tag = `registry=${registry} event=${logValue(event.id)} action=${event.action}`;
    const covering = [...matchWebhooks(webhooks, event), ...holdingWebhooks(webhooks, event)];
    const { done, pending } = await alreadyRecorded(deps, registry, claim, covering);
    if (done.size > 0) log.log(`fan-out: ${tag} ${done.size} webhooks already have its outcome recorded; not sent again`);
    if (pending.length > 0) {
      const nowMs = deps.now().getTime();
      await scheduleEach(
        deps.deliveryQueue,
        registry,
        pending.map((p) => ({ ref: p.ref, delaySeconds: Math.ceil((p.dueMs - nowMs) / 1000) })),
      );
      log.log(`fan-out: ${tag} ${pending.length} of them still pending: their next attempts queued again`);
    } else if (covering.length === 0) log.log(`fan-out: ${tag} matched no webhook`);
    // A signature, attestation or SBOM is recorded as skipped for the webhooks that ask (skipReferrers),
    // before the multi-arch step: a referrer pushed by digest is never held as a platform of an index.
    const open = covering.filter((w) => !done.has(nameKey(w.name)));
    const referrer = await referrerKind(deps, event, open, (x) => log.log(`fan-out: ${tag} ${x}`));
    const skipping = referrer ? open.filter((w) => w.skipReferrers) : [];
    const takes = (w: WebhookRecord) => !skipping.includes(w);
    const matched = covering.filter((w) => w.status === 'enabled' && takes(w));
    const holding = covering.filter((w) => w.status === 'disabled' && takes(w));
    // Multi-arch images: coalesced webhooks get one event per index, and tagless child pushes are held.
    const plan = await planMultiArch(
      deps,
      registry,
      claim.item,
      matched.filter((w) => !done.has(nameKey(w.name))),
      (x) => log.log(`fan-out: ${tag} ${x}`),
    );
    const targets = plan.sends.map((x) => x.webhook);
    const receivedMs = Date.parse(claim.item.receivedAt);
    const payload = acrPayload(event);
    const fromEvent = rendersFromRow(claim, Date.parse(created) - receivedMs);
    const unsent = (w: WebhookRecord, state: 'held' | 'skipped', lastError: string) => ({
      ...newDeliveryRecord(w, payload, receivedMs, created, fromEvent),
      state,
      lastError,
    });
    planned.push({
      claim,
      tag,
      targets,
      records: plan.sends.map((x) => newDeliveryRecord(x.webhook, x.payload, receivedMs, created, fromEvent && !x.coalesced)),
      held: holding.filter((w) => !done.has(nameKey(w.name))).map((w) => unsent(w, 'held', HELD_REASON)),
      skipped: referrer ? skipping.map((w) => unsent(w, 'skipped', REFERRER_REASONS[referrer])) : [],
      referrer,
    });
  }
  return planned;
}

/**
 * Whether an event's deliveries can leave their bodies out of their rows, to be rendered again from its
 * `evt|` row (delivery/body-source.ts): only when that row holds exactly the JSON of the event this fan-out
 * renders (one JSON.stringify per event; a duplicate's resend or an older row may differ), and the
 * deliveries are written within EVENT_ROW_GRACE_MS of its receipt, so retention never removes the event's
 * row before theirs (event-keys.ts).
 */
function rendersFromRow(claim: Claimed, lagMs: number): boolean {
  const { stored, event } = claim.item;
  return stored !== undefined && lagMs <= EVENT_ROW_GRACE_MS && stored === JSON.stringify(event);
}

/**
 * The end of a multi-arch hold window: the waiting push goes to its coalesced webhooks on its own, unless an
 * index claimed it meanwhile (coalesce-window.ts decides, by a conditional write). Its records are written,
 * then the hold row removed; a crash in between delivers it again with the same webhook-id.
 */
async function releaseWaiting(deps: FanOutDeps, registry: string, item: EventsMessage['items'][number], log: Logger): Promise<void> {
  const { event } = item;
  const tag = `registry=${registry} event=${logValue(event.id)} action=${event.action}`;
  const webhooks = await deps.webhooks.listCached(registry);
  const plan = await planMultiArch(deps, registry, item, matchWebhooks(webhooks, event), (x) => log.log(`fan-out: ${tag} ${x}`));
  if (!plan.released) return;
  const created = deps.now().toISOString();
  const receivedMs = Date.parse(item.receivedAt);
  await sendAndRecord(sendDeps(deps), {
    registry,
    sends: plan.sends.map((x) => ({ webhook: x.webhook, record: newDeliveryRecord(x.webhook, x.payload, receivedMs, created), tag })),
    record: recordAll(async (records) => {
      await deps.deliveries.putDeliveries(registry, records);
      await deps.coalesceWindow.done(registry, {
        repository: event.target.repository,
        digest: event.target.digest ?? '',
        eventId: event.id,
      });
    }),
    inline: { waitMs: deps.config.deliveryInlineWaitMs, handOff: (inFlight) => trackHandoffs(deps, registry, inFlight) },
    log,
  });
}
