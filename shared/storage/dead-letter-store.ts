import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { TableClient } from '@azure/data-tables';
import { invertedMs } from './event-keys.js';
import { unless404 } from './rest-errors.js';

/*
 * Table `deadletters` — PartitionKey = the queue the message came from, RowKey = inverted time + id
 * (newest first). A message the host gave up on (maxDequeueCount failures) or that could never be read
 * lands in `<queue>-poison`; the poison trigger records it here with the reason, marks the deliveries it
 * carried as failed, and the management API lists and replays it. Nothing is dropped silently.
 */

const entity = z.object({
  partitionKey: z.string(),
  rowKey: z.string(),
  message: z.string(),
  reason: z.string(),
  at: z.string(),
});

export interface DeadLetter {
  readonly queue: string;
  readonly id: string;
  /** The message as the source queue expects it (JSON text; re-encoded as base64 on replay). */
  readonly message: string;
  readonly reason: string;
  readonly at: string;
}

export function makeDeadLetterStore(table: TableClient) {
  return {
    async add(queue: string, message: string, reason: string, at: Date): Promise<string> {
      const id = `${invertedMs(at.getTime())}-${randomUUID()}`;
      await table.createEntity({
        partitionKey: queue,
        rowKey: id,
        message: message.slice(0, 30_000),
        reason: reason.slice(0, 2000),
        at: at.toISOString(),
      });
      return id;
    },
    async list(top: number): Promise<DeadLetter[]> {
      const out: DeadLetter[] = [];
      for await (const e of table.listEntities()) {
        const row = entity.parse(e);
        out.push({ queue: row.partitionKey, id: row.rowKey, message: row.message, reason: row.reason, at: row.at });
        if (out.length >= top) break;
      }
      return out;
    },
    async get(queue: string, id: string): Promise<DeadLetter | undefined> {
      const found = await unless404(table.getEntity(queue, id));
      if (found === undefined) return undefined;
      const row = entity.parse(found);
      return { queue: row.partitionKey, id: row.rowKey, message: row.message, reason: row.reason, at: row.at };
    },
    async remove(queue: string, id: string): Promise<void> {
      await table.deleteEntity(queue, id);
    },
  };
}

export type DeadLetterStore = ReturnType<typeof makeDeadLetterStore>;
