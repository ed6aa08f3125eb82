import type { TransactionAction } from '@azure/data-tables';

/** Table Storage's limit on one entity-group transaction (one partition, one call). */
const MAX_TRANSACTION_ACTIONS = 100;

/**
 * Packs groups of actions (all of one partition) into as few transactions as the 100-action limit allows,
 * keeping each group in one transaction whenever it fits. A plain list is packed as groups of one.
 */
export function packTransactions(groups: readonly (readonly TransactionAction[])[]): TransactionAction[][] {
  const txs: TransactionAction[][] = [];
  let current: TransactionAction[] = [];
  for (const group of groups) {
    if (current.length + group.length > MAX_TRANSACTION_ACTIONS && current.length > 0) {
      txs.push(current);
      current = [];
    }
    for (const action of group) {
      if (current.length === MAX_TRANSACTION_ACTIONS) {
        txs.push(current);
        current = [];
      }
      current.push(action);
    }
  }
  if (current.length > 0) txs.push(current);
  return txs;
}

/** Single actions as groups of one, for `packTransactions`. */
export const singly = (actions: readonly TransactionAction[]): TransactionAction[][] => actions.map((a) => [a]);
