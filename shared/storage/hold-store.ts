import { submitTransaction } from './table-batch.js';
import { z } from 'zod';
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { jsonField } from './entity-fields.js';
import { statusOf } from './rest-errors.js';
import { Partitions, Rows } from './event-keys.js';
import { rangeFilter } from './table-ops.js';

/*
 * The multi-arch hold window's rows, in the registry's partition of the `events` table (event-keys.ts):
 * `hold|{repo}|{digest}|{eventId}` a held child push, `claim|{repo}|{digest}` the index that listed a
 * child. The rules that move them (who wins a race, what "within the window" means) are
 * multiarch/coalesce-window.ts's; this module only reads and writes the rows, each move conditional.
 */

const holdEntity = z.object({
  etag: z.string(),
  rowKey: z.string(),
  digest: z.string(),
  eventId: z.string(),
  receivedAt: z.string(),
  // Stored as 'held' (the rows' older word; a waiting push), 'released' once its window ran out.
  state: z.enum(['held', 'released']),
  webhooks: jsonField(z.array(z.string())),
});
/** A hold row as read, with its ETag. */
type HoldRow = z.infer<typeof holdEntity>;

const parentIndexEntity = z.object({ indexDigest: z.string(), indexReceivedAt: z.string() });
/** The index that listed a child manifest, and when it was ingested. */
type ParentIndex = z.infer<typeof parentIndexEntity>;

/** A child push waiting for its index, as the hold window knows it. */
export interface WaitingChild {
  readonly repository: string;
  readonly digest: string;
  readonly eventId: string;
  readonly receivedAt: string;
  /** The coalesced webhooks (names) the push is held for. */
  readonly webhooks: readonly string[];
}

/** Which hold row: a child push of a repository. */
export type HoldKey = Pick<WaitingChild, 'repository' | 'digest' | 'eventId'>;

export interface HoldStore {
  /** Creates the hold row of a child push (`held`); one there already (a retried fan-out) is left as it is. */
  putHold(registry: string, child: WaitingChild): Promise<void>;
  readHold(registry: string, child: HoldKey): Promise<HoldRow | undefined>;
  /** The waiting (not released) rows of a repository. */
  listWaiting(registry: string, repository: string): Promise<HoldRow[]>;
  /** Deletes a hold row If-Match `etag`: true when this caller took it, false when another writer came first. */
  takeHold(registry: string, rowKey: string, etag: string): Promise<boolean>;
  /** Marks a hold row `released` If-Match `etag`: false when another writer came first. */
  releaseHold(registry: string, child: HoldKey, etag: string): Promise<boolean>;
  /** Removes a hold row (1 call; gone already is fine). */
  deleteHold(registry: string, child: HoldKey): Promise<void>;
  /** Records that an index lists these children: 1 transaction per 100. */
  putParentIndex(
    registry: string,
    repository: string,
    index: { readonly digest: string; readonly receivedAt: string },
    digests: readonly string[],
  ): Promise<void>;
  readParentIndex(registry: string, repository: string, digest: string): Promise<ParentIndex | undefined>;
}

export function makeHoldStore(table: TableClient): HoldStore {
  const pk = Partitions.registry;
  /** A conditional write that lost its race (the row changed or went) is `false`; other errors throw. */
  const won = async (write: Promise<unknown>): Promise<boolean> => {
    try {
      await write;
      return true;
    } catch (err) {
      const status = statusOf(err);
      if (status === 404 || status === 412) return false;
      throw err;
    }
  };
  const readOr404 = async <T>(schema: z.ZodType<T>, registry: string, rowKey: string): Promise<T | undefined> => {
    try {
      return schema.parse(await table.getEntity(pk(registry), rowKey));
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  };
  return {
    async putHold(registry, child) {
      try {
        await table.createEntity({
          partitionKey: pk(registry),
          rowKey: Rows.hold(child.repository, child.digest, child.eventId),
          digest: child.digest,
          eventId: child.eventId,
          receivedAt: child.receivedAt,
          state: 'held',
          webhooks: JSON.stringify(child.webhooks),
        });
      } catch (err) {
        if (statusOf(err) !== 409) throw err;
      }
    },

    readHold: (registry, child) => readOr404(holdEntity, registry, Rows.hold(child.repository, child.digest, child.eventId)),

    async listWaiting(registry, repository) {
      const [from, to] = Rows.holdRange(repository);
      const out: HoldRow[] = [];
      const filter = `${rangeFilter(pk(registry), from, to)} and state eq 'held'`;
      for await (const e of table.listEntities({ queryOptions: { filter } })) {
        const row = holdEntity.safeParse(e);
        if (row.success) out.push(row.data);
      }
      return out;
    },

    takeHold: (registry, rowKey, etag) => won(table.deleteEntity(pk(registry), rowKey, { etag })),

    releaseHold: (registry, child, etag) =>
      won(
        table.updateEntity(
          { partitionKey: pk(registry), rowKey: Rows.hold(child.repository, child.digest, child.eventId), state: 'released' },
          'Merge',
          { etag },
        ),
      ),

    async deleteHold(registry, child) {
      try {
        await table.deleteEntity(pk(registry), Rows.hold(child.repository, child.digest, child.eventId));
      } catch (err) {
        if (statusOf(err) !== 404) throw err;
      }
    },

    async putParentIndex(registry, repository, index, digests) {
      for (let i = 0; i < digests.length; i += 100) {
        await submitTransaction(
          table,
          digests.slice(i, i + 100).map((d): TransactionAction => [
            'upsert',
            {
              partitionKey: pk(registry),
              rowKey: Rows.parentIndex(repository, d),
              indexDigest: index.digest,
              indexReceivedAt: index.receivedAt,
            },
            'Replace',
          ]),
        );
      }
    },

    readParentIndex: (registry, repository, digest) => readOr404(parentIndexEntity, registry, Rows.parentIndex(repository, digest)),
  };
}
