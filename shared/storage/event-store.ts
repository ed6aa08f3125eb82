import { z } from 'zod';
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { nameKey } from '../webhooks/names.js';
import { acrEvent, type AcrEvent } from '../events/acr-event.js';
import { DELIVERY_STATES, type DeliveryRecord } from '../delivery/delivery-record.js';
import { jsonField, odataString, optionalField } from './entity-fields.js';
import { packTransactions, singly } from './transactions.js';
import { statusOf, unless404 } from './rest-errors.js';
import { keyPart } from './key-part.js';

/*
 * Table `events` — one partition per registry (PartitionKey = registry name, lowercase), so everything an
 * event touches can be written in one entity-group transaction (≤ 100 rows, one call):
 *
 *   evt|{eventId}                      the event as accepted (dedupe by id) and its fan-out's claim:
 *                                      `state` claimed(owner, leaseUntil, recorded) → fannedout, moved by
 *                                      ETag-conditional writes only (pipeline/claims.ts); `queued` is
 *                                      what an older deploy wrote
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
/** Milliseconds counted down, so a RowKey range lists newest first. */
export const invertedMs = (ms: number) => String(MAX_MS - ms).padStart(13, '0');

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

/** The filter for one RowKey range inside a registry's partition (Table Storage has no startswith). */
function rangeFilter(registry: string, from: string, to: string): string {
  return `PartitionKey eq ${odataString(nameKey(registry))} and RowKey ge ${odataString(from)} and RowKey lt ${odataString(to)}`;
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
  const submitAll = async (groups: readonly (readonly TransactionAction[])[]) => {
    for (const tx of packTransactions(groups)) await table.submitTransaction(tx);
  };
  return {
    /**
     * Records accepted events (dedupe rows, already claimed by `lease`) with their manifest memory in one
     * transaction; a 409 means some id was accepted before. Of two writes to one memory row, the later
     * wins. Returns each event row's ETag, by event id.
     */
    async acceptEvents(
      registry: string,
      items: readonly AcceptedEvent[],
      lease: ClaimLease,
      tagWrites: readonly TransactionAction[] = [],
    ): Promise<Map<string, string>> {
      const pk = nameKey(registry);
      const byKey = new Map<string, TransactionAction>();
      for (const { event, payload, receivedAt } of items) {
        const rowKey = Rows.event(event.id);
        byKey.set(rowKey, ['create', { partitionKey: pk, rowKey, payload, state: 'claimed', ...lease, receivedAt }]);
      }
      for (const item of items) {
        if (item.remember) for (const a of manifestRows(pk, item.event, item.receivedAt)) byKey.set(String(a[1].rowKey), a);
      }
      for (const a of tagWrites) byKey.set(String(a[1].rowKey), a);
      const actions = [...byKey.values()];
      const etags = new Map<string, string>();
      if (actions.length === 0) return etags;
      const res = await table.submitTransaction(actions);
      // A change set answers in the order it was sent (the sub-responses carry no usable row key).
      const byRow = new Map(actions.map((a, i) => [String(a[1].rowKey), res.subResponses[i]?.etag]));
      for (const { event } of items) {
        const etag = byRow.get(Rows.event(event.id));
        if (etag) etags.set(event.id, etag);
      }
      return etags;
    },

    /** The event row's fan-out state and ETag, or undefined when it is not there. */
    async readClaim(registry: string, eventId: string): Promise<ClaimRow | undefined> {
      const row = await unless404(
        table.getEntity(nameKey(registry), Rows.event(eventId), {
          queryOptions: { select: ['state', 'receivedAt', 'owner', 'leaseUntil', 'recorded'] },
        }),
      );
      return row === undefined ? undefined : claimEntity.parse(row);
    },

    /** Claims the event if its row still has `etag`: the new ETag, or undefined when another writer came first. */
    async takeClaim(registry: string, eventId: string, etag: string, lease: ClaimLease): Promise<string | undefined> {
      try {
        const res = await table.updateEntity(
          { partitionKey: nameKey(registry), rowKey: Rows.event(eventId), state: 'claimed', ...lease },
          'Merge',
          {
            etag,
          },
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
          partitionKey: nameKey(registry),
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
      const pk = nameKey(registry);
      const released = new Date(0).toISOString();
      await submitAll([
        claims.map(({ eventId, etag }): TransactionAction => [
          'update',
          { partitionKey: pk, rowKey: Rows.event(eventId), leaseUntil: released },
          'Merge',
          { etag },
        ]),
      ]);
    },

    /** Where tags point now, with their rows' ETags, keyed `repository:tag` (one query; none for no tags). */
    async readTags(
      registry: string,
      tags: readonly { repository: string; tag: string }[],
    ): Promise<Map<string, { digest: string | undefined; etag: string | undefined }>> {
      const out = new Map<string, { digest: string | undefined; etag: string | undefined }>();
      if (tags.length === 0) return out;
      const byRow = new Map(tags.map((t) => [Rows.tag(t.repository, t.tag), `${t.repository}:${t.tag}`]));
      const rows = [...byRow.keys()].map((k) => `RowKey eq ${odataString(k)}`).join(' or ');
      const filter = `PartitionKey eq ${odataString(nameKey(registry))} and (${rows})`;
      for await (const e of table.listEntities<{ digest?: unknown }>({ queryOptions: { filter } })) {
        const key = e.rowKey ? byRow.get(e.rowKey) : undefined;
        if (key) out.set(key, { digest: typeof e.digest === 'string' ? e.digest : undefined, etag: e.etag });
      }
      return out;
    },

    /** A tag row's write for acceptEvents: If-Match the ETag read (a moved tag fails the transaction, 412), or create (409). */
    tagWrite(
      registry: string,
      repository: string,
      tag: string,
      digest: string | undefined,
      etag: string | undefined,
      at: string,
    ): TransactionAction {
      const entity = { partitionKey: nameKey(registry), rowKey: Rows.tag(repository, tag), digest: digest ?? null, pushedAt: at };
      return etag ? ['update', entity, 'Replace', { etag }] : ['create', entity];
    },

    async getEvent(registry: string, eventId: string): Promise<StoredEvent | undefined> {
      const row = await unless404(table.getEntity(nameKey(registry), Rows.event(eventId)));
      if (row === undefined) return undefined;
      const entity = eventEntity.parse(row);
      return { event: acrEvent.parse(JSON.parse(entity.payload)), state: entity.state, receivedAt: entity.receivedAt };
    },

    /**
     * A fan-out's outcome: each claimed event's delivery records and its move to `fannedout`, conditional on
     * the claim's ETag, so an owner whose claim was taken over records nothing (the new owner sends what
     * was not recorded). Events with ≤ 99 records share transactions; a larger one is written 99 rows at a
     * time, each step advancing its row's `recorded` count under the ETag the step before returned.
     * Returns the ids of the events recorded; the others lost their claim.
     */
    async recordFanOut(registry: string, events: readonly FanOutRecord[]): Promise<Set<string>> {
      const pk = nameKey(registry);
      const done = new Set<string>();
      const mark = (e: FanOutRecord, state: 'claimed' | 'fannedout', count: number): TransactionAction => [
        'update',
        { partitionKey: pk, rowKey: Rows.event(e.eventId), state, recorded: e.recorded + count },
        'Merge',
        { etag: e.etag },
      ];
      const group = (e: FanOutRecord): TransactionAction[] => [
        ...e.records.map((r) => upsertDelivery(pk, r)),
        mark(e, 'fannedout', e.records.length),
      ];
      const small = events.filter((e) => e.records.length < 100);
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
      for (const e of events.filter((ev) => ev.records.length >= 100)) {
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
      }
      return done;
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
        const row = await unless404(table.getEntity<{ digest?: string }>(nameKey(registry), Rows.tag(repository, t)));
        if (row?.digest === digest) tags.push(t);
      }
      return { mediaType, tags };
    },

    async getDelivery(registry: string, rowKey: string): Promise<DeliveryRecord | undefined> {
      const row = await unless404(table.getEntity(nameKey(registry), rowKey));
      return row === undefined ? undefined : fromDeliveryEntity(row);
    },

    async putDelivery(registry: string, record: DeliveryRecord): Promise<void> {
      await table.upsertEntity(toDeliveryEntity(nameKey(registry), record), 'Replace');
    },

    /** Records of one registry, 100 a transaction: one storage call per hundred. */
    async putDeliveries(registry: string, records: readonly DeliveryRecord[]): Promise<void> {
      const pk = nameKey(registry);
      await submitAll(singly(records.map((r) => upsertDelivery(pk, r))));
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
        const status = statusOf(err);
        if (status !== 412 && status !== 404) throw err;
      }
      // One of them changed meanwhile (another recover, a retention purge): one by one, keeping the rest.
      const done: string[] = [];
      for (const r of rows) {
        try {
          await table.updateEntity(reset(r.rowKey), 'Merge', { etag: r.etag });
          done.push(r.rowKey);
        } catch (err) {
          const status = statusOf(err);
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
      await submitAll(singly(keys.map((rowKey): TransactionAction => ['delete', { partitionKey: pk, rowKey }])));
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
