import type { TableClient, TransactionAction } from '@azure/data-tables';
import { z } from 'zod';
import { HISTORY_ROWS, receivedMsOf } from './event-keys.js';
import { odataString } from './entity-fields.js';
import { statusOf } from './rest-errors.js';
import { byPartition, submitAll } from './table-ops.js';
import { singly } from './transactions.js';

/*
 * History retention's rows in the `events` table: every row kind that is history (HISTORY_ROWS in
 * event-keys.ts: deliveries, accepted events, hold windows and the index claims) dated before a cutoff
 * (an event's row an hour later: its deliveries may render their bodies from it), in every partition of
 * every registry. Table Storage has no TTL, so this scans by RowKey range and deletes 100 rows per
 * transaction per partition.
 *
 * The embedded store's window (npm start, local/boot.ts) trims by count instead: it keeps the newest
 * finished deliveries and the event rows they read, and never an unfinished delivery or fan-out. It
 * lists every delivery row (keys and state only), so its cost grows with what is kept, not with what
 * went: meant for Azurite, never run against Azure Storage.
 */

/** Deliveries that nothing will send or change again, but `recover` (a `failed` one). */
const FINISHED = new Set(['succeeded', 'failed', 'skipped']);
/** Deliveries `recover` may set back to `pending` (ETag-conditional): deleted one by one with the ETag read. */
const RECOVERABLE = 'failed';
/** An event whose fan-out is done (its deliveries are recorded); `claimed` and `queued` are not. */
const FANNED_OUT = 'fannedout';

const listedRow = z.object({
  partitionKey: z.string(),
  rowKey: z.string(),
  etag: z.string(),
  state: z.string().nullish(),
});
type ListedRow = z.infer<typeof listedRow>;

/** The embedded store's window on history (local/boot.ts). */
interface HistoryWindow {
  /** Finished deliveries kept, the newest by their event's receipt. */
  readonly keep: number;
  /** Event rows received at or after this stay, whatever the deliveries (dedupe of recent events). */
  readonly eventsSince: Date;
}

export interface HistoryStore {
  /** Deletes the history rows dated before `cutoff`. Returns how many rows went. */
  purgeHistory(cutoff: Date): Promise<number>;
  /**
   * Deletes the finished deliveries beyond the newest `keep`, and the event rows of finished fan-outs
   * received before both the oldest delivery kept and `eventsSince` that no remaining delivery belongs
   * to. Returns how many rows went; a row that changed meanwhile stays (the next trim sees it again).
   */
  trimHistory(window: HistoryWindow): Promise<number>;
}

async function listRows(table: TableClient, from: string, to: string, extra = ''): Promise<ListedRow[]> {
  const rows: ListedRow[] = [];
  const filter = `RowKey ge ${odataString(from)} and RowKey lt ${odataString(to)}${extra}`;
  for await (const e of table.listEntities({ queryOptions: { filter, select: ['PartitionKey', 'RowKey', 'state'] } })) {
    const row = listedRow.safeParse(e);
    if (row.success) rows.push(row.data);
  }
  return rows;
}

/** The event a delivery row or an event row belongs to: its shard and its id's key part (both keys end in it). */
const eventOf = (row: ListedRow) => `${row.partitionKey}\n${row.rowKey.slice(row.rowKey.lastIndexOf('|') + 1)}`;

/** Deletes rows that cannot change again, 100 a transaction per partition; returns how many went. */
async function deleteFinal(table: TableClient, rows: readonly ListedRow[]): Promise<number> {
  let deleted = 0;
  for (const list of byPartition(rows, (r) => r.partitionKey).values()) {
    const actions = list.map((r): TransactionAction => ['delete', { partitionKey: r.partitionKey, rowKey: r.rowKey }]);
    try {
      await submitAll(table, singly(actions));
      deleted += actions.length;
    } catch (err) {
      // A row gone meanwhile (a webhook's history deleted) fails its transaction: the next trim retries the rest.
      if (statusOf(err) !== 404) throw err;
    }
  }
  return deleted;
}

/** Deletes rows only if unchanged since listed (ETag), one call each; returns how many went. */
async function deleteUnchanged(table: TableClient, rows: readonly ListedRow[]): Promise<number> {
  let deleted = 0;
  for (const r of rows) {
    try {
      await table.deleteEntity(r.partitionKey, r.rowKey, { etag: r.etag });
      deleted++;
    } catch (err) {
      if (statusOf(err) !== 404 && statusOf(err) !== 412) throw err;
    }
  }
  return deleted;
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

    async trimHistory({ keep, eventsSince }) {
      const finished: { row: ListedRow; receivedMs: number }[] = [];
      const unfinished: ListedRow[] = [];
      for (const row of await listRows(table, 'del|', 'del}')) {
        const receivedMs = receivedMsOf(row.rowKey);
        if (receivedMs !== undefined && FINISHED.has(row.state ?? '')) finished.push({ row, receivedMs });
        else unfinished.push(row);
      }
      finished.sort((a, b) => b.receivedMs - a.receivedMs);
      const kept = finished.slice(0, keep);
      const gone = finished.slice(keep).map((f) => f.row);
      // The events still read: those of every delivery that stays.
      const pinned = new Set([...unfinished, ...kept.map((k) => k.row)].map(eventOf));
      const since = Math.min(kept.at(-1)?.receivedMs ?? Infinity, eventsSince.getTime());
      const events = await listRows(table, 'evt|', 'evt}', ` and receivedAt lt ${odataString(new Date(since).toISOString())}`);
      const unread = events.filter((e) => e.state === FANNED_OUT && !pinned.has(eventOf(e)));
      // An event's rows share its shard: its deliveries and its own row go in the same transactions.
      const final = [...gone.filter((r) => r.state !== RECOVERABLE), ...unread];
      return (
        (await deleteFinal(table, final)) +
        (await deleteUnchanged(
          table,
          gone.filter((r) => r.state === RECOVERABLE),
        ))
      );
    },
  };
}
