import { z } from 'zod';
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { acrEvent, type AcrEvent } from '../events/acr-event.js';
import { DELIVERY_STATES, type DeliveryRecord } from '../delivery/delivery-record.js';
import { jsonField, odataString, optionalField } from './entity-fields.js';
import { packTransactions, singly } from './transactions.js';
import { statusOf, unless404 } from './rest-errors.js';
import { Partitions, Rows } from './event-keys.js';

/*
 * Table `events`: its layout (which rows live in which partition, and why) and its keys are in
 * event-keys.ts; this is the store that reads and writes them.
 */

type EventState = 'queued' | 'claimed' | 'fannedout';
const EVENT_STATES = ['queued', 'claimed', 'fannedout'] as const;

const eventEntity = z.object({
  payload: z.string(),
  state: z.enum(EVENT_STATES),
  receivedAt: z.string(),
});

const claimEntity = z.object({
  state: z.enum(EVENT_STATES),
  receivedAt: z.string(),
  owner: z.string().optional(),
  leaseUntil: z.string().optional(),
  /** Delivery rows recorded so far under a claim (a fan-out to more than 99 webhooks takes several transactions). */
  recorded: z.number().int().optional(),
  etag: z.string(),
});
/** An event row's fan-out state, as a claim sees it. */
export type ClaimRow = z.infer<typeof claimEntity>;

/** Who claims the events a transaction accepts, and until when. */
export interface ClaimLease {
  readonly owner: string;
  readonly leaseUntil: string;
}

/** A claimed event's outcome to record: its row's ETag, what earlier owners recorded, and its delivery records. */
export interface FanOutRecord {
  readonly eventId: string;
  etag: string;
  readonly recorded: number;
  readonly records: readonly DeliveryRecord[];
}

interface StoredEvent {
  readonly event: AcrEvent;
  readonly state: EventState;
  readonly receivedAt: string;
}

interface ManifestInfo {
  readonly mediaType: string | undefined;
  readonly tags: readonly string[];
}

/** The filter for one RowKey range inside one partition (Table Storage has no startswith). */
function rangeFilter(partitionKey: string, from: string, to: string): string {
  return `PartitionKey eq ${odataString(partitionKey)} and RowKey ge ${odataString(from)} and RowKey lt ${odataString(to)}`;
}

/** Groups items by the partition each belongs to. */
function byPartition<T>(items: readonly T[], partitionOf: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const pk = partitionOf(item);
    const list = out.get(pk);
    if (list) list.push(item);
    else out.set(pk, [item]);
  }
  return out;
}

const deliveryEntity = z.object({
  rowKey: z.string(),
  webhook: z.string(),
  eventId: z.string(),
  action: z.string(),
  image: z.string(),
  body: z.string(),
  requestHeaders: jsonField(z.record(z.string(), z.string())),
  requestUri: z.string(),
  state: z.enum(DELIVERY_STATES),
  attempts: z.number().int(),
  nextAttemptAt: optionalField(z.string()),
  lastError: optionalField(z.string()),
  responseStatus: optionalField(z.number().int()),
  responseReason: optionalField(z.string()),
  responseHeaders: jsonField(z.record(z.string(), z.string())),
  responseBody: z.string(),
  durationMs: optionalField(z.number()),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const fromDeliveryEntity = (entity: unknown): DeliveryRecord => deliveryEntity.parse(entity);

function toDeliveryEntity(partitionKey: string, record: DeliveryRecord) {
  return {
    partitionKey,
    rowKey: record.rowKey,
    webhook: record.webhook,
    eventId: record.eventId,
    action: record.action,
    image: record.image,
    body: record.body,
    requestHeaders: JSON.stringify(record.requestHeaders),
    requestUri: record.requestUri,
    state: record.state,
    attempts: record.attempts,
    nextAttemptAt: record.nextAttemptAt ?? null,
    lastError: record.lastError ?? null,
    responseStatus: record.responseStatus ?? null,
    responseReason: record.responseReason ?? null,
    responseHeaders: JSON.stringify(record.responseHeaders),
    responseBody: record.responseBody,
    durationMs: record.durationMs ?? null,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

const upsertDelivery = (pk: string, record: DeliveryRecord): TransactionAction => ['upsert', toDeliveryEntity(pk, record), 'Replace'];

/** What a CNCF registry's push tells us about manifests, for telling its deletes from blob deletes. */
function manifestRows(pk: string, event: AcrEvent, at: string): TransactionAction[] {
  const t = event.target;
  if (event.action !== 'push' || !t.digest) return [];
  const rows: TransactionAction[] = [
    ['upsert', { partitionKey: pk, rowKey: Rows.manifest(t.repository, t.digest), mediaType: t.mediaType ?? null, pushedAt: at }, 'Merge'],
  ];
  // Where the tag points now (`tag|…`) is written for every source, with a condition: see tagWrite.
  if (t.tag) rows.push(['upsert', { partitionKey: pk, rowKey: Rows.manifestTag(t.repository, t.digest, t.tag), tag: t.tag }, 'Replace']);
  return rows;
}

/** An event being accepted: its JSON (serialised once), when it came, and whether its manifest is remembered. */
export interface AcceptedEvent {
  readonly event: AcrEvent;
  readonly payload: string;
  readonly receivedAt: string;
  readonly remember: boolean;
}

/** History kinds the retention purges, and the field that dates each row. */
const HISTORY = [
  { from: 'del|', to: 'del}', field: 'createdAt' },
  { from: 'evt|', to: 'evt}', field: 'receivedAt' },
] as const;

export function makeEventStore(table: TableClient) {
  /** Transactions of one partition, packed 100 actions a call, one after another. */
  const submitAll = async (groups: readonly (readonly TransactionAction[])[]) => {
    for (const tx of packTransactions(groups)) await table.submitTransaction(tx);
  };
  /** Single actions of any partitions: each partition's packed on their own, the partitions at once. */
  const submitEach = async (actions: readonly TransactionAction[]) => {
    const groups = byPartition(actions, (a) => String(a[1].partitionKey));
    await Promise.all([...groups.values()].map((list) => submitAll(singly(list))));
  };
  /** The keys (and ETags) of one RowKey range in every partition of a registry's deliveries. */
  const rangeKeys = async (registry: string, from: string, to: string, extra = '', top?: number) => {
    const lists = await Promise.all(
      Partitions.allDeliveries(registry).map(async (pk) => {
        const out: { partitionKey: string; rowKey: string; etag: string }[] = [];
        const filter = `${rangeFilter(pk, from, to)}${extra}`;
        for await (const page of table
          .listEntities({ queryOptions: { filter, select: ['RowKey'] } })
          .byPage({ maxPageSize: top ?? 1000 })) {
          for (const e of page) if (e.rowKey && e.etag) out.push({ partitionKey: pk, rowKey: e.rowKey, etag: e.etag });
          if (top !== undefined && out.length >= top) break;
        }
        return out;
      }),
    );
    // Newest first across shards; a row copied from before the shards is listed once (its shard's copy).
    const seen = new Map<string, { partitionKey: string; rowKey: string; etag: string }>();
    for (const row of lists.flat().sort((a, b) => (a.rowKey < b.rowKey ? -1 : a.rowKey > b.rowKey ? 1 : 0))) {
      const before = seen.get(row.rowKey);
      if (!before || before.partitionKey === Partitions.registry(registry)) seen.set(row.rowKey, row);
    }
    return [...seen.values()];
  };
  const getDeliveryRow = async (registry: string, rowKey: string) => {
    const row = await unless404(table.getEntity(Partitions.ofDelivery(registry, rowKey), rowKey));
    // Written before the shards existed: still read (a retry queued then, a listEvents page).
    return row ?? (await unless404(table.getEntity(Partitions.registry(registry), rowKey)));
  };
  return {
    /**
     * What the registry remembers of a batch's pushes (manifest rows, and the tag rows' conditional writes
     * from withPreviousDigests), in the registry's partition: one transaction for up to 100 rows. A tag
     * write that loses a race fails it (412, 409), and the batch reads the tags again. Returns the new
     * ETags, by row key.
     */
    async remember(
      registry: string,
      items: readonly AcceptedEvent[],
      tagWrites: readonly TransactionAction[] = [],
    ): Promise<Map<string, string>> {
      const pk = Partitions.registry(registry);
      const byKey = new Map<string, TransactionAction>();
      for (const item of items) {
        if (item.remember) for (const a of manifestRows(pk, item.event, item.receivedAt)) byKey.set(String(a[1].rowKey), a);
      }
      for (const a of tagWrites) byKey.set(String(a[1].rowKey), a);
      const etags = new Map<string, string>();
      const actions = [...byKey.values()];
      for (const tx of packTransactions([actions])) {
        const res = await table.submitTransaction(tx);
        // A change set answers in the order it was sent (the sub-responses carry no usable row key).
        tx.forEach((a, i) => {
          const etag = res.subResponses[i]?.etag;
          if (etag) etags.set(String(a[1].rowKey), etag);
        });
      }
      return etags;
    },

    /**
     * Accepts events: creates their rows (the dedupe by id), already claimed by `lease`, one transaction
     * per shard, the shards at once. A shard's transaction that meets an id accepted before (409) is
     * redone one event at a time. Returns each accepted event's row ETag, by event id (the ids missing
     * from it were there before: duplicates), and a shard's failure, if one failed.
     */
    async acceptEvents(
      registry: string,
      items: readonly AcceptedEvent[],
      lease: ClaimLease,
    ): Promise<{ etags: Map<string, string>; failure: unknown }> {
      const etags = new Map<string, string>();
      const create = (item: AcceptedEvent): TransactionAction => [
        'create',
        {
          partitionKey: Partitions.event(registry, item.event.id),
          rowKey: Rows.event(item.event.id),
          payload: item.payload,
          state: 'claimed',
          ...lease,
          receivedAt: item.receivedAt,
        },
      ];
      const shards = byPartition(items, (i) => Partitions.event(registry, i.event.id));
      const outcomes = await Promise.allSettled(
        [...shards.values()].map(async (list) => {
          try {
            const res = await table.submitTransaction(list.map(create));
            // A change set answers in the order it was sent (the sub-responses carry no usable row key).
            list.forEach((item, i) => {
              const etag = res.subResponses[i]?.etag;
              if (etag) etags.set(item.event.id, etag);
            });
          } catch (err) {
            if (statusOf(err) !== 409) throw err;
            for (const item of list) {
              try {
                const res = await table.createEntity(create(item)[1]);
                if (res.etag) etags.set(item.event.id, res.etag);
              } catch (inner) {
                if (statusOf(inner) !== 409) throw inner;
              }
            }
          }
        }),
      );
      // Some shards may have committed and another not: the caller answers 503 and lets go of (or drops)
      // what did commit, so nothing is left claimed by a commit that failed.
      const failed = outcomes.find((o) => o.status === 'rejected');
      return { etags, failure: failed?.status === 'rejected' ? (failed.reason as unknown) : undefined };
    },

    /** Removes accepted event rows again (each only if it still has the given ETag): a commit that failed before its memory was written. */
    async dropEvents(registry: string, claims: readonly { eventId: string; etag: string }[]): Promise<void> {
      // One call each: a transaction's delete cannot carry an ETag.
      await Promise.all(
        claims.map(async ({ eventId, etag }) => {
          try {
            await table.deleteEntity(Partitions.event(registry, eventId), Rows.event(eventId), { etag });
          } catch (err) {
            const status = statusOf(err);
            if (status !== 404 && status !== 412) throw err;
          }
        }),
      );
    },

    /** Replaces a claimed event's stored payload (its previousDigest was corrected), If-Match its claim: the new ETag. */
    async rewritePayload(registry: string, eventId: string, payload: string, etag: string): Promise<string> {
      const res = await table.updateEntity(
        { partitionKey: Partitions.event(registry, eventId), rowKey: Rows.event(eventId), payload },
        'Merge',
        { etag },
      );
      return res.etag ?? etag;
    },

    /** The event row's fan-out state and ETag, or undefined when it is not there. */
    async readClaim(registry: string, eventId: string): Promise<ClaimRow | undefined> {
      const row = await unless404(
        table.getEntity(Partitions.event(registry, eventId), Rows.event(eventId), {
          queryOptions: { select: ['state', 'receivedAt', 'owner', 'leaseUntil', 'recorded'] },
        }),
      );
      return row === undefined ? undefined : claimEntity.parse(row);
    },

    /** Claims the event if its row still has `etag`: the new ETag, or undefined when another writer came first. */
    async takeClaim(registry: string, eventId: string, etag: string, lease: ClaimLease): Promise<string | undefined> {
      try {
        const res = await table.updateEntity(
          { partitionKey: Partitions.event(registry, eventId), rowKey: Rows.event(eventId), state: 'claimed', ...lease },
          'Merge',
          { etag },
        );
        return res.etag;
      } catch (err) {
        const status = statusOf(err);
        if (status === 412 || status === 404) return undefined;
        throw err;
      }
    },

    /** Creates a lost event row already claimed: its ETag, or undefined when it exists. */
    async createClaim(
      registry: string,
      item: { readonly event: AcrEvent; readonly receivedAt: string },
      lease: ClaimLease,
    ): Promise<string | undefined> {
      try {
        const res = await table.createEntity({
          partitionKey: Partitions.event(registry, item.event.id),
          rowKey: Rows.event(item.event.id),
          payload: JSON.stringify(item.event),
          state: 'claimed',
          ...lease,
          receivedAt: item.receivedAt,
        });
        return res.etag;
      } catch (err) {
        if (statusOf(err) === 409) return undefined;
        throw err;
      }
    },

    /** Ends claims at once (best effort; each only if its row still has the given ETag). */
    async releaseClaims(registry: string, claims: readonly { eventId: string; etag: string }[]): Promise<void> {
      const released = new Date(0).toISOString();
      await submitEach(
        claims.map(({ eventId, etag }): TransactionAction => [
          'update',
          { partitionKey: Partitions.event(registry, eventId), rowKey: Rows.event(eventId), leaseUntil: released },
          'Merge',
          { etag },
        ]),
      );
    },

    /**
     * Where tags point now, with their rows' ETags, keyed `repository:tag`: one point read per tag, at
     * once (the cheapest read Table Storage has; a query OR-ing row keys would scan the partition).
     */
    async readTags(
      registry: string,
      tags: readonly { repository: string; tag: string }[],
    ): Promise<Map<string, { digest: string | undefined; etag: string | undefined }>> {
      const out = new Map<string, { digest: string | undefined; etag: string | undefined }>();
      const byRow = new Map(tags.map((t) => [Rows.tag(t.repository, t.tag), `${t.repository}:${t.tag}`]));
      await Promise.all(
        [...byRow].map(async ([rowKey, key]) => {
          const e = await unless404(table.getEntity<{ digest?: unknown }>(Partitions.registry(registry), rowKey));
          if (e) out.set(key, { digest: typeof e.digest === 'string' ? e.digest : undefined, etag: e.etag });
        }),
      );
      return out;
    },

    /** A tag row's write for `remember`: If-Match the ETag read (a moved tag fails the transaction, 412), or create (409). */
    tagWrite(
      registry: string,
      repository: string,
      tag: string,
      digest: string | undefined,
      etag: string | undefined,
      at: string,
    ): TransactionAction {
      const entity = {
        partitionKey: Partitions.registry(registry),
        rowKey: Rows.tag(repository, tag),
        digest: digest ?? null,
        pushedAt: at,
      };
      return etag ? ['update', entity, 'Replace', { etag }] : ['create', entity];
    },

    async getEvent(registry: string, eventId: string): Promise<StoredEvent | undefined> {
      const row = await unless404(table.getEntity(Partitions.event(registry, eventId), Rows.event(eventId)));
      if (row === undefined) return undefined;
      const entity = eventEntity.parse(row);
      return { event: acrEvent.parse(JSON.parse(entity.payload)), state: entity.state, receivedAt: entity.receivedAt };
    },

    /**
     * A fan-out's outcome: each claimed event's delivery records and its move to `fannedout`, conditional on
     * the claim's ETag, so an owner whose claim was taken over records nothing (the new owner sends what
     * was not recorded). An event's rows share its shard: events of one shard with ≤ 99 records share
     * transactions, the shards are written at once; a larger event is written 99 rows at a time, each step
     * advancing its row's `recorded` count under the ETag the step before returned. Returns the ids of the
     * events recorded; the others lost their claim.
     */
    async recordFanOut(registry: string, events: readonly FanOutRecord[]): Promise<Set<string>> {
      const done = new Set<string>();
      const mark = (e: FanOutRecord, state: 'claimed' | 'fannedout', count: number): TransactionAction => [
        'update',
        { partitionKey: Partitions.event(registry, e.eventId), rowKey: Rows.event(e.eventId), state, recorded: e.recorded + count },
        'Merge',
        { etag: e.etag },
      ];
      const group = (e: FanOutRecord): TransactionAction[] => [
        ...e.records.map((r) => upsertDelivery(Partitions.event(registry, e.eventId), r)),
        mark(e, 'fannedout', e.records.length),
      ];
      const writeSmall = async (small: readonly FanOutRecord[]) => {
        for (const tx of packTransactions(small.map(group))) {
          const inTx = small.filter((e) => tx.some((a) => a[1].rowKey === Rows.event(e.eventId)));
          try {
            await table.submitTransaction(tx);
            for (const e of inTx) done.add(e.eventId);
          } catch (err) {
            if (statusOf(err) !== 412) throw err;
            // One stale claim fails its whole transaction: write each event on its own.
            for (const e of inTx) {
              try {
                await table.submitTransaction(group(e));
                done.add(e.eventId);
              } catch (inner) {
                if (statusOf(inner) !== 412) throw inner;
              }
            }
          }
        }
      };
      const writeLarge = async (e: FanOutRecord) => {
        const pk = Partitions.event(registry, e.eventId);
        try {
          for (let i = 0; i < e.records.length; i += 99) {
            const chunk = e.records.slice(i, i + 99);
            const last = i + 99 >= e.records.length;
            const actions = [...chunk.map((r) => upsertDelivery(pk, r)), mark(e, last ? 'fannedout' : 'claimed', i + chunk.length)];
            const res = await table.submitTransaction(actions);
            e.etag = res.subResponses[actions.length - 1]?.etag ?? e.etag;
          }
          done.add(e.eventId);
        } catch (err) {
          if (statusOf(err) !== 412) throw err;
        }
      };
      const shards = byPartition(
        events.filter((e) => e.records.length < 100),
        (e) => Partitions.event(registry, e.eventId),
      );
      await Promise.all([...[...shards.values()].map(writeSmall), ...events.filter((e) => e.records.length >= 100).map(writeLarge)]);
      return done;
    },

    /** What the registry remembers of a pushed manifest, or undefined if it never saw it pushed. */
    async manifest(registry: string, repository: string, digest: string): Promise<ManifestInfo | undefined> {
      const from = Rows.manifest(repository, digest);
      let found = false;
      let mediaType: string | undefined;
      const candidates: string[] = [];
      for await (const e of table.listEntities<{ mediaType?: string; tag?: string }>({
        queryOptions: { filter: rangeFilter(Partitions.registry(registry), from, `${from}}`) },
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
        const row = await unless404(table.getEntity<{ digest?: string }>(Partitions.registry(registry), Rows.tag(repository, t)));
        if (row?.digest === digest) tags.push(t);
      }
      return { mediaType, tags };
    },

    async getDelivery(registry: string, rowKey: string): Promise<DeliveryRecord | undefined> {
      const row = await getDeliveryRow(registry, rowKey);
      return row === undefined ? undefined : fromDeliveryEntity(row);
    },

    async putDelivery(registry: string, record: DeliveryRecord): Promise<void> {
      await table.upsertEntity(toDeliveryEntity(Partitions.event(registry, record.eventId), record), 'Replace');
    },

    /** Records of one registry: each shard's 100 a transaction, the shards at once. */
    async putDeliveries(registry: string, records: readonly DeliveryRecord[]): Promise<void> {
      await submitEach(records.map((r) => upsertDelivery(Partitions.event(registry, r.eventId), r)));
    },

    /**
     * One page of a webhook's deliveries, newest first, across the shards: each shard's next `pageSize`
     * keys (one small query each, at once), merged, then the page's rows read. The continuation token is
     * the last row key listed; a token cannot widen the range, which stays the webhook's.
     */
    async listDeliveries(registry: string, webhook: string, pageSize: number, after: string | undefined) {
      const [from, to] = Rows.deliveryRange(webhook);
      const keys = await rangeKeys(registry, after && after > from ? `${after}\u0000` : from, to, '', pageSize + 1);
      const page = keys.slice(0, pageSize);
      const rows = await Promise.all(page.map((k) => unless404(table.getEntity(k.partitionKey, k.rowKey))));
      const items = rows.filter((r) => r !== undefined).map(fromDeliveryEntity);
      return { items, continuationToken: keys.length > pageSize ? page[page.length - 1]?.rowKey : undefined };
    },

    /** The newest delivery of an event to a webhook, or undefined (its shard, and the rows from before the shards). */
    async latestDelivery(registry: string, webhook: string, eventId: string): Promise<DeliveryRecord | undefined> {
      const [from, to] = Rows.deliveryRange(webhook);
      for (const pk of [Partitions.event(registry, eventId), Partitions.registry(registry)]) {
        const filter = `${rangeFilter(pk, from, to)} and eventId eq ${odataString(eventId)}`;
        for await (const e of table.listEntities({ queryOptions: { filter } })) return fromDeliveryEntity(e);
      }
      return undefined;
    },

    /**
     * The `failed` and `held` deliveries of a webhook whose events were received at or after `sinceMs`,
     * oldest first (the shards hold them newest first, so the ranges are read whole: keys and ETags only).
     */
    async recoverableDeliveries(
      registry: string,
      webhook: string,
      sinceMs: number,
    ): Promise<{ partitionKey: string; rowKey: string; etag: string }[]> {
      const [from, to] = Rows.deliveriesSince(webhook, sinceMs);
      return (await rangeKeys(registry, from, to, ` and (state eq 'failed' or state eq 'held')`)).reverse();
    },

    /**
     * Sets deliveries back to `pending` for a fresh first attempt, each only if it is unchanged since it
     * was read (ETag), so two recovers at once send each delivery once. A row from before the shards moves
     * to its shard (the old row is deleted in the same step only when it was the one read). Returns the
     * keys it reset.
     */
    async resetForRecovery(
      registry: string,
      rows: readonly { partitionKey: string; rowKey: string; etag: string }[],
      now: string,
    ): Promise<string[]> {
      const pending = (pk: string, rowKey: string) => ({
        partitionKey: pk,
        rowKey,
        state: 'pending',
        attempts: 0,
        nextAttemptAt: now,
        updatedAt: now,
      });
      const done: string[] = [];
      const sharded = rows.filter((r) => r.partitionKey !== Partitions.registry(registry));
      for (const [pk, list] of byPartition(sharded, (r) => r.partitionKey)) {
        try {
          await table.submitTransaction(list.map((r): TransactionAction => ['update', pending(pk, r.rowKey), 'Merge', { etag: r.etag }]));
          done.push(...list.map((r) => r.rowKey));
          continue;
        } catch (err) {
          const status = statusOf(err);
          if (status !== 412 && status !== 404) throw err;
        }
        // One of them changed meanwhile (another recover, a retention purge): one by one, keeping the rest.
        for (const r of list) {
          try {
            await table.updateEntity(pending(pk, r.rowKey), 'Merge', { etag: r.etag });
            done.push(r.rowKey);
          } catch (err) {
            const status = statusOf(err);
            if (status !== 412 && status !== 404) throw err;
          }
        }
      }
      // Rows from before the shards: copied to their shard as pending, then the old row deleted If-Match.
      for (const r of rows.filter((x) => x.partitionKey === Partitions.registry(registry))) {
        const old = await unless404(table.getEntity(r.partitionKey, r.rowKey));
        if (!old || old.etag !== r.etag) continue;
        const record = fromDeliveryEntity(old);
        await table.upsertEntity(
          {
            ...toDeliveryEntity(Partitions.ofDelivery(registry, r.rowKey), record),
            ...pending(Partitions.ofDelivery(registry, r.rowKey), r.rowKey),
          },
          'Replace',
        );
        await unless404(
          table.deleteEntity(r.partitionKey, r.rowKey, { etag: r.etag }).catch((err: unknown) => {
            if (statusOf(err) === 412) return undefined;
            throw err;
          }),
        );
        done.push(r.rowKey);
      }
      // In the order asked (recover sends in order of receipt), not in the order of the partitions.
      const reset = new Set(done);
      return rows.filter((r) => reset.has(r.rowKey)).map((r) => r.rowKey);
    },

    /** Deletes a webhook's whole history, in every shard. Returns how many rows went. */
    async deleteDeliveries(registry: string, webhook: string): Promise<number> {
      const [from, to] = Rows.deliveryRange(webhook);
      const keys = await rangeKeys(registry, from, to);
      await submitEach(keys.map((k): TransactionAction => ['delete', { partitionKey: k.partitionKey, rowKey: k.rowKey }]));
      return keys.length;
    },

    /**
     * History retention: delivery records (`del|`) and accepted-event rows (`evt|`, the dedupe window)
     * dated before `cutoff`, across registries. Manifest memory (`man|`, `tag|`) is kept: a delete can
     * come long after its push. Returns how many rows went.
     */
    async purgeHistory(cutoff: Date): Promise<number> {
      const before = cutoff.toISOString();
      let deleted = 0;
      for (const kind of HISTORY) {
        const filter = `RowKey ge '${kind.from}' and RowKey lt '${kind.to}' and ${kind.field} lt '${before}'`;
        const byPartition = new Map<string, TransactionAction[]>();
        for await (const e of table.listEntities({ queryOptions: { filter, select: ['PartitionKey', 'RowKey'] } })) {
          if (!e.partitionKey || !e.rowKey) continue;
          const list = byPartition.get(e.partitionKey) ?? [];
          list.push(['delete', { partitionKey: e.partitionKey, rowKey: e.rowKey }]);
          byPartition.set(e.partitionKey, list);
        }
        for (const actions of byPartition.values()) {
          await submitAll(singly(actions));
          deleted += actions.length;
        }
      }
      return deleted;
    },
  };
}

export type EventStore = ReturnType<typeof makeEventStore>;
