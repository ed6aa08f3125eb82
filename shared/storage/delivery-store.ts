import { submitTransaction } from './table-batch.js';
import { z } from 'zod';
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { DELIVERY_STATES, type DeliveryRecord, type DeliveryState } from '../delivery/delivery-record.js';
import type { DeliveryId } from '../delivery/delivery-id.js';
import { odataString } from './entity-fields.js';
import { statusOf, unless404 } from './rest-errors.js';
import { deliveryKeys, Partitions, receivedMsOf, Rows } from './event-keys.js';
import { deliveryOf, readDeliveryEntity, toDeliveryEntity, upsertDelivery, type StoredDelivery } from './delivery-entity.js';
import { byPartition, rangeFilter, submitEach } from './table-ops.js';

/*
 * Deliveries: the `del|{webhook}|{invertedMs}|{eventId}` rows, each in its event's shard of the `events`
 * table (layout in event-keys.ts). A webhook's history is read across the shards, newest first.
 *
 * A row that keeps no body (`bodyFrom`) is read with its event's `evt|` row (same partition, its `payload`
 * only), and the body rendered again: every read below returns whole records. Rows read together share
 * their events' reads: one point read per distinct event, at once, after the rows.
 */

/** A row's progress: `attempts` is left out when 0 (delivery-entity.ts); a selected property a row lacks may come back null. */
const deliveryProgressFields = z.object({
  state: z.enum(DELIVERY_STATES),
  attempts: z.number().int().min(0).nullish(),
  nextAttemptAt: z.string().nullish(),
});
/** An `evt|` row's event, as JSON (claim-store.ts writes it). */
const eventPayloadField = z.object({ payload: z.string() });
/** What an attempt's read needs besides the record: the row's ETag and the attempt's claim (`sendingUntil`, ISO). */
const attemptFields = z.object({ etag: z.string().min(1), sendingUntil: z.string().optional() });

/** A delivery row's address, its event and the ETag it was read with. */
interface DeliveryKey {
  readonly partitionKey: string;
  readonly rowKey: string;
  readonly eventId: string;
  readonly etag: string;
}

/** A delivery `recover` may send again, and the ETag it was read with (the reset is conditional on it). */
export interface RecoverableDelivery {
  readonly id: DeliveryId;
  readonly etag: string;
}

/** Where a delivery stands, from its row's queried fields alone. */
interface DeliveryProgress {
  readonly state: DeliveryState;
  readonly attempts: number;
  readonly nextAttemptAt: string | undefined;
}

/** A delivery read for an attempt (DeliveryStore.readForAttempt). */
export interface AttemptRead {
  readonly record: DeliveryRecord;
  readonly etag: string;
  /** Until when (epoch ms) another worker holds its next attempt; undefined when none does. */
  readonly claimedUntilMs: number | undefined;
}

export interface DeliveryStore {
  getDelivery(id: DeliveryId): Promise<DeliveryRecord | undefined>;
  /** Several deliveries of a registry, each or undefined, in the order asked (rows at once, then their events' rows at once). */
  getDeliveries(ids: readonly DeliveryId[]): Promise<(DeliveryRecord | undefined)[]>;
  /** A delivery's state, attempts and when the next is due (one small read), or undefined when there is no row. */
  deliveryProgress(id: DeliveryId): Promise<DeliveryProgress | undefined>;
  putDelivery(registry: string, record: DeliveryRecord): Promise<void>;
  /** Records of one registry: each shard's 100 a transaction, the shards at once. */
  putDeliveries(registry: string, records: readonly DeliveryRecord[]): Promise<void>;
  /**
   * One page of a webhook's deliveries, newest first, across the shards: each shard's next `pageSize`
   * keys (one small query each, at once), merged, then the page's rows read. The continuation token is
   * the last row key listed; a token cannot widen the range, which stays the webhook's.
   */
  listDeliveries(
    registry: string,
    webhook: string,
    pageSize: number,
    after: string | undefined,
  ): Promise<{
    items: DeliveryRecord[];
    /** Rows of the page this version does not read (a later version's layout, or damaged), left out of `items`. */
    unreadable: number;
    continuationToken: string | undefined;
  }>;
  /** The newest delivery of an event to a webhook, or undefined; UnreadableRowsError when its row is one this version does not read. */
  latestDelivery(registry: string, webhook: string, eventId: string): Promise<DeliveryRecord | undefined>;
  /**
   * The `failed` and `held` deliveries of a webhook whose events were received at or after `sinceMs`,
   * oldest first (the shards hold them newest first, so the ranges are read whole: keys, event ids and ETags only).
   */
  recoverableDeliveries(registry: string, webhook: string, sinceMs: number): Promise<RecoverableDelivery[]>;
  /**
   * Sets deliveries back to `pending` for a fresh first attempt, each only if it is unchanged since it
   * was read (ETag), so two recovers at once send each delivery once. Returns those it reset, in the
   * order asked.
   */
  resetForRecovery(rows: readonly RecoverableDelivery[], now: string): Promise<DeliveryId[]>;
  /**
   * Deliveries as the delivery worker reads them before an attempt: each record, the ETag it was read with,
   * and until when another worker holds its attempt (`claimAttempts`), if one does.
   */
  readForAttempt(ids: readonly DeliveryId[]): Promise<(AttemptRead | undefined)[]>;
  /**
   * Marks each delivery's next attempt as taken by this worker until `until` (ISO), each only if its row is
   * unchanged since it was read (ETag): of two workers that read the same row, one takes the attempt and the
   * other is refused. Returns, in the order asked, whether each was taken. The record written after the
   * attempt (upsert Replace) drops the mark.
   */
  claimAttempts(reads: readonly { readonly id: DeliveryId; readonly etag: string }[], until: string): Promise<boolean[]>;
  /** Deletes a webhook's whole history, in every shard. Returns how many rows went. */
  deleteDeliveries(registry: string, webhook: string): Promise<number>;
}

/** Delivery rows this version does not read (delivery-entity.ts readDeliveryEntity), named by row key. */
export class UnreadableRowsError extends Error {
  constructor(readonly rowKeys: readonly string[]) {
    super(
      `${rowKeys.length} delivery row(s) in a layout this version does not read (written by a later version, or damaged): ${rowKeys.join(', ')}`,
    );
    this.name = 'UnreadableRowsError';
  }
}

export function makeDeliveryStore(table: TableClient): DeliveryStore {
  /** The keys (and ETags) of one RowKey range in every shard of a registry, merged in key order. */
  const rangeKeys = async (registry: string, from: string, to: string, extra = '', top?: number): Promise<DeliveryKey[]> => {
    const lists = await Promise.all(
      Partitions.allDeliveries(registry).map(async (pk) => {
        const out: DeliveryKey[] = [];
        const filter = `${rangeFilter(pk, from, to)}${extra}`;
        for await (const page of table
          .listEntities<{ eventId?: string }>({ queryOptions: { filter, select: ['RowKey', 'eventId'] } })
          .byPage({ maxPageSize: top ?? 1000 })) {
          for (const e of page)
            if (e.rowKey && e.etag) out.push({ partitionKey: pk, rowKey: e.rowKey, eventId: e.eventId ?? '', etag: e.etag });
          if (top !== undefined && out.length >= top) break;
        }
        return out;
      }),
    );
    return lists.flat().sort((a, b) => (a.rowKey < b.rowKey ? -1 : a.rowKey > b.rowKey ? 1 : 0));
  };

  /**
   * The records of rows read (undefined stays undefined, and so does a row this version does not read:
   * delivery-entity.ts readDeliveryEntity), and the row keys of those it does not read. The events the
   * body-less ones need are read once each (their `payload` only), all at once.
   */
  const withBodies = async (rows: readonly ({ partitionKey: string; rowKey: string; entity: unknown } | undefined)[]) => {
    const stored = rows.map((r) => r && { partitionKey: r.partitionKey, rowKey: r.rowKey, delivery: readDeliveryEntity(r.entity) });
    const key = (pk: string, eventId: string) => `${pk}\n${eventId}`;
    const needed = new Map<string, { partitionKey: string; eventId: string }>();
    for (const s of stored)
      if (s?.delivery?.needsEvent !== undefined)
        needed.set(key(s.partitionKey, s.delivery.needsEvent), { partitionKey: s.partitionKey, eventId: s.delivery.needsEvent });
    const payloads = new Map(
      await Promise.all(
        [...needed].map(async ([k, e]) => {
          const row = await unless404(table.getEntity(e.partitionKey, Rows.event(e.eventId), { queryOptions: { select: ['payload'] } }));
          return [k, eventPayloadField.safeParse(row).data?.payload] as const;
        }),
      ),
    );
    const recordOf = (pk: string, d: StoredDelivery) =>
      deliveryOf(d, d.needsEvent === undefined ? undefined : payloads.get(key(pk, d.needsEvent)));
    return {
      records: stored.map((s) => s?.delivery && recordOf(s.partitionKey, s.delivery)),
      unreadable: stored.flatMap((s) => (s && !s.delivery ? [s.rowKey] : [])),
    };
  };

  const readRows = (ids: readonly DeliveryId[]) =>
    Promise.all(
      ids.map(async (id) => {
        const { partitionKey, rowKey } = deliveryKeys(id);
        const entity = await unless404(table.getEntity(partitionKey, rowKey));
        return entity && { partitionKey, rowKey, entity };
      }),
    );
  const getDeliveries = async (ids: readonly DeliveryId[]) => (await withBodies(await readRows(ids))).records;

  /**
   * Merges `patch` into each row only if it is unchanged since it was read (its ETag): a partition's rows in
   * one transaction; when one of them changed meanwhile (412) or went (404), one by one, keeping the rest.
   * Returns the row keys written.
   */
  const mergeIfUnchanged = async (
    rows: readonly { readonly partitionKey: string; readonly rowKey: string; readonly etag: string }[],
    patch: Readonly<Record<string, string | number>>,
  ): Promise<Set<string>> => {
    const entity = (pk: string, rowKey: string) => ({ partitionKey: pk, rowKey, ...patch });
    const done = new Set<string>();
    /** One row's merge; false when it changed meanwhile or went. */
    const mergeOne = async (pk: string, r: { readonly rowKey: string; readonly etag: string }) => {
      try {
        await table.updateEntity(entity(pk, r.rowKey), 'Merge', { etag: r.etag });
        done.add(r.rowKey);
      } catch (err) {
        const status = statusOf(err);
        if (status !== 412 && status !== 404) throw err;
      }
    };
    // The partitions at once (a delivery worker's message spans events, so shards), 100 rows a transaction
    // (a message carries up to 200): a row alone is one merge.
    const groups = [...byPartition(rows, (r) => r.partitionKey)].flatMap(([pk, all]) =>
      Array.from({ length: Math.ceil(all.length / 100) }, (_, i) => [pk, all.slice(i * 100, i * 100 + 100)] as const),
    );
    await Promise.all(
      groups.map(async ([pk, list]) => {
        if (list.length === 1) return mergeOne(pk, list[0]!);
        try {
          await submitTransaction(
            table,
            list.map((r): TransactionAction => ['update', entity(pk, r.rowKey), 'Merge', { etag: r.etag }]),
          );
          for (const r of list) done.add(r.rowKey);
          return;
        } catch (err) {
          const status = statusOf(err);
          if (status !== 412 && status !== 404) throw err;
        }
        for (const r of list) await mergeOne(pk, r);
      }),
    );
    return done;
  };

  return {
    async getDelivery(id) {
      return (await getDeliveries([id]))[0];
    },

    getDeliveries,

    async deliveryProgress(id) {
      const { partitionKey, rowKey } = deliveryKeys(id);
      const select = ['state', 'attempts', 'nextAttemptAt'];
      const row = await unless404(table.getEntity(partitionKey, rowKey, { queryOptions: { select } }));
      if (row === undefined) return undefined;
      const { state, attempts, nextAttemptAt } = deliveryProgressFields.parse(row);
      return { state, attempts: attempts ?? 0, nextAttemptAt: nextAttemptAt ?? undefined };
    },

    async putDelivery(registry, record) {
      await table.upsertEntity(toDeliveryEntity(Partitions.event(registry, record.eventId), record), 'Replace');
    },

    async putDeliveries(registry, records) {
      await submitEach(
        table,
        records.map((r) => upsertDelivery(Partitions.event(registry, r.eventId), r)),
      );
    },

    async listDeliveries(registry, webhook, pageSize, after) {
      const [from, to] = Rows.deliveryRange(webhook);
      const keys = await rangeKeys(registry, after && after > from ? `${after}\u0000` : from, to, '', pageSize + 1);
      const page = keys.slice(0, pageSize);
      const rows = await Promise.all(
        page.map(async (k) => {
          const entity = await unless404(table.getEntity(k.partitionKey, k.rowKey));
          return entity && { partitionKey: k.partitionKey, rowKey: k.rowKey, entity };
        }),
      );
      const { records, unreadable } = await withBodies(rows);
      const items = records.filter((r) => r !== undefined);
      return {
        items,
        unreadable: unreadable.length,
        continuationToken: keys.length > pageSize ? page[page.length - 1]?.rowKey : undefined,
      };
    },

    async latestDelivery(registry, webhook, eventId) {
      const [from, to] = Rows.deliveryRange(webhook);
      const partitionKey = Partitions.event(registry, eventId);
      const filter = `${rangeFilter(partitionKey, from, to)} and eventId eq ${odataString(eventId)}`;
      for await (const entity of table.listEntities({ queryOptions: { filter } })) {
        const { records, unreadable } = await withBodies([{ partitionKey, rowKey: entity.rowKey ?? '', entity }]);
        if (unreadable.length > 0) throw new UnreadableRowsError(unreadable);
        return records[0];
      }
      return undefined;
    },

    async recoverableDeliveries(registry, webhook, sinceMs) {
      const [from, to] = Rows.deliveriesSince(webhook, sinceMs);
      const keys = await rangeKeys(registry, from, to, ` and (state eq 'failed' or state eq 'held')`);
      return keys
        .reverse()
        .map((k) => ({ id: { registry, webhook, eventId: k.eventId, receivedMs: receivedMsOf(k.rowKey) ?? 0 }, etag: k.etag }));
    },

    async readForAttempt(ids) {
      const rows = await readRows(ids);
      const { records, unreadable } = await withBodies(rows);
      // Not a delivery to pass over in silence: the delivery worker sets these aside to the poison queue,
      // to be replayed by a version that reads them, and reads the rest again (deliver.ts readReadable).
      if (unreadable.length > 0) throw new UnreadableRowsError(unreadable);
      return rows.map((row, i) => {
        const record = records[i];
        if (!row || !record) return undefined;
        const { etag, sendingUntil } = attemptFields.parse(row.entity);
        // A mark that does not read as a time holds nothing (the attempt is anyone's).
        const until = sendingUntil === undefined ? NaN : Date.parse(sendingUntil);
        return { record, etag, claimedUntilMs: Number.isFinite(until) ? until : undefined };
      });
    },

    async claimAttempts(reads, until) {
      const rows = reads.map((r) => ({ ...deliveryKeys(r.id), etag: r.etag }));
      const taken = await mergeIfUnchanged(rows, { sendingUntil: until });
      return rows.map((r) => taken.has(r.rowKey));
    },

    async resetForRecovery(asked, now) {
      const rows = asked.map((r) => ({ ...deliveryKeys(r.id), etag: r.etag }));
      const reset = await mergeIfUnchanged(rows, { state: 'pending', attempts: 0, nextAttemptAt: now, updatedAt: now });
      // In the order asked (recover sends in order of receipt), not in the order of the partitions.
      return asked.filter((_, i) => reset.has(rows[i]!.rowKey)).map((r) => r.id);
    },

    async deleteDeliveries(registry, webhook) {
      const [from, to] = Rows.deliveryRange(webhook);
      const keys = await rangeKeys(registry, from, to);
      await submitEach(
        table,
        keys.map((k): TransactionAction => ['delete', { partitionKey: k.partitionKey, rowKey: k.rowKey }]),
      );
      return keys.length;
    },
  };
}
