import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { InvocationContext } from '@azure/functions';
import type { TableClient } from '@azure/data-tables';
import type { Deps } from '../runtime/deps.js';
import { invertedMs } from '../events/event-store.js';
import { storageStatus } from '../storage/clients.js';
import { deliveriesMessage } from './messages.js';
import { writeRecords } from './schedule-delivery.js';
import { logValue } from '../log-value.js';

/*
 * Table `deadletters` — PartitionKey = the queue the message came from, RowKey = inverted time + id
 * (newest first). A message the host gave up on (maxDequeueCount failures) or that could never be read
 * lands in `<queue>-poison`; the poison trigger records it here with the reason, marks the deliveries it
 * carried as failed, and the management API lists and replays it. Nothing is dropped silently.
 */

const wrapper = z.object({ reason: z.string(), message: z.string(), at: z.string() });

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
      try {
        const row = entity.parse(await table.getEntity(queue, id));
        return { queue: row.partitionKey, id: row.rowKey, message: row.message, reason: row.reason, at: row.at };
      } catch (err) {
        if (storageStatus(err) === 404) return undefined;
        throw err;
      }
    },
    async remove(queue: string, id: string): Promise<void> {
      await table.deleteEntity(queue, id);
    },
  };
}

export type DeadLetterStore = ReturnType<typeof makeDeadLetterStore>;

/** The poison trigger for `sourceQueue`: records the message (ours carry a reason; the host's do not). */
export function makePoisonHandler(sourceQueue: string) {
  return (deps: Deps) =>
    async (message: unknown, context: InvocationContext): Promise<void> => {
      const ours = wrapper.safeParse(message);
      const text = ours.success ? ours.data.message : typeof message === 'string' ? message : JSON.stringify(message);
      const reason = ours.success
        ? ours.data.reason
        : `processing failed maxDequeueCount times (host.json), so the host moved it to ${sourceQueue}-poison`;
      const id = await deps.deadLetters.add(sourceQueue, text, reason, deps.now());
      deps.metrics.deadLettered(sourceQueue);
      context.error(`dead letter recorded: queue=${sourceQueue} id=${id}: ${logValue(reason, 1000)}`);
      // Deliveries in a dead message are failed, with the reason, so listEvents tells the truth.
      let parsed: unknown;
      try {
        parsed = JSON.parse(text) as unknown;
      } catch {
        return;
      }
      const deliveries = deliveriesMessage.safeParse(parsed);
      if (!deliveries.success) return;
      const { registry, items } = deliveries.data;
      const now = deps.now().toISOString();
      const records = [];
      for (const item of items) {
        const record = await deps.events.getDelivery(registry, item.rowKey);
        if (record?.state === 'pending') {
          records.push({
            ...record,
            state: 'failed' as const,
            nextAttemptAt: undefined,
            lastError: `dead-lettered: ${reason} (replay it, or redeliver the event)`,
            updatedAt: now,
          });
        }
      }
      await writeRecords(deps, registry, records);
    };
}
