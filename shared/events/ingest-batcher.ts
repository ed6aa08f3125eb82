import type { TransactionAction } from '@azure/data-tables';
import type { QueueClient } from '@azure/storage-queue';
import { nameKey } from '../webhooks/names.js';
import { storageStatus } from '../storage/clients.js';
import type { AcrEvent } from './acr-event.js';
import { Rows, type EventStore } from './event-store.js';
import { encodeMessage, type EventsMessage } from '../pipeline/messages.js';
import { isSystemEventAction } from './acr-system-events.js';
import { withPreviousDigests } from './previous-digest.js';

/*
 * Group commit for the ingest. Storage calls, not bytes, are what an event costs (Azure bills per call
 * and a partition takes ~2,000 entities/s), so events of one registry that arrive while a commit is in
 * flight are committed together: one entity-group transaction for their dedupe rows and manifest memory,
 * then one queue message carrying them all. An idle service commits each event at once (no added wait);
 * under load the batches grow by themselves. Every caller's promise settles only after its event is
 * durably queued (or known to be a duplicate), so 202 still means "queued".
 */

export type IngestOutcome = 'accepted' | 'duplicate';

interface Pending {
  readonly event: AcrEvent;
  /** The event as JSON, serialised once: its dedupe row's payload and its share of the message. */
  readonly payload: string;
  readonly memory: readonly TransactionAction[];
  readonly receivedAt: string;
  readonly resolve: (o: IngestOutcome) => void;
  readonly reject: (e: unknown) => void;
}

/** Bounds of one batch: a transaction holds ≤ 100 actions, a queue message ≤ 64 KiB (base64). */
const MAX_ACTIONS = 100;
const MAX_MESSAGE_JSON_BYTES = 40_000;
const MAX_EVENTS = 50;

/**
 * `mirrorQueue`: set when the Event Grid mirror is on; each batch then also gets one message there (its
 * push, delete and chart events), so a batch costs one more queue call, not one per event.
 */
export function makeIngestBatcher(events: EventStore, queue: QueueClient, now: () => Date, mirrorQueue?: QueueClient) {
  const waiting = new Map<string, Pending[]>();
  const flushing = new Set<string>();

  function takeBatch(registry: string): Pending[] {
    const list = waiting.get(registry) ?? [];
    const batch: Pending[] = [];
    let actions = 0;
    let bytes = 0;
    while (list.length > 0) {
      const next = list[0]!;
      const size = next.payload.length + 64;
      // Its dedupe row, its manifest memory and (a tagged push) its tag row.
      const count = 2 + next.memory.length;
      if (batch.length > 0 && (actions + count > MAX_ACTIONS || bytes + size > MAX_MESSAGE_JSON_BYTES || batch.length >= MAX_EVENTS)) break;
      batch.push(list.shift()!);
      actions += count;
      bytes += size;
    }
    if (list.length === 0) waiting.delete(registry);
    return batch;
  }

  function rowsFor(registry: string, items: readonly Pending[]): TransactionAction[] {
    const pk = nameKey(registry);
    const byKey = new Map<string, TransactionAction>();
    for (const p of items) {
      byKey.set(Rows.event(p.event.id), [
        'create',
        { partitionKey: pk, rowKey: Rows.event(p.event.id), payload: p.payload, state: 'queued', receivedAt: p.receivedAt },
      ]);
    }
    // Manifest memory: the last write of a row wins, as it would have one by one.
    for (const p of items) for (const a of p.memory) byKey.set(String(a[1].rowKey), a);
    return [...byKey.values()];
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
    let accepted: Pending[] = [];
    const requeue: { event: AcrEvent; receivedAt: string }[] = [];
    const duplicates: Pending[] = [];
    // Moved tags: the batch's events with previousDigest, and their tag rows' conditional writes.
    const prepare = async (items: readonly Pending[]) => {
      const r = await withPreviousDigests(events.table, registry, items, now().toISOString());
      const ready = r.items.map((p, i) => (p === items[i] ? p : { ...p, payload: JSON.stringify(p.event) }));
      return { ready, actions: [...rowsFor(registry, ready), ...r.actions] };
    };
    const conflict = (err: unknown) => storageStatus(err) === 409 || storageStatus(err) === 412;
    try {
      const all = await prepare(fresh);
      await events.transact(all.actions);
      accepted = all.ready;
    } catch (err) {
      if (!conflict(err)) throw err;
      // Some id was seen before (the sender is retrying), or a tag moved under us: one event at a time.
      for (const p of fresh) {
        for (let attempt = 1; ; attempt++) {
          const one = await prepare([p]);
          try {
            await events.transact(one.actions);
            accepted.push(one.ready[0]!);
            break;
          } catch (e) {
            if (!conflict(e)) throw e;
            const stored = await events.getEvent(registry, p.event.id);
            if (stored) {
              duplicates.push(p);
              // Queue it again unless its fan-out is known to have run; the fan-out checks before delivering.
              if (stored.state !== 'fannedout') requeue.push({ event: stored.event, receivedAt: stored.receivedAt });
              break;
            }
            // Not a duplicate: its tag row changed since it was read. Read again (bounded).
            if (attempt >= 5) throw e;
          }
        }
      }
    }
    const items: EventsMessage['items'] = [
      ...accepted.map((p) => ({ event: p.event, receivedAt: p.receivedAt })),
      ...requeue.map((r) => ({ ...r, recheck: true as const })),
    ];
    // The mirror's message goes first: the fan-out can then only have run (and the retry path above skip
    // an event) once its mirror message is safely queued, so a failed send here loses no mirror event.
    const mirrored = mirrorQueue ? items.map((i) => i.event).filter((e) => isSystemEventAction(e.action)) : [];
    if (mirrorQueue && mirrored.length > 0) {
      await mirrorQueue.sendMessage(
        encodeMessage({ v: 1, type: 'mirror', registry, failures: 0, since: now().toISOString(), events: mirrored }),
      );
    }
    if (items.length > 0) await queue.sendMessage(encodeMessage({ v: 1, type: 'events', registry, items }));
    for (const p of accepted) p.resolve('accepted');
    for (const p of duplicates) p.resolve('duplicate');
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
    submit(registry: string, event: AcrEvent, memory: readonly TransactionAction[]): Promise<IngestOutcome> {
      return new Promise<IngestOutcome>((resolve, reject) => {
        const key = nameKey(registry);
        const list = waiting.get(key) ?? [];
        list.push({ event, payload: JSON.stringify(event), memory, receivedAt: now().toISOString(), resolve, reject });
        waiting.set(key, list);
        // Let events of the same tick (a batch request, concurrent requests) join the first commit.
        setImmediate(() => flush(key));
      });
    },
  };
}

export type IngestBatcher = ReturnType<typeof makeIngestBatcher>;
