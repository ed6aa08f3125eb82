import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { TableClient } from '@azure/data-tables';
import type { LaneEntry, LaneStore } from '../delivery/ordered-lanes.js';
import { nameKey } from './key-part.js';
import { statusOf, unless404 } from './rest-errors.js';

/*
 * Table `orderedlanes` — one repository's unfinished deliveries to one ordered destination
 *   PartitionKey = registry name, lowercase
 *   RowKey       = {webhook name, lowercase}|{SHA-256 of the ordering key, 32 hex}
 *   entries      = JSON [[receivedMs, eventId, attempts, joinedMs], …] in the order they are sent
 * Joining and leaving are ETag-conditional writes of the whole list; this process remembers each lane's
 * last ETag and list, so while it is a lane's only writer a join or a leave is one write and no read
 * (after another worker wrote: a 412, one read, a second write). A lane's row stays when its list empties
 * (a delete and a re-create would cost two calls for every quiet lane). The list is one string property (at most 32 K characters): about 400 deliveries behind a head that
 * does not get through. Past that, a join is refused (the delivery is sent unordered, and logged).
 */

const row = z.object({ etag: z.string(), entries: z.string() });
const entries = z.array(z.tuple([z.number(), z.string(), z.number(), z.number()]));

interface Known {
  readonly etag: string;
  readonly list: readonly LaneEntry[];
}

const MAX_TRIES = 8;
const MAX_CHARS = 32_000;

const toList = (raw: string): LaneEntry[] =>
  entries.parse(JSON.parse(raw)).map(([receivedMs, eventId, attempts, joinedMs]) => ({ receivedMs, eventId, attempts, joinedMs }));
const toRaw = (list: readonly LaneEntry[]) => JSON.stringify(list.map((e) => [e.receivedMs, e.eventId, e.attempts, e.joinedMs ?? 0]));
const same = (a: Pick<LaneEntry, 'receivedMs' | 'eventId'>, b: Pick<LaneEntry, 'receivedMs' | 'eventId'>) =>
  a.receivedMs === b.receivedMs && a.eventId === b.eventId;

/** Raised when a lane's list would outgrow its row. */
class LaneFullError extends Error {
  override readonly name = 'LaneFullError';
}

export function makeLaneStore(table: TableClient): LaneStore {
  const known = new Map<string, Known>();
  const keys = (registry: string, webhook: string, key: string) => {
    const pk = registry.toLowerCase();
    const rk = `${nameKey(webhook)}|${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
    return { pk, rk, id: `${pk}/${rk}` };
  };

  async function read(pk: string, rk: string): Promise<Known | undefined> {
    const entity = await unless404(table.getEntity(pk, rk));
    if (!entity) return undefined;
    const r = row.parse(entity);
    return { etag: r.etag, list: toList(r.entries) };
  }

  /** This process's changes of one lane, one after another: the lane's order is the order they were asked in. */
  const chains = new Map<string, Promise<unknown>>();

  function change(registry: string, webhook: string, key: string, edit: (list: readonly LaneEntry[]) => readonly LaneEntry[]) {
    const { id } = keys(registry, webhook, key);
    const run = (chains.get(id) ?? Promise.resolve()).then(() => write(registry, webhook, key, edit));
    const settled = run.catch(() => undefined);
    chains.set(id, settled);
    void settled.then(() => {
      if (chains.get(id) === settled) chains.delete(id);
    });
    return run;
  }

  /** Applies `edit` to the lane, ETag-conditional, again on a fresh read when another worker wrote first. */
  async function write(registry: string, webhook: string, key: string, edit: (list: readonly LaneEntry[]) => readonly LaneEntry[]) {
    const { pk, rk, id } = keys(registry, webhook, key);
    let at = known.get(id);
    let fresh = false;
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const before = at?.list ?? [];
      const after = edit(before);
      if (after === before) {
        if (fresh) return before;
        // Nothing to write by what this process remembers, which another worker may have changed since:
        // answer from a fresh read (a returning delivery must see the lane as it is now).
        at = await read(pk, rk);
        fresh = true;
        if (at) known.set(id, at);
        continue;
      }
      const raw = toRaw(after);
      if (raw.length > MAX_CHARS) throw new LaneFullError(`the lane of webhook ${webhook} holds ${before.length} unfinished deliveries`);
      try {
        const r = at
          ? await table.updateEntity({ partitionKey: pk, rowKey: rk, entries: raw }, 'Replace', { etag: at.etag })
          : await table.createEntity({ partitionKey: pk, rowKey: rk, entries: raw });
        known.set(id, { etag: r.etag ?? '', list: after });
        return after;
      } catch (err) {
        const status = statusOf(err);
        if (status !== 412 && status !== 409 && !(status === 404 && at)) throw err;
      }
      at = await read(pk, rk);
      fresh = true;
    }
    known.delete(id);
    throw new Error(`the lane of webhook ${webhook} changed under ${MAX_TRIES} writes in a row`);
  }

  return {
    join: (registry, webhook, key, joining) =>
      change(registry, webhook, key, (list) => {
        const added = joining.filter((e) => !list.some((x) => same(x, e)));
        return added.length === 0 ? list : [...list, ...added];
      }),
    leave: (registry, webhook, key, gone) =>
      change(registry, webhook, key, (list) => {
        const kept = list.filter((x) => !gone.some((g) => same(x, g)));
        return kept.length === list.length ? list : kept;
      }),
  };
}
