import type { TableClient } from '@azure/data-tables';
import { odataString } from './entity-fields.js';
import { statusOf } from './rest-errors.js';
import { SHARDED_ROWS, shardOfRow } from './event-keys.js';

/*
 * The one-off move of rows written before the shards existed: `evt|` and `del|` rows that an earlier
 * layout kept in PartitionKey {registry} go to their shard ({registry}|{shard}, event-keys.ts), so every
 * read path knows one layout. Run by `npm run migrate` (local/migrate.ts) against AzureWebJobsStorage,
 * and by every `npm start` before it serves.
 *
 * Each row moves by conditional writes, so a run may be repeated, interrupted or run twice at once: the
 * shard's copy is created only if none is there (409: one is, from an earlier run or written since, and
 * it wins), then the old row is deleted If-Match the ETag it was read with (412: changed meanwhile, so it
 * is left for the next run; 404: another run moved it).
 */

/** A PartitionKey of the layout before the shards: a registry's name alone (names never contain '|'). */
const isRegistryPartition = (pk: string) => !pk.includes('|');

/** Moves every pre-shard `evt|` and `del|` row to its shard. Returns how many rows it moved. */
export async function migrateLegacyRows(table: TableClient): Promise<number> {
  const filter = SHARDED_ROWS.map((k) => `(RowKey ge ${odataString(k.from)} and RowKey lt ${odataString(k.to)})`).join(' or ');
  let moved = 0;
  for await (const row of table.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
    const { partitionKey, rowKey, etag, timestamp: _timestamp, ...fields } = row;
    if (!partitionKey || !rowKey || !isRegistryPartition(partitionKey)) continue;
    try {
      await table.createEntity({ ...fields, partitionKey: shardOfRow(partitionKey, rowKey), rowKey });
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
    }
    try {
      await table.deleteEntity(partitionKey, rowKey, { etag });
      moved++;
    } catch (err) {
      const status = statusOf(err);
      if (status !== 404 && status !== 412) throw err;
    }
  }
  return moved;
}
