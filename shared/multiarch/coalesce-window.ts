import type { TableClient, TransactionAction } from '@azure/data-tables';
import { z } from 'zod';
import { nameKey } from '../storage/key-part.js';
import { statusOf as storageStatus } from '../storage/rest-errors.js';
import { jsonField, odataString } from '../storage/entity-fields.js';
import { keyPart } from '../storage/key-part.js';

/*
 * The hold window of coalesced webhooks. A multi-arch push arrives child manifests first (by digest,
 * no tag), then the index by tag; a coalesced webhook wants only the index. So a tagless manifest push
 * is held for those webhooks until an index claims it or MULTI_ARCH_WINDOW_SECONDS pass, whichever is
 * first; then it is delivered on its own (nothing is dropped). Rows, in the `events` table, the
 * registry's partition:
 *
 *   hold|{repo}|{childDigest}|{eventId}   a held child push: `receivedAt`, the coalesced `webhooks` it
 *                                         waits for, `state` held → released (the window ran out)
 *   claim|{repo}|{childDigest}            an index listed this child: `indexDigest`, `indexReceivedAt`
 *
 * Claiming and releasing race, so both move the hold row by conditional writes on its ETag: an index
 * claims by deleting the row (If-Match), the window's end releases by updating it to `released`
 * (If-Match); exactly one wins. The child and its index can also be fanned out in either order on
 * different workers: the child writes its hold row, then reads the claim row; the index writes its
 * claim rows, then reads the hold rows. Whichever writes second sees the other's row, so a child is
 * never left held while its index went by. "Within the window" compares ingest times, not processing
 * times, so a backed-up queue does not change what belongs together.
 */

// Parts from events go through the one key encoding (storage/key-part.ts), as in the event store.
/** @internal */
export const HoldRows = {
  hold: (repository: string, digest: string, eventId: string) =>
    `hold|${keyPart(repository, 300)}|${keyPart(digest, 200)}|${keyPart(eventId)}`,
  holdRange: (repository: string) => [`hold|${keyPart(repository, 300)}|`, `hold|${keyPart(repository, 300)}}`] as const,
  claim: (repository: string, digest: string) => `claim|${keyPart(repository, 300)}|${keyPart(digest, 200)}`,
};

const holdEntity = z.object({
  etag: z.string(),
  rowKey: z.string(),
  digest: z.string(),
  eventId: z.string(),
  receivedAt: z.string(),
  state: z.enum(['held', 'released']),
  webhooks: jsonField(z.array(z.string())),
});
const claimEntity = z.object({ indexDigest: z.string(), indexReceivedAt: z.string() });

/**
 * Whether two ingest times are within the window of each other (the pure rule both sides apply).
 * @internal
 */
export function withinWindow(aIso: string, bIso: string, windowMs: number): boolean {
  return Math.abs(Date.parse(aIso) - Date.parse(bIso)) <= windowMs;
}

export interface HeldChild {
  readonly repository: string;
  readonly digest: string;
  readonly eventId: string;
  readonly receivedAt: string;
  /** The coalesced webhooks (names) the push is held for. */
  readonly webhooks: readonly string[];
}

/** What became of a child push offered to the window. */
type HoldOutcome = 'held' | 'claimed';
/** What the window's end finds: deliver the child on its own, or nothing to do (an index claimed it). */
type ReleaseOutcome = 'release' | 'claimed';

export function makeCoalesceWindow(table: TableClient, windowMs: number) {
  async function getHold(pk: string, rowKey: string) {
    try {
      return holdEntity.parse(await table.getEntity(pk, rowKey));
    } catch (err) {
      if (storageStatus(err) === 404) return undefined;
      throw err;
    }
  }

  /** Conditional delete of a hold row: true when this caller took it (claimed it). */
  async function take(pk: string, rowKey: string, etag: string): Promise<boolean> {
    try {
      await table.deleteEntity(pk, rowKey, { etag });
      return true;
    } catch (err) {
      const status = storageStatus(err);
      if (status === 404 || status === 412) return false;
      throw err;
    }
  }

  return {
    /**
     * Holds a tagless child push: 2 storage calls (create the hold row, read the claim row), a third
     * when an index had already claimed the digest (the conditional delete). 'held': the caller
     * schedules the window's end; 'claimed': an index within the window lists it, deliver nothing.
     */
    async hold(registry: string, child: HeldChild): Promise<HoldOutcome> {
      const pk = nameKey(registry);
      const rowKey = HoldRows.hold(child.repository, child.digest, child.eventId);
      try {
        await table.createEntity({
          partitionKey: pk,
          rowKey,
          digest: child.digest,
          eventId: child.eventId,
          receivedAt: child.receivedAt,
          state: 'held',
          webhooks: JSON.stringify(child.webhooks),
        });
      } catch (err) {
        // 409: this fan-out ran before (a retried message); the row decides below.
        if (storageStatus(err) !== 409) throw err;
      }
      let claim: z.infer<typeof claimEntity> | undefined;
      try {
        claim = claimEntity.parse(await table.getEntity(pk, HoldRows.claim(child.repository, child.digest)));
      } catch (err) {
        if (storageStatus(err) !== 404) throw err;
      }
      // Not claimed (yet): the window's end decides. An index that takes the row meanwhile leaves the
      // window's end nothing to do.
      if (!claim || !withinWindow(claim.indexReceivedAt, child.receivedAt, windowMs)) return 'held';
      const row = await getHold(pk, rowKey);
      if (!row) return 'claimed';
      if (row.state === 'released') return 'held';
      await take(pk, rowKey, row.etag);
      return 'claimed';
    },

    /**
     * An index claims its children: 1 transaction for the claim rows, 1 query for the repository's held
     * pushes, then 1 conditional delete per held child push of this index within the window. Returns
     * the event ids it took (the pushes that will never be delivered on their own).
     */
    async claim(
      registry: string,
      repository: string,
      index: { readonly digest: string; readonly receivedAt: string },
      childDigests: readonly string[],
    ): Promise<string[]> {
      const pk = nameKey(registry);
      const digests = [...new Set(childDigests)];
      if (digests.length === 0) return [];
      for (let i = 0; i < digests.length; i += 100) {
        await table.submitTransaction(
          digests
            .slice(i, i + 100)
            .map((d): TransactionAction => [
              'upsert',
              { partitionKey: pk, rowKey: HoldRows.claim(repository, d), indexDigest: index.digest, indexReceivedAt: index.receivedAt },
              'Replace',
            ]),
        );
      }
      const [from, to] = HoldRows.holdRange(repository);
      const wanted = new Set(digests);
      const taken: string[] = [];
      const filter = `PartitionKey eq ${odataString(pk)} and RowKey ge ${odataString(from)} and RowKey lt ${odataString(to)} and state eq 'held'`;
      for await (const e of table.listEntities({ queryOptions: { filter } })) {
        const row = holdEntity.safeParse(e);
        if (!row.success || !wanted.has(row.data.digest) || !withinWindow(row.data.receivedAt, index.receivedAt, windowMs)) continue;
        if (await take(pk, row.data.rowKey, row.data.etag)) taken.push(row.data.eventId);
      }
      return taken;
    },

    /**
     * The window's end for one held push: 1 read, plus 1 conditional update when it is still held.
     * 'release': deliver it on its own (also when a previous attempt released it and did not finish);
     * 'claimed': an index took it.
     */
    async release(registry: string, child: Pick<HeldChild, 'repository' | 'digest' | 'eventId'>): Promise<ReleaseOutcome> {
      const pk = nameKey(registry);
      const rowKey = HoldRows.hold(child.repository, child.digest, child.eventId);
      for (;;) {
        const row = await getHold(pk, rowKey);
        if (!row) return 'claimed';
        if (row.state === 'released') return 'release';
        try {
          await table.updateEntity({ partitionKey: pk, rowKey, state: 'released' }, 'Merge', { etag: row.etag });
          return 'release';
        } catch (err) {
          const status = storageStatus(err);
          if (status !== 412 && status !== 404) throw err;
        }
      }
    },

    /** The hold row's removal, written in the same transaction as the released push's delivery records. */
    doneAction(registry: string, child: Pick<HeldChild, 'repository' | 'digest' | 'eventId'>): TransactionAction {
      return ['delete', { partitionKey: nameKey(registry), rowKey: HoldRows.hold(child.repository, child.digest, child.eventId) }];
    },

    /** Removes a released push's hold row once its delivery records are written (1 call; gone already is fine). */
    async done(registry: string, child: Pick<HeldChild, 'repository' | 'digest' | 'eventId'>): Promise<void> {
      try {
        await table.deleteEntity(nameKey(registry), HoldRows.hold(child.repository, child.digest, child.eventId));
      } catch (err) {
        if (storageStatus(err) !== 404) throw err;
      }
    },
  };
}

export type CoalesceWindow = ReturnType<typeof makeCoalesceWindow>;
