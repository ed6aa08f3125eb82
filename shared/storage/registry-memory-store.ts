import { submitTransaction } from './table-batch.js';
import type { TableClient, TransactionAction } from '@azure/data-tables';
import type { AcrEvent } from '../events/acr-event.js';
import { unless404 } from './rest-errors.js';
import { packTransactions } from './transactions.js';
import { Partitions, Rows } from './event-keys.js';
import { rangeFilter } from './table-ops.js';

/*
 * What a registry remembers across events, in its own partition of the `events` table (event-keys.ts):
 * manifests a push named (`man|`, so a delete of a digest never pushed is known as a blob's) and where
 * each tag points now (`tag|`, so a push that moves a tag reports its previous digest).
 */

/** An event being remembered: a push, when it came, and whether its manifest is remembered. */
interface RememberedEvent {
  readonly event: AcrEvent;
  readonly receivedAt: string;
  readonly remember: boolean;
}

interface ManifestInfo {
  readonly mediaType: string | undefined;
  readonly tags: readonly string[];
}

/** A tag's row as read: the digest it points at and the row's ETag. */
interface TagRow {
  readonly digest: string | undefined;
  readonly etag: string | undefined;
}

export interface RegistryMemoryStore {
  /**
   * What the registry remembers of a batch's pushes (manifest rows, and the tag rows' conditional writes
   * from `tagWrite`), in the registry's partition: one transaction for up to 100 rows. A tag write that
   * loses a race fails it (412, 409), and the batch reads the tags again. Returns the new ETags, by row key.
   */
  remember(registry: string, items: readonly RememberedEvent[], tagWrites?: readonly TransactionAction[]): Promise<Map<string, string>>;
  /**
   * Where tags point now, with their rows' ETags, keyed `repository:tag`: one point read per tag, at
   * once (the cheapest read Table Storage has; a query OR-ing row keys would scan the partition).
   */
  readTags(registry: string, tags: readonly { repository: string; tag: string }[]): Promise<Map<string, TagRow>>;
  /** A tag row's write for `remember`: If-Match the ETag read (a moved tag fails the transaction, 412), or create (409). */
  tagWrite(
    registry: string,
    repository: string,
    tag: string,
    digest: string | undefined,
    etag: string | undefined,
    at: string,
  ): TransactionAction;
  /** What the registry remembers of a pushed manifest, or undefined if it never saw it pushed. */
  manifest(registry: string, repository: string, digest: string): Promise<ManifestInfo | undefined>;
}

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

export function makeRegistryMemoryStore(table: TableClient): RegistryMemoryStore {
  return {
    async remember(registry, items, tagWrites = []) {
      const pk = Partitions.registry(registry);
      const byKey = new Map<string, TransactionAction>();
      for (const item of items) {
        if (item.remember) for (const a of manifestRows(pk, item.event, item.receivedAt)) byKey.set(String(a[1].rowKey), a);
      }
      for (const a of tagWrites) byKey.set(String(a[1].rowKey), a);
      const etags = new Map<string, string>();
      const actions = [...byKey.values()];
      for (const tx of packTransactions([actions])) {
        const res = await submitTransaction(table, tx);
        // A change set answers in the order it was sent (the sub-responses carry no usable row key).
        tx.forEach((a, i) => {
          const etag = res.subResponses[i]?.etag;
          if (etag) etags.set(String(a[1].rowKey), etag);
        });
      }
      return etags;
    },

    async readTags(registry, tags) {
      const out = new Map<string, TagRow>();
      const byRow = new Map(tags.map((t) => [Rows.tag(t.repository, t.tag), `${t.repository}:${t.tag}`]));
      await Promise.all(
        [...byRow].map(async ([rowKey, key]) => {
          const e = await unless404(table.getEntity<{ digest?: unknown }>(Partitions.registry(registry), rowKey));
          if (e) out.set(key, { digest: typeof e.digest === 'string' ? e.digest : undefined, etag: e.etag });
        }),
      );
      return out;
    },

    tagWrite(registry, repository, tag, digest, etag, at) {
      const entity = {
        partitionKey: Partitions.registry(registry),
        rowKey: Rows.tag(repository, tag),
        digest: digest ?? null,
        pushedAt: at,
      };
      return etag ? ['update', entity, 'Replace', { etag }] : ['create', entity];
    },

    async manifest(registry, repository, digest) {
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
  };
}
