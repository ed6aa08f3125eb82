import type { InvocationContext } from '@azure/functions';
import type { TransactionAction } from '@azure/data-tables';
import type { Deps } from '../runtime/deps.js';
import type { TimerFunctionDeclaration } from '../runtime/declaration.js';

/*
 * History retention (EVENT_RETENTION_DAYS): delivery records (`del|` rows) and accepted-event rows
 * (`evt|`, the dedupe window) older than the retention are deleted once a day. Table Storage has no TTL,
 * so this is a filtered scan across registries, deleting 100 rows per transaction per partition.
 * Manifest memory (`man|`, `tag|`) is kept: a delete can come long after its push.
 */
const KINDS = [
  { from: 'del|', to: 'del}', field: 'createdAt' },
  { from: 'evt|', to: 'evt}', field: 'receivedAt' },
] as const;

export async function purgeHistory(deps: Deps, now: Date = deps.now()): Promise<{ deleted: number }> {
  const cutoff = new Date(now.getTime() - deps.config.eventRetentionDays * 86_400_000).toISOString();
  const table = deps.events.table;
  let deleted = 0;
  for (const kind of KINDS) {
    const filter = `RowKey ge '${kind.from}' and RowKey lt '${kind.to}' and ${kind.field} lt '${cutoff}'`;
    const byPartition = new Map<string, string[]>();
    for await (const e of table.listEntities({ queryOptions: { filter, select: ['PartitionKey', 'RowKey'] } })) {
      if (!e.partitionKey || !e.rowKey) continue;
      const list = byPartition.get(e.partitionKey) ?? [];
      list.push(e.rowKey);
      byPartition.set(e.partitionKey, list);
    }
    for (const [partitionKey, keys] of byPartition) {
      for (let i = 0; i < keys.length; i += 100) {
        await table.submitTransaction(keys.slice(i, i + 100).map((rowKey): TransactionAction => ['delete', { partitionKey, rowKey }]));
        deleted += Math.min(100, keys.length - i);
      }
    }
  }
  return { deleted };
}

/** Daily at 03:30 UTC. */
export const historyRetentionFunction: TimerFunctionDeclaration = {
  kind: 'timer',
  name: 'history-retention',
  schedule: '0 30 3 * * *',
  makeHandler: (deps) => async (_timer: unknown, context: InvocationContext) => {
    const { deleted } = await purgeHistory(deps);
    context.log(`history retention: deleted ${deleted} rows older than ${deps.config.eventRetentionDays} days`);
  },
};
