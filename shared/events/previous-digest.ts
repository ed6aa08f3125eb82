import type { TableClient, TransactionAction } from '@azure/data-tables';
import { nameKey } from '../webhooks/names.js';
import { odataString } from '../storage/entity-fields.js';
import type { AcrEvent } from './acr-event.js';
import { Rows } from './event-store.js';

/*
 * Moved tags: a push of a tag that pointed at another digest before carries `target.previousDigest`.
 * The `tag|{repo}|{tag}` row says where a tag points now. The batcher reads the rows of a batch's tagged
 * pushes in one query, works through the batch in order (a tag pushed twice in one batch moves twice),
 * and writes the rows back in the batch's transaction with conditions: `update` If-Match the ETag it
 * read, `create` where there was none. A push of the same tag committed elsewhere in between fails the
 * transaction (412/409), and the batcher reads again: what an event says it moved from is what the
 * tag's row said at the moment the event's own write replaced it.
 */

interface TagState {
  readonly digest: string | undefined;
  readonly etag: string | undefined;
}

const pushedTag = (e: AcrEvent) => (e.action === 'push' && e.target.tag && e.target.digest ? e.target.tag : undefined);

/** One query for the batch's tag rows (1 storage call; none for a batch without tagged pushes). */
async function readTags(table: TableClient, registry: string, keys: readonly string[]): Promise<Map<string, TagState>> {
  const state = new Map<string, TagState>();
  if (keys.length === 0) return state;
  const rows = keys.map((k) => `RowKey eq ${odataString(k)}`).join(' or ');
  const filter = `PartitionKey eq ${odataString(nameKey(registry))} and (${rows})`;
  for await (const e of table.listEntities<{ digest?: unknown }>({ queryOptions: { filter } })) {
    if (e.rowKey) state.set(e.rowKey, { digest: typeof e.digest === 'string' ? e.digest : undefined, etag: e.etag });
  }
  return state;
}

/**
 * The batch's events with `previousDigest` set where a tag moved, and the conditional writes of the tag
 * rows that must commit with them.
 */
export async function withPreviousDigests<T extends { readonly event: AcrEvent }>(
  table: TableClient,
  registry: string,
  items: readonly T[],
  now: string,
): Promise<{ items: T[]; actions: TransactionAction[] }> {
  const keys = [...new Set(items.flatMap((i) => (pushedTag(i.event) ? [Rows.tag(i.event.target.repository, pushedTag(i.event)!)] : [])))];
  const stored = await readTags(table, registry, keys);
  const current = new Map<string, string | undefined>([...stored].map(([k, v]) => [k, v.digest]));
  const out = items.map((item) => {
    const tag = pushedTag(item.event);
    if (!tag) return item;
    const key = Rows.tag(item.event.target.repository, tag);
    const before = current.get(key);
    current.set(key, item.event.target.digest);
    if (!before || before === item.event.target.digest) return item;
    return { ...item, event: { ...item.event, target: { ...item.event.target, previousDigest: before } } };
  });
  const pk = nameKey(registry);
  const actions = keys.map((rowKey): TransactionAction => {
    const entity = { partitionKey: pk, rowKey, digest: current.get(rowKey) ?? null, pushedAt: now };
    const etag = stored.get(rowKey)?.etag;
    return etag ? ['update', entity, 'Replace', { etag }] : ['create', entity];
  });
  return { items: out, actions };
}
