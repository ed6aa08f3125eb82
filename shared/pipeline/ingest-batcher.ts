import type { Clock } from '../clock.js';
import { nameKey } from '../storage/key-part.js';
import type { AcrEvent } from '../events/acr-event.js';
import { isSystemEventAction } from '../events/acr-system-events.js';
import type { AcceptedEvent, ClaimStore } from '../storage/claim-store.js';
import type { RegistryMemoryStore } from '../storage/registry-memory-store.js';
import { statusOf } from '../storage/rest-errors.js';
import type { EventsQueue } from './events-queue.js';
import type { MirrorQueue } from './mirror-queue.js';
import { makeTagCache, withPreviousDigests, type TagWritten } from './previous-digest.js';
import type { EventsMessage, MirrorMessage } from './messages.js';

/*
 * Group commit for the ingest. Storage calls, not bytes, are what an event costs (Azure bills per call
 * and a partition takes ~2,000 entities/s), so events of one registry that arrive while a commit is in
 * flight are committed together: one entity-group transaction for their dedupe rows and manifest memory,
 * then one queue message carrying them all. An idle service commits each event at once (no added wait);
 * under load the batches grow by themselves. Every caller's promise settles only after its event is
 * durably queued (or known to be a duplicate), so 202 still means "queued".
 *
 * The batch's event rows are created already claimed by this process (a lease of FANOUT_LEASE_SECONDS)
 * and its queue message is sent invisible for that lease: `onCommitted` (dispatch.ts) then fans the batch
 * out at once, here, and deletes the message when done. The message is the safety net: if this process
 * dies, it reappears when the lease ends and the queue trigger takes the expired claims over.
 */

export type IngestOutcome = 'accepted' | 'duplicate';

interface Pending extends AcceptedEvent {
  readonly resolve: (o: IngestOutcome) => void;
  readonly reject: (e: unknown) => void;
}

/** Bounds of one batch: a transaction holds ≤ 100 actions, a queue message ≤ 64 KiB (base64). */
const MAX_ACTIONS = 100;
const MAX_MESSAGE_JSON_BYTES = 40_000;
const MAX_EVENTS = 50;

/** A committed batch of newly accepted events, claimed by this process, and its safety-net message. */
export interface CommittedBatch {
  readonly registry: string;
  /** `payload`: the event's JSON as its row holds it. */
  readonly items: readonly { readonly event: AcrEvent; readonly payload: string; readonly receivedAt: string; readonly etag: string }[];
  readonly message: { readonly messageId: string; readonly popReceipt: string };
}

/** What a committed batch needs to be redone after a crash (the local host's journal). */
export interface JournalBatch {
  readonly registry: string;
  readonly items: readonly { readonly event: AcrEvent; readonly receivedAt: string; readonly remember: boolean }[];
}

/** How one event joins a batch. */
export interface SubmitOptions {
  /** Remember the push's manifest and tags (a CNCF registry's pushes, so its deletes can be told from blob deletes). */
  readonly remember: boolean;
  /** Given only when a journaled event is replayed (its delivery rows keep their keys). */
  readonly receivedAt?: string | undefined;
  /** The event as JSON when the caller already has it (the ingest measured its size with it): not serialised again. */
  readonly payload?: string | undefined;
}

export interface IngestBatcherOptions {
  readonly claims: Pick<ClaimStore, 'acceptEvents' | 'dropEvents' | 'rewritePayload' | 'readClaim' | 'releaseClaims'>;
  readonly memory: Pick<RegistryMemoryStore, 'remember' | 'readTags' | 'tagWrite'>;
  readonly queue: Pick<EventsQueue, 'send'>;
  readonly now: Clock;
  /** This process, as the owner written into its claims. */
  readonly owner: string;
  readonly leaseSeconds: number;
  /** Set when the Event Grid mirror is on: each batch also gets one message there (one call, not one per event). */
  readonly mirrorQueue?: MirrorQueue | undefined;
  /** Made durable before any event of the batch is answered (the local host's journal); absent on Azure. */
  readonly journal?: ((batch: JournalBatch) => Promise<void>) | undefined;
}

export function makeIngestBatcher(options: IngestBatcherOptions) {
  const { claims: events, memory: memoryStore, queue, now, mirrorQueue } = options;
  let onCommitted: ((batch: CommittedBatch) => void) | undefined;
  const waiting = new Map<string, Pending[]>();
  const flushing = new Set<string>();
  const tagCache = makeTagCache();
  const learn = (registry: string, written: readonly TagWritten[], etags: ReadonlyMap<string, string>) => {
    for (const w of written) tagCache.set(registry, w.tagKey, { digest: w.digest, etag: etags.get(w.rowKey) });
  };

  function takeBatch(registry: string): Pending[] {
    const list = waiting.get(registry) ?? [];
    const batch: Pending[] = [];
    let actions = 0;
    let bytes = 0;
    while (list.length > 0) {
      const next = list[0]!;
      const size = next.payload.length + 64;
      // The event's row, and up to three of manifest memory.
      const count = next.remember ? 4 : 2; // + its tag row (a tagged push)
      if (batch.length > 0 && (actions + count > MAX_ACTIONS || bytes + size > MAX_MESSAGE_JSON_BYTES || batch.length >= MAX_EVENTS)) break;
      batch.push(list.shift()!);
      actions += count;
      bytes += size;
    }
    if (list.length === 0) waiting.delete(registry);
    return batch;
  }

  /**
   * The memory's write lost a race on a tag (or guessed a tag's row wrong): read the tags and write again,
   * up to 5 times in all, then rewrite the stored payload of each accepted event whose previousDigest
   * changed. Returns the batch as it now stands; throws what is not a conflict, or the last conflict.
   */
  async function rememberAgain(
    registry: string,
    fresh: readonly Pending[],
    ready: readonly Pending[],
    first: unknown,
    etags: Map<string, string>,
    withPayloads: (items: readonly Pending[]) => Pending[],
  ): Promise<Pending[]> {
    let err = first;
    for (let attempt = 2; attempt <= 5; attempt++) {
      if (statusOf(err) !== 409 && statusOf(err) !== 412) break;
      const again = await withPreviousDigests(memoryStore, registry, fresh, now().toISOString(), 'read');
      const next = withPayloads(again.items);
      try {
        learn(registry, again.written, await memoryStore.remember(registry, next, again.actions));
      } catch (e) {
        err = e;
        continue;
      }
      for (const [i, p] of next.entries()) {
        const etag = etags.get(p.event.id);
        if (etag && p.payload !== ready[i]!.payload)
          etags.set(p.event.id, await events.rewritePayload(registry, p.event.id, p.payload, etag));
      }
      return next;
    }
    throw err;
  }

  async function commit(registry: string, batch: Pending[]): Promise<void> {
    // Two events with the same id in one batch: the later is a duplicate of the earlier.
    const seen = new Set<string>();
    const fresh: Pending[] = [];
    for (const p of batch) {
      if (seen.has(p.event.id)) p.resolve('duplicate');
      else {
        seen.add(p.event.id);
        fresh.push(p);
      }
    }
    const lease = { owner: options.owner, leaseUntil: new Date(now().getTime() + options.leaseSeconds * 1000).toISOString() };
    const accepted: Pending[] = [];
    const etags = new Map<string, string>();
    const requeue: { event: AcrEvent; receivedAt: string; delaySeconds: number }[] = [];
    const duplicates: Pending[] = [];
    const claims = () => [...etags].map(([eventId, etag]) => ({ eventId, etag }));
    const withPayloads = (items: readonly Pending[]) =>
      items.map((p, i) => (p === fresh[i] ? p : { ...p, payload: JSON.stringify(p.event) }));
    // What the registry remembers (moved tags, manifests) lives in its own partition, the events in their
    // shards: both are written at once, the tags from what this process wrote last (no read). A tag moved
    // meanwhile by another ingest, or one this process did not know (412, 409), fails only the memory's
    // write; the tags are then read and written again (bounded), and an accepted event whose
    // previousDigest changed gets its row's payload rewritten (its claim's ETag) before it is queued.
    const moved = await withPreviousDigests(memoryStore, registry, fresh, now().toISOString(), tagCache);
    let ready = withPayloads(moved.items);
    const [memory, acceptance] = await Promise.all([
      memoryStore.remember(registry, ready, moved.actions).then(
        (written) => {
          learn(registry, moved.written, written);
          return undefined;
        },
        (err: unknown) => {
          tagCache.forget(
            registry,
            moved.written.map((w) => w.tagKey),
          );
          return { err };
        },
      ),
      events.acceptEvents(registry, ready, lease),
    ]);
    for (const [id, etag] of acceptance.etags) etags.set(id, etag);
    let failure: { err: unknown } | undefined = acceptance.failure === undefined ? undefined : { err: acceptance.failure };
    let remembered = memory === undefined;
    if (memory && failure === undefined) {
      try {
        ready = await rememberAgain(registry, fresh, ready, memory.err, etags, withPayloads);
        remembered = true;
      } catch (err) {
        failure = { err };
      }
    } else if (memory) failure ??= memory;
    if (failure !== undefined) {
      // Nothing is left claimed by a commit that failed; the sender gets a 503 and retries. Remembered:
      // let go of the claims, so that retry, a duplicate, is queued at once, not after the lease. Not
      // remembered: remove the rows, so the retry is accepted afresh and writes the memory (a CNCF
      // delete needs its manifest remembered to be told from a blob's).
      if (remembered) await events.releaseClaims(registry, claims()).catch(() => undefined);
      else await events.dropEvents(registry, claims()).catch(() => undefined);
      throw failure.err instanceof Error ? failure.err : new Error('the commit failed');
    }
    for (const p of ready) {
      if (etags.has(p.event.id)) {
        accepted.push(p);
        continue;
      }
      duplicates.push(p);
      // Seen before (the sender is retrying). Not fanned out yet: its owner may have died before queueing
      // it (the sender's retry is how we learn of it), so queue it again, visible when the owner's lease
      // ends. The claim makes sure a live owner's fan-out and this message's never both send it.
      const stored = await events.readClaim(registry, p.event.id);
      if (stored && stored.state !== 'fannedout') {
        const leftMs = stored.state === 'claimed' && stored.leaseUntil ? Date.parse(stored.leaseUntil) - now().getTime() : 0;
        requeue.push({ event: p.event, receivedAt: stored.receivedAt, delaySeconds: Math.max(0, Math.ceil(leftMs / 1000)) });
      }
    }
    const items: EventsMessage['items'] = accepted.map((p) => ({ event: p.event, receivedAt: p.receivedAt }));
    // The mirror's message goes first, before anything is queued for the fan-out. A duplicate is never
    // mirrored, so when this send fails the accepted events' rows are removed: the sender's retry is then
    // accepted afresh and mirrored, not taken for a duplicate (it loses a moved tag's previousDigest, as
    // the tag's row already says where it moved).
    const mirrored = mirrorQueue ? items.map((i) => i.event).filter((e) => isSystemEventAction(e.action)) : [];
    if (mirrorQueue && mirrored.length > 0) {
      const message: MirrorMessage = { v: 1, type: 'mirror', registry, failures: 0, since: now().toISOString(), events: mirrored };
      try {
        await mirrorQueue.send(message);
      } catch (err) {
        await events.dropEvents(registry, claims()).catch(() => undefined);
        throw err;
      }
    }
    let sent: { messageId: string; popReceipt: string } | undefined;
    try {
      if (items.length > 0) sent = await queue.send(registry, items, options.leaseSeconds);
    } catch (err) {
      // The rows are written and claimed by us, the message is not: the sender gets a 503 and retries.
      await events.releaseClaims(registry, claims()).catch(() => undefined);
      throw err;
    }
    for (const delay of new Set(requeue.map((r) => r.delaySeconds))) {
      const again = requeue.filter((r) => r.delaySeconds === delay).map(({ event, receivedAt }) => ({ event, receivedAt }));
      await queue.send(registry, again, delay);
    }
    if (options.journal && accepted.length > 0) {
      await options.journal({ registry, items: accepted.map((p) => ({ event: p.event, receivedAt: p.receivedAt, remember: p.remember })) });
    }
    for (const p of accepted) p.resolve('accepted');
    for (const p of duplicates) p.resolve('duplicate');
    if (sent && onCommitted) {
      onCommitted({
        registry,
        items: accepted.map((p) => ({ event: p.event, payload: p.payload, receivedAt: p.receivedAt, etag: etags.get(p.event.id) ?? '' })),
        message: sent,
      });
    }
  }

  function flush(registry: string): void {
    if (flushing.has(registry)) return;
    const batch = takeBatch(registry);
    if (batch.length === 0) return;
    flushing.add(registry);
    commit(registry, batch)
      .catch((err: unknown) => {
        for (const p of batch) p.reject(err);
      })
      .finally(() => {
        flushing.delete(registry);
        flush(registry);
      });
  }

  return {
    /** Resolves once the event is durably queued ('accepted') or known from before ('duplicate'). */
    submit(registry: string, event: AcrEvent, options: SubmitOptions): Promise<IngestOutcome> {
      return new Promise<IngestOutcome>((resolve, reject) => {
        const key = nameKey(registry);
        const list = waiting.get(key) ?? [];
        list.push({
          event,
          payload: options.payload ?? JSON.stringify(event),
          remember: options.remember,
          receivedAt: options.receivedAt ?? now().toISOString(),
          resolve,
          reject,
        });
        waiting.set(key, list);
        // Let events of the same tick (a batch request, concurrent requests) join the first commit.
        setImmediate(() => flush(key));
      });
    },
    /** Who fans out what this process committed (set once by the composition root). */
    onCommitted(handler: (batch: CommittedBatch) => void): void {
      onCommitted = handler;
    },
  };
}

export type IngestBatcher = ReturnType<typeof makeIngestBatcher>;
