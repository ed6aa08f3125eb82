import { randomBytes } from 'node:crypto';
import { submitTransaction } from './table-batch.js';
import { z } from 'zod';
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { acrEvent, type AcrEvent } from '../events/acr-event.js';
import type { DeliveryRecord } from '../delivery/delivery-record.js';
import { packTransactions } from './transactions.js';
import { statusOf, unless404 } from './rest-errors.js';
import { Partitions, Rows } from './event-keys.js';
import { insertDelivery, upsertDelivery, type DeliveryWrite } from './delivery-entity.js';
import { byPartition, submitEach } from './table-ops.js';

/*
 * Claims: an event's `evt|` row in its shard of the `events` table (event-keys.ts), the dedupe by id and
 * its fan-out's state, claimed(owner, leaseUntil, recorded) → fannedout, moved only by ETag-conditional
 * writes (pipeline/claims.ts says why). A fan-out's outcome is written with its claim's last move.
 */

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
  /** Which recordFanOut call wrote `recorded` last: a random token of that call. */
  recordedBy: z.string().optional(),
  /** The event as JSON (what its deliveries' bodies are rendered again from). */
  payload: z.string().optional(),
  etag: z.string(),
});
/** An event row's fan-out state, as a claim sees it. */
type ClaimRow = z.infer<typeof claimEntity>;

/** Who claims the events a transaction accepts, and until when. */
interface ClaimLease {
  readonly owner: string;
  readonly leaseUntil: string;
}

/** A claimed event's outcome to record: its row's ETag, what earlier owners recorded, and its delivery records. */
interface FanOutRecord {
  readonly eventId: string;
  etag: string;
  readonly recorded: number;
  readonly records: readonly DeliveryRecord[];
}

/** An event being accepted: its JSON (serialised once), when it came, and whether its manifest is remembered. */
export interface AcceptedEvent {
  readonly event: AcrEvent;
  readonly payload: string;
  readonly receivedAt: string;
  readonly remember: boolean;
}

interface StoredEvent {
  readonly event: AcrEvent;
  readonly state: (typeof EVENT_STATES)[number];
  readonly receivedAt: string;
}

/** A claim to end or drop: the event and the ETag its row had when this process last wrote it. */
interface HeldClaim {
  readonly eventId: string;
  readonly etag: string;
}

export interface ClaimStore {
  /**
   * Accepts events: creates their rows (the dedupe by id), already claimed by `lease`, one transaction
   * per shard, the shards at once. A shard's transaction that meets an id accepted before (409) is
   * redone one event at a time. Returns each accepted event's row ETag, by event id (the ids missing
   * from it were there before: duplicates), and a shard's failure, if one failed.
   */
  acceptEvents(
    registry: string,
    items: readonly AcceptedEvent[],
    lease: ClaimLease,
  ): Promise<{ etags: Map<string, string>; failure: unknown }>;
  /** Removes accepted event rows again (each only if it still has the given ETag): a commit that failed before its memory was written. */
  dropEvents(registry: string, claims: readonly HeldClaim[]): Promise<void>;
  /** Replaces a claimed event's stored payload (its previousDigest was corrected), If-Match its claim: the new ETag. */
  rewritePayload(registry: string, eventId: string, payload: string, etag: string): Promise<string>;
  /** The event row's fan-out state, its event's JSON and its ETag, or undefined when it is not there. */
  readClaim(registry: string, eventId: string): Promise<ClaimRow | undefined>;
  /** Claims the event if its row still has `etag`: the new ETag, or undefined when another writer came first. */
  takeClaim(registry: string, eventId: string, etag: string, lease: ClaimLease): Promise<string | undefined>;
  /** Creates a lost event row already claimed: its ETag, or undefined when it exists. */
  createClaim(
    registry: string,
    item: { readonly event: AcrEvent; readonly receivedAt: string },
    lease: ClaimLease,
  ): Promise<string | undefined>;
  /** Ends claims at once (best effort; each only if its row still has the given ETag). */
  releaseClaims(registry: string, claims: readonly HeldClaim[]): Promise<void>;
  /** The event as accepted, or undefined. */
  getEvent(registry: string, eventId: string): Promise<StoredEvent | undefined>;
  /**
   * A fan-out's outcome: each claimed event's delivery records and its move to `fannedout`, conditional on
   * the claim's ETag, so an owner whose claim was taken over records nothing (the new owner sends what
   * was not recorded). An event's rows share its shard: events of one shard with ≤ 99 records share
   * transactions, the shards are written at once; a larger event is written 99 rows at a time, each step
   * advancing its row's `recorded` count under the ETag the step before returned. Returns the ids of the
   * events recorded; the others lost their claim. A write refused for a stale ETag whose row shows it
   * landed (`recordedBy` this call's own random token and `recorded` as written: a committed transaction
   * retried after its answer was lost) counts as recorded, so its follow-ups (retries) are not lost. The
   * token, not the owner: a claim taken over by the same process (its queue trigger after its dispatch's
   * lease ran out) has the same owner, and its records must not pass for this call's.
   */
  recordFanOut(registry: string, events: readonly FanOutRecord[]): Promise<Set<string>>;
}

export function makeClaimStore(table: TableClient): ClaimStore {
  const key = (registry: string, eventId: string) => ({ partitionKey: Partitions.event(registry, eventId), rowKey: Rows.event(eventId) });
  const readClaim = async (registry: string, eventId: string): Promise<ClaimRow | undefined> => {
    const row = await unless404(
      table.getEntity(Partitions.event(registry, eventId), Rows.event(eventId), {
        queryOptions: { select: ['state', 'receivedAt', 'owner', 'leaseUntil', 'recorded', 'recordedBy', 'payload'] },
      }),
    );
    return row === undefined ? undefined : claimEntity.parse(row);
  };

  return {
    async acceptEvents(registry, items, lease) {
      const etags = new Map<string, string>();
      const create = (item: AcceptedEvent): TransactionAction => [
        'create',
        { ...key(registry, item.event.id), payload: item.payload, state: 'claimed', ...lease, receivedAt: item.receivedAt },
      ];
      const shards = byPartition(items, (i) => Partitions.event(registry, i.event.id));
      const outcomes = await Promise.allSettled(
        [...shards.values()].map(async (list) => {
          try {
            const res = await submitTransaction(table, list.map(create));
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

    async dropEvents(registry, claims) {
      // One call each: a transaction's delete cannot carry an ETag.
      await Promise.all(
        claims.map(async ({ eventId, etag }) => {
          try {
            const { partitionKey, rowKey } = key(registry, eventId);
            await table.deleteEntity(partitionKey, rowKey, { etag });
          } catch (err) {
            const status = statusOf(err);
            if (status !== 404 && status !== 412) throw err;
          }
        }),
      );
    },

    async rewritePayload(registry, eventId, payload, etag) {
      const res = await table.updateEntity({ ...key(registry, eventId), payload }, 'Merge', { etag });
      return res.etag ?? etag;
    },

    readClaim,

    async takeClaim(registry, eventId, etag, lease) {
      try {
        const res = await table.updateEntity({ ...key(registry, eventId), state: 'claimed', ...lease }, 'Merge', { etag });
        return res.etag;
      } catch (err) {
        const status = statusOf(err);
        if (status === 412 || status === 404) return undefined;
        throw err;
      }
    },

    async createClaim(registry, item, lease) {
      try {
        const res = await table.createEntity({
          ...key(registry, item.event.id),
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

    async releaseClaims(registry, claims) {
      const released = new Date(0).toISOString();
      await submitEach(
        table,
        claims.map(({ eventId, etag }): TransactionAction => [
          'update',
          { ...key(registry, eventId), leaseUntil: released },
          'Merge',
          { etag },
        ]),
      );
    },

    async getEvent(registry, eventId) {
      const row = await unless404(table.getEntity(Partitions.event(registry, eventId), Rows.event(eventId)));
      if (row === undefined) return undefined;
      const entity = eventEntity.parse(row);
      return { event: acrEvent.parse(JSON.parse(entity.payload)), state: entity.state, receivedAt: entity.receivedAt };
    },

    async recordFanOut(registry, events) {
      const token = randomBytes(8).toString('hex');
      const done = new Set<string>();
      /** After a 412: the claim's ETag if this call's write of `recorded` rows did land, else undefined (taken over). */
      const landed = async (e: FanOutRecord, recorded: number): Promise<string | undefined> => {
        const row = await readClaim(registry, e.eventId);
        return row?.recordedBy === token && row.recorded === recorded ? row.etag : undefined;
      };
      const mark = (e: FanOutRecord, state: 'claimed' | 'fannedout', count: number): TransactionAction => [
        'update',
        { ...key(registry, e.eventId), state, recorded: e.recorded + count, recordedBy: token },
        'Merge',
        { etag: e.etag },
      ];
      // A fan-out's rows are new: it inserts them (one lookup each in the store, where an upsert costs two
      // and, on Azurite, ~40 % more CPU). A row that is there already (an earlier owner's, a retried call that
      // had committed) fails the insert with 409: that event is then written as before, by upserts.
      const group = (e: FanOutRecord, write: DeliveryWrite): TransactionAction[] => [
        ...e.records.map((r) => write(Partitions.event(registry, e.eventId), r)),
        mark(e, 'fannedout', e.records.length),
      ];
      const writeSmall = async (small: readonly FanOutRecord[]) => {
        for (const tx of packTransactions(small.map((e) => group(e, insertDelivery)))) {
          const inTx = small.filter((e) => tx.some((a) => a[1].rowKey === Rows.event(e.eventId)));
          try {
            await submitTransaction(table, tx);
            for (const e of inTx) done.add(e.eventId);
          } catch (err) {
            const status = statusOf(err);
            if (status !== 412 && status !== 409) throw err;
            // One stale claim or one row already there fails the whole transaction: each event on its own, by upserts.
            for (const e of inTx) {
              try {
                await submitTransaction(table, group(e, upsertDelivery));
                done.add(e.eventId);
              } catch (inner) {
                if (statusOf(inner) !== 412) throw inner;
                if (await landed(e, e.recorded + e.records.length)) done.add(e.eventId);
              }
            }
          }
        }
      };
      const writeLarge = async (e: FanOutRecord) => {
        const pk = Partitions.event(registry, e.eventId);
        const step = async (actions: TransactionAction[]) => {
          const res = await submitTransaction(table, actions);
          e.etag = res.subResponses[actions.length - 1]?.etag ?? e.etag;
        };
        try {
          for (let i = 0; i < e.records.length; i += 99) {
            const chunk = e.records.slice(i, i + 99);
            const last = i + 99 >= e.records.length;
            const actions = (write: DeliveryWrite) => [
              ...chunk.map((r) => write(pk, r)),
              mark(e, last ? 'fannedout' : 'claimed', i + chunk.length),
            ];
            try {
              await step(actions(insertDelivery));
            } catch (err) {
              if (statusOf(err) !== 409) throw err;
              try {
                await step(actions(upsertDelivery));
              } catch (inner) {
                if (statusOf(inner) !== 412) throw inner;
                const etag = await landed(e, e.recorded + i + chunk.length);
                if (!etag) throw inner;
                e.etag = etag;
              }
            }
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
  };
}
