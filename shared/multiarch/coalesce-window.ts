import type { WaitingChild, HoldKey, HoldStore } from '../storage/hold-store.js';

/*
 * The hold window of coalesced webhooks. A multi-arch push arrives child manifests first (by digest,
 * no tag), then the index by tag; a coalesced webhook wants only the index. So a tagless manifest push
 * is held for those webhooks until an index adopts it (lists it as a child) or MULTI_ARCH_WINDOW_SECONDS pass, whichever is
 * first; then it is delivered on its own (nothing is dropped). Rows, in the `events` table, the
 * registry's partition (their keys and reads are storage/hold-store.ts's):
 *
 *   hold|{repo}|{childDigest}|{eventId}   a held child push: `receivedAt`, the coalesced `webhooks` it
 *                                         waits for, `state` held → released (the window ran out)
 *   claim|{repo}|{childDigest}            the parent index: an index listed this child (the `claim|` prefix is
 *                                         the rows' older name, kept so existing rows are found): `indexDigest`, `indexReceivedAt`
 *
 * Claiming and releasing race, so both move the hold row by conditional writes on its ETag: an index
 * adopts by deleting the row (If-Match), the window's end releases by updating it to `released`
 * (If-Match); exactly one wins. The child and its index can also be fanned out in either order on
 * different workers: the child writes its hold row, then reads the parent-index row; the index writes its
 * parent-index rows, then reads the hold rows. Whichever writes second sees the other's row, so a child is
 * never left held while its index went by. "Within the window" compares ingest times, not processing
 * times, so a backed-up queue does not change what belongs together.
 */

/**
 * Whether two ingest times are within the window of each other (the pure rule both sides apply).
 * @internal
 */
export function withinWindow(aIso: string, bIso: string, windowMs: number): boolean {
  return Math.abs(Date.parse(aIso) - Date.parse(bIso)) <= windowMs;
}

/** What became of a child push offered to the window. */
type HoldOutcome = 'waiting' | 'adopted';
/** What the window's end finds: deliver the child on its own, or nothing to do (an index adopted it). */
type ReleaseOutcome = 'release' | 'adopted';

export function makeCoalesceWindow(holds: HoldStore, windowMs: number) {
  return {
    /**
     * Holds a tagless child push: 2 storage calls (create the hold row, read the parent-index row), a third
     * when an index had already adopted the digest (the conditional delete). 'waiting': the caller
     * schedules the window's end; 'adopted': an index within the window lists it, deliver nothing.
     */
    async hold(registry: string, child: WaitingChild): Promise<HoldOutcome> {
      // A row there already: this fan-out ran before (a retried message); the row decides below.
      await holds.putHold(registry, child);
      const parent = await holds.readParentIndex(registry, child.repository, child.digest);
      // Not adopted (yet): the window's end decides. An index that takes the row meanwhile leaves the
      // window's end nothing to do.
      if (!parent || !withinWindow(parent.indexReceivedAt, child.receivedAt, windowMs)) return 'waiting';
      const row = await holds.readHold(registry, child);
      if (!row) return 'adopted';
      if (row.state === 'released') return 'waiting';
      await holds.takeHold(registry, row.rowKey, row.etag);
      return 'adopted';
    },

    /**
     * An index adopts its children: 1 transaction for the parent-index rows, 1 query for the repository's held
     * pushes, then 1 conditional delete per held child push of this index within the window. Returns
     * the event ids it took (the pushes that will never be delivered on their own).
     */
    async adopt(
      registry: string,
      repository: string,
      index: { readonly digest: string; readonly receivedAt: string },
      childDigests: readonly string[],
    ): Promise<string[]> {
      const digests = [...new Set(childDigests)];
      if (digests.length === 0) return [];
      await holds.putParentIndex(registry, repository, index, digests);
      const wanted = new Set(digests);
      const taken: string[] = [];
      for (const row of await holds.listWaiting(registry, repository)) {
        if (!wanted.has(row.digest) || !withinWindow(row.receivedAt, index.receivedAt, windowMs)) continue;
        if (await holds.takeHold(registry, row.rowKey, row.etag)) taken.push(row.eventId);
      }
      return taken;
    },

    /**
     * The window's end for one waiting push: 1 read, plus 1 conditional update when it is still waiting.
     * 'release': deliver it on its own (also when a previous attempt released it and did not finish);
     * 'adopted': an index took it.
     */
    async release(registry: string, child: HoldKey): Promise<ReleaseOutcome> {
      for (;;) {
        const row = await holds.readHold(registry, child);
        if (!row) return 'adopted';
        if (row.state === 'released') return 'release';
        if (await holds.releaseHold(registry, child, row.etag)) return 'release';
      }
    },

    /** Removes a released push's hold row once its delivery records are written (1 call; gone already is fine). */
    async done(registry: string, child: HoldKey): Promise<void> {
      await holds.deleteHold(registry, child);
    },
  };
}

export type CoalesceWindow = ReturnType<typeof makeCoalesceWindow>;
