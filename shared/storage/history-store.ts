import type { TableClient, TransactionAction } from '@azure/data-tables';
import { HISTORY_ROWS } from './event-keys.js';
import { odataString } from './entity-fields.js';
import { byPartition, submitAll } from './table-ops.js';
import { singly } from './transactions.js';

/*
 * History retention's rows in the `events` table: every row kind that is history (HISTORY_ROWS in
 * event-keys.ts: deliveries, accepted events, hold windows and the index claims) dated before a cutoff
 * (an event's row an hour later: its deliveries may render their bodies from it), in every partition of
 * every registry. Table Storage has no TTL, so this scans by RowKey range and deletes 100 rows per
 * transaction per partition.
 */

export interface HistoryStore {
  /** Deletes the history rows dated before `cutoff`. Returns how many rows went. */
  purgeHistory(cutoff: Date): Promise<number>;
}

export function makeHistoryStore(table: TableClient): HistoryStore {
  return {
    async purgeHistory(cutoff) {
      let deleted = 0;
      for (const kind of HISTORY_ROWS) {
        const before = odataString(new Date(cutoff.getTime() - kind.graceMs).toISOString());
        const filter = `RowKey ge ${odataString(kind.from)} and RowKey lt ${odataString(kind.to)} and ${kind.field} lt ${before}`;
        const rows: TransactionAction[] = [];
        for await (const e of table.listEntities({ queryOptions: { filter, select: ['PartitionKey', 'RowKey'] } })) {
          if (e.partitionKey && e.rowKey) rows.push(['delete', { partitionKey: e.partitionKey, rowKey: e.rowKey }]);
        }
        for (const actions of byPartition(rows, (a) => String(a[1].partitionKey)).values()) {
          await submitAll(table, singly(actions));
          deleted += actions.length;
        }
      }
      return deleted;
    },
  };
}
