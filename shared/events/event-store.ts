import { z } from 'zod';
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { nameKey } from '../webhooks/names.js';
import { storageStatus } from '../storage/clients.js';
import { odataString } from '../storage/entity-fields.js';
import { keyPart } from '../storage/key-part.js';
import { acrEvent, type AcrEvent } from './acr-event.js';
import { fromDeliveryEntity, toDeliveryEntity, type DeliveryRecord } from '../delivery/delivery-record.js';

/*
 * Table `events` — one partition per registry (PartitionKey = registry name, lowercase), so everything an
 * event touches can be written in one entity-group transaction (≤ 100 rows, one call):
 *
 *   evt|{eventId}                      the event as accepted (dedupe by id; `state` queued → fannedout)
 *   man|{repo}|{digest}                a manifest this registry pushed (media type): a delete of a digest
 *                                      without this row was a blob, not an image
 *   man|{repo}|{digest}|{tag}          a tag that was pushed pointing at that manifest
 *   tag|{repo}|{tag}                   where a tag points now (so a moved tag is not reported on delete)
 *   del|{webhook}|{invertedMs}|{eventId}
 *                                      one delivery of an event to a webhook: listEvents reads the
 *                                      `del|{webhook}|` range, newest first thanks to the inverted time
 *
 * Keys may not contain / \ # ? or control characters, and '|' separates their parts: every part that
 * comes from an event (id, repository, digest, tag) goes through `keyPart`, the one key encoding, which
 * cannot throw and bounds the length: the longest key (man|repo|digest|tag) is at most 706 characters.
 * The inverted time is the event's ingest time, so a re-run of a fan-out rewrites the same rows instead
 * of adding new ones.
 */

const MAX_MS = 9_999_999_999_999;
export const invertedMs = (ms: number) => String(MAX_MS - ms).padStart(13, '0');

export const deliveryPartition = (registry: string) => nameKey(registry);

export const Rows = {
  event: (eventId: string) => `evt|${keyPart(eventId)}`,
  manifest: (repository: string, digest: string) => `man|${keyPart(repository, 300)}|${keyPart(digest, 200)}`,
  manifestTag: (repository: string, digest: string, tag: string) => `${Rows.manifest(repository, digest)}|${keyPart(tag, 200)}`,
  tag: (repository: string, tag: string) => `tag|${keyPart(repository, 300)}|${keyPart(tag, 200)}`,
  delivery: (webhook: string, receivedMs: number, eventId: string) =>
    `del|${nameKey(webhook)}|${invertedMs(receivedMs)}|${keyPart(eventId)}`,
  deliveryRange: (webhook: string) => [`del|${nameKey(webhook)}|`, `del|${nameKey(webhook)}}`] as const,
  /** A webhook's deliveries of events received at or after `sinceMs` (inverted time: the newest first). */
  deliveriesSince: (webhook: string, sinceMs: number) =>
    [`del|${nameKey(webhook)}|`, `del|${nameKey(webhook)}|${invertedMs(sinceMs)}}`] as const,
};

/** When the event of a delivery row was ingested (the row key carries it, inverted), in ms. */
export function receivedMsOf(deliveryRowKey: string): number | undefined {
  const inverted = deliveryRowKey.split('|')[2];
  return inverted && /^\d{13}$/.test(inverted) ? MAX_MS - Number(inverted) : undefined;
}

export type EventState = 'queued' | 'fannedout';

const eventEntity = z.object({
  payload: z.string(),
  state: z.enum(['queued', 'fannedout']),
  receivedAt: z.string(),
});

export interface StoredEvent {
  readonly event: AcrEvent;
  readonly state: EventState;
  readonly receivedAt: string;
}

export interface ManifestInfo {
  readonly mediaType: string | undefined;
  readonly tags: readonly string[];
}

/** The filter for one RowKey range inside a registry's partition (Table Storage has no startswith). */
export function rangeFilter(registry: string, from: string, to: string): string {
  return `PartitionKey eq ${odataString(nameKey(registry))} and RowKey ge ${odataString(from)} and RowKey lt ${odataString(to)}`;
}

export function makeEventStore(table: TableClient) {
  return {
    table,
    /** One entity-group transaction in the registry's partition. */
    async transact(actions: TransactionAction[]): Promise<void> {
      if (actions.length > 0) await table.submitTransaction(actions);
    },

    async getEvent(registry: string, eventId: string): Promise<StoredEvent | undefined> {
      try {
        const entity = eventEntity.parse(await table.getEntity(nameKey(registry), Rows.event(eventId)));
        return { event: acrEvent.parse(JSON.parse(entity.payload)), state: entity.state, receivedAt: entity.receivedAt };
      } catch (err) {
        if (storageStatus(err) === 404) return undefined;
        throw err;
      }
    },

    /** What the registry remembers of a pushed manifest, or undefined if it never saw it pushed. */
    async manifest(registry: string, repository: string, digest: string): Promise<ManifestInfo | undefined> {
      const from = Rows.manifest(repository, digest);
      let found = false;
      let mediaType: string | undefined;
      const candidates: string[] = [];
      for await (const e of table.listEntities<{ mediaType?: string; tag?: string }>({
        queryOptions: { filter: rangeFilter(registry, from, `${from}}`) },
      })) {
        if (e.rowKey === from) {
          found = true;
          mediaType = typeof e.mediaType === 'string' ? e.mediaType : undefined;
        } else if (typeof e.tag === 'string') candidates.push(e.tag);
      }
      if (!found) return undefined;
      // Keep only tags that still point here: a tag pushed again elsewhere has moved on.
      const tags: string[] = [];
      for (const t of candidates) {
        try {
          const row = await table.getEntity<{ digest?: string }>(nameKey(registry), Rows.tag(repository, t));
          if (row.digest === digest) tags.push(t);
        } catch (err) {
          if (storageStatus(err) !== 404) throw err;
        }
      }
      return { mediaType, tags };
    },

    async getDelivery(registry: string, rowKey: string): Promise<DeliveryRecord | undefined> {
      try {
        return fromDeliveryEntity(await table.getEntity(nameKey(registry), rowKey));
      } catch (err) {
        if (storageStatus(err) === 404) return undefined;
        throw err;
      }
    },

    async putDelivery(registry: string, record: DeliveryRecord): Promise<void> {
      await table.upsertEntity(toDeliveryEntity(nameKey(registry), record), 'Replace');
    },

    /** One page of a webhook's deliveries, newest first. */
    async listDeliveries(registry: string, webhook: string, pageSize: number, continuationToken: string | undefined) {
      const [from, to] = Rows.deliveryRange(webhook);
      const pages = table.listEntities({ queryOptions: { filter: rangeFilter(registry, from, to) } }).byPage({
        maxPageSize: pageSize,
        ...(continuationToken ? { continuationToken } : {}),
      });
      const page = await pages.next();
      if (page.done) return { items: [] as DeliveryRecord[], continuationToken: undefined };
      return { items: page.value.map(fromDeliveryEntity), continuationToken: page.value.continuationToken };
    },

    /** The newest delivery of an event to a webhook, or undefined. */
    async latestDelivery(registry: string, webhook: string, eventId: string): Promise<DeliveryRecord | undefined> {
      const [from, to] = Rows.deliveryRange(webhook);
      const filter = `${rangeFilter(registry, from, to)} and eventId eq ${odataString(eventId)}`;
      for await (const e of table.listEntities({ queryOptions: { filter } })) return fromDeliveryEntity(e);
      return undefined;
    },

    /**
     * The `failed` and `held` deliveries of a webhook whose events were received at or after `sinceMs`,
     * oldest first (the table holds them newest first, so the range is read whole: keys and ETags only).
     */
    async recoverableDeliveries(registry: string, webhook: string, sinceMs: number): Promise<{ rowKey: string; etag: string }[]> {
      const [from, to] = Rows.deliveriesSince(webhook, sinceMs);
      const filter = `${rangeFilter(registry, from, to)} and (state eq 'failed' or state eq 'held')`;
      const out: { rowKey: string; etag: string }[] = [];
      for await (const e of table.listEntities({ queryOptions: { filter, select: ['RowKey'] } })) {
        if (e.rowKey && e.etag) out.push({ rowKey: e.rowKey, etag: e.etag });
      }
      return out.reverse();
    },

    /**
     * Sets deliveries back to `pending` for a fresh first attempt, each only if it is unchanged since it
     * was read (ETag), so two recovers at once send each delivery once. Returns the keys it reset.
     */
    async resetForRecovery(registry: string, rows: readonly { rowKey: string; etag: string }[], now: string): Promise<string[]> {
      const pk = nameKey(registry);
      const reset = (rowKey: string) => ({ partitionKey: pk, rowKey, state: 'pending', attempts: 0, nextAttemptAt: now, updatedAt: now });
      try {
        await table.submitTransaction(rows.map((r): TransactionAction => ['update', reset(r.rowKey), 'Merge', { etag: r.etag }]));
        return rows.map((r) => r.rowKey);
      } catch (err) {
        const status = storageStatus(err);
        if (status !== 412 && status !== 404) throw err;
      }
      // One of them changed meanwhile (another recover, a retention purge): one by one, keeping the rest.
      const done: string[] = [];
      for (const r of rows) {
        try {
          await table.updateEntity(reset(r.rowKey), 'Merge', { etag: r.etag });
          done.push(r.rowKey);
        } catch (err) {
          const status = storageStatus(err);
          if (status !== 412 && status !== 404) throw err;
        }
      }
      return done;
    },

    /** Deletes a webhook's whole history, 100 rows a transaction. Returns how many rows went. */
    async deleteDeliveries(registry: string, webhook: string): Promise<number> {
      const [from, to] = Rows.deliveryRange(webhook);
      const keys: string[] = [];
      for await (const e of table.listEntities({ queryOptions: { filter: rangeFilter(registry, from, to), select: ['RowKey'] } })) {
        if (e.rowKey) keys.push(e.rowKey);
      }
      const pk = nameKey(registry);
      for (let i = 0; i < keys.length; i += 100) {
        await table.submitTransaction(keys.slice(i, i + 100).map((rowKey): TransactionAction => ['delete', { partitionKey: pk, rowKey }]));
      }
      return keys.length;
    },
  };
}

export type EventStore = ReturnType<typeof makeEventStore>;
