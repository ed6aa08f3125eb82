import { z } from 'zod';
import type { TableClient } from '@azure/data-tables';
import type { SlotStore } from '../delivery/pacing.js';
import { nameKey } from './key-part.js';
import { statusOf, unless404 } from './rest-errors.js';

/*
 * Table `webhookpacing` — the shared part of rate limits
 *   PartitionKey = registry name, lowercase; RowKey = webhook name, lowercase
 *   nextSlotMs   = the webhook's next free slot (epoch ms): the "theoretical arrival time" of the generic
 *                  cell rate algorithm.
 * A reservation of n slots is one ETag-conditional write that moves nextSlotMs on by n intervals, so two
 * workers never hand out the same slot. This process remembers the row's last ETag and value: while it is
 * the only writer, a reservation costs that one write and no read; after another worker wrote, the write
 * fails (412), and one read and a second write follow. A worker reserves for everything that asked in
 * one turn of its event loop (a fan-out's batch) at once. Only rate-limited webhooks have a row.
 */

const row = z.object({ etag: z.string(), nextSlotMs: z.number() });

interface Known {
  readonly etag: string;
  readonly nextSlotMs: number;
}

/** Writes lost to other workers before giving up (each is followed by a fresh read). */
const MAX_TRIES = 8;

export function makePacingStore(table: TableClient): SlotStore {
  const known = new Map<string, Known>();

  async function read(pk: string, rk: string): Promise<Known | undefined> {
    const entity = await unless404(table.getEntity(pk, rk));
    return entity && row.parse(entity);
  }

  /** One conditional write (or insert); undefined when another worker got there first. */
  async function write(pk: string, rk: string, at: Known | undefined, nextSlotMs: number): Promise<Known | undefined> {
    try {
      const r = at
        ? await table.updateEntity({ partitionKey: pk, rowKey: rk, nextSlotMs }, 'Replace', { etag: at.etag })
        : await table.createEntity({ partitionKey: pk, rowKey: rk, nextSlotMs });
      return { etag: r.etag ?? '', nextSlotMs };
    } catch (err) {
      const status = statusOf(err);
      if (status === 412 || status === 409 || (status === 404 && at)) return undefined;
      throw err;
    }
  }

  return {
    async reserve(registry, webhook, count, intervalMs, notBeforeMs) {
      const pk = registry.toLowerCase();
      const rk = nameKey(webhook);
      const key = `${pk}/${rk}`;
      let at = known.get(key);
      for (let tries = 0; tries < MAX_TRIES; tries++) {
        const first = Math.max(notBeforeMs, at?.nextSlotMs ?? 0);
        const next = first + count * intervalMs;
        if (count === 0 && at && at.nextSlotMs >= notBeforeMs) return first;
        const written = await write(pk, rk, at, next);
        if (written) {
          known.set(key, written);
          return first;
        }
        at = await read(pk, rk);
      }
      known.delete(key);
      throw new Error(`the slots of webhook ${webhook} changed under ${MAX_TRIES} writes in a row`);
    },
  };
}
