import type { TransactionAction } from '@azure/data-tables';
import type { AcrEvent } from '../events/acr-event.js';
import type { EventStore } from '../storage/event-store.js';

/*
 * Moved tags: a push of a tag that pointed at another digest before carries `target.previousDigest`.
 * The `tag|{repo}|{tag}` row says where a tag points now. The batcher reads the rows of a batch's tagged
 * pushes in one query, works through the batch in order (a tag pushed twice in one batch moves twice),
 * and writes the rows back in the batch's transaction with conditions: `update` If-Match the ETag it
 * read, `create` where there was none. A push of the same tag committed elsewhere in between fails the
 * transaction (412/409), and the batcher reads again: what an event says it moved from is what the
 * tag's row said at the moment the event's own write replaced it.
 */

const pushedTag = (e: AcrEvent) => (e.action === 'push' && e.target.tag && e.target.digest ? e.target.tag : undefined);

/**
 * The batch's events with `previousDigest` set where a tag moved, and the conditional writes of the tag
 * rows that must commit with them (1 storage call, none for a batch without tagged pushes).
 */
export async function withPreviousDigests<T extends { readonly event: AcrEvent }>(
  events: Pick<EventStore, 'readTags' | 'tagWrite'>,
  registry: string,
  items: readonly T[],
  now: string,
): Promise<{ items: T[]; actions: TransactionAction[] }> {
  const tags = items.flatMap((i) => {
    const tag = pushedTag(i.event);
    return tag ? [{ repository: i.event.target.repository, tag }] : [];
  });
  const stored = await events.readTags(registry, tags);
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
    events.tagWrite(registry, t.repository, t.tag, current.get(key), stored.get(key)?.etag, now),
  );
  return { items: out, actions };
}
