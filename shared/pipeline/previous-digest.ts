import type { TransactionAction } from '@azure/data-tables';
import type { AcrEvent } from '../events/acr-event.js';
import type { RegistryMemoryStore } from '../storage/registry-memory-store.js';

/*
 * Moved tags: a push of a tag that pointed at another digest before carries `target.previousDigest`.
 * The `tag|{repo}|{tag}` row says where a tag points now. The batcher takes the rows of a batch's tagged
 * pushes (from what it wrote last, or read), works through the batch in order (a tag pushed twice in one
 * batch moves twice), and writes the rows back in one transaction with conditions: `update` If-Match the
 * ETag known, `create` where there was none. A push of the same tag committed elsewhere in between, or a
 * stale guess, fails the transaction (412/409), and the batcher reads the rows: what an event says it
 * moved from is what the tag's row said at the moment the event's own write replaced it.
 */

const pushedTag = (e: AcrEvent) => (e.action === 'push' && e.target.tag && e.target.digest ? e.target.tag : undefined);

type TagRow = { readonly digest: string | undefined; readonly etag: string | undefined };

/**
 * What this process last wrote to tag rows (their digest and ETag), so a push of a new tag, or of a tag
 * this process wrote last, needs no read first: the write's condition (create, or If-Match the ETag
 * known) still decides, and a stale guess only fails the write, which then reads (see the batcher).
 * Bounded: the oldest entries go first.
 */
export function makeTagCache(limit = 10_000) {
  const rows = new Map<string, TagRow>();
  const key = (registry: string, tagKey: string) => `${registry}\n${tagKey}`;
  return {
    get: (registry: string, tagKey: string): TagRow | undefined => rows.get(key(registry, tagKey)),
    set(registry: string, tagKey: string, row: TagRow): void {
      rows.delete(key(registry, tagKey));
      rows.set(key(registry, tagKey), row);
      if (rows.size > limit) rows.delete(rows.keys().next().value!);
    },
    forget(registry: string, tagKeys: Iterable<string>): void {
      for (const k of tagKeys) rows.delete(key(registry, k));
    },
  };
}
export type TagCache = ReturnType<typeof makeTagCache>;

/** A tag row this batch writes: its cache key, row key and the digest it will hold. */
export interface TagWritten {
  readonly tagKey: string;
  readonly rowKey: string;
  readonly digest: string | undefined;
}

/**
 * The batch's events with `previousDigest` set where a tag moved, and the conditional writes of the tag
 * rows that must commit for them. `from` says where the tags' current state comes from: 'read' reads
 * the rows (one point read each, at once); a cache guesses without a call (a tag it does not know is
 * taken to be new, and written with `create`).
 */
export async function withPreviousDigests<T extends { readonly event: AcrEvent }>(
  memory: Pick<RegistryMemoryStore, 'readTags' | 'tagWrite'>,
  registry: string,
  items: readonly T[],
  now: string,
  from: 'read' | TagCache,
): Promise<{ items: T[]; actions: TransactionAction[]; written: TagWritten[] }> {
  const tags = items.flatMap((i) => {
    const tag = pushedTag(i.event);
    return tag ? [{ repository: i.event.target.repository, tag }] : [];
  });
  const stored =
    from === 'read'
      ? await memory.readTags(registry, tags)
      : new Map(
          tags.flatMap((t): [string, TagRow][] => {
            const row = from.get(registry, `${t.repository}:${t.tag}`);
            return row ? [[`${t.repository}:${t.tag}`, row]] : [];
          }),
        );
  const current = new Map<string, string | undefined>([...stored].map(([k, v]) => [k, v.digest]));
  const touched = new Map<string, { repository: string; tag: string }>();
  const out = items.map((item) => {
    const tag = pushedTag(item.event);
    if (!tag) return item;
    const key = `${item.event.target.repository}:${tag}`;
    touched.set(key, { repository: item.event.target.repository, tag });
    const before = current.get(key);
    current.set(key, item.event.target.digest);
    if (!before || before === item.event.target.digest) return item;
    return { ...item, event: { ...item.event, target: { ...item.event.target, previousDigest: before } } };
  });
  const actions = [...touched].map(([key, t]) =>
    memory.tagWrite(registry, t.repository, t.tag, current.get(key), stored.get(key)?.etag, now),
  );
  const written = [...touched].map(([key], i) => ({ tagKey: key, rowKey: String(actions[i]![1].rowKey), digest: current.get(key) }));
  return { items: out, actions, written };
}
