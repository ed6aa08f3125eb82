import { submitTransaction } from './table-batch.js';
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { odataString } from './entity-fields.js';
import { packTransactions, singly } from './transactions.js';

/*
 * What the stores of the `events` table share: range filters (Table Storage has no startswith) and
 * writes grouped by partition (a transaction holds one partition's rows, at most 100).
 */

/** The filter for one RowKey range inside one partition. */
export function rangeFilter(partitionKey: string, from: string, to: string): string {
  return `PartitionKey eq ${odataString(partitionKey)} and RowKey ge ${odataString(from)} and RowKey lt ${odataString(to)}`;
}

/** Groups items by the partition each belongs to. */
export function byPartition<T>(items: readonly T[], partitionOf: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const pk = partitionOf(item);
    const list = out.get(pk);
    if (list) list.push(item);
    else out.set(pk, [item]);
  }
  return out;
}

/** Transactions of one partition, packed 100 actions a call, one after another. */
export async function submitAll(table: TableClient, groups: readonly (readonly TransactionAction[])[]): Promise<void> {
  for (const tx of packTransactions(groups)) await submitTransaction(table, tx);
}

/** Single actions of any partitions: each partition's packed on their own, the partitions at once. */
export async function submitEach(table: TableClient, actions: readonly TransactionAction[]): Promise<void> {
  const groups = byPartition(actions, (a) => String(a[1].partitionKey));
  await Promise.all([...groups.values()].map((list) => submitAll(table, singly(list))));
}
