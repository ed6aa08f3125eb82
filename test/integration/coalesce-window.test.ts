import type { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type Azurite } from '../../local/azurite.js';
import { createTableClient } from '../../shared/storage/clients.js';
import { makeCoalesceWindow, withinWindow, type CoalesceWindow } from '../../shared/multiarch/coalesce-window.js';
import { makeHoldStore, type WaitingChild } from '../../shared/storage/hold-store.js';
import { Rows } from '../../shared/storage/event-keys.js';

/*
 * The multi-arch hold window on its own, against real Azurite: the rows it writes and the races it
 * settles with conditional writes. Times are ingest times passed in, so every case is deterministic.
 */
const WINDOW_MS = 10_000;
let azurite: Azurite;
let table: TableClient;
let win: CoalesceWindow;
let n = 0;

beforeAll(async () => {
  azurite = await startAzurite();
  table = createTableClient({ kind: 'connectionString', connectionString: azurite.connectionString }, 'events');
  await table.createTable();
  win = makeCoalesceWindow(makeHoldStore(table), WINDOW_MS);
});
afterAll(async () => {
  await azurite.close();
});

const at = (seconds: number) => new Date(Date.UTC(2026, 10, 29, 0, 0, seconds)).toISOString();
const digest = (c: string) => `sha256:${c.repeat(64)}`;
/** A fresh registry per test, so tests share no rows. */
const registry = () => `winreg${String(++n).padStart(3, '0')}`;
const child = (d: string, eventId: string, seconds: number): WaitingChild => ({
  repository: 'team/app',
  digest: d,
  eventId,
  receivedAt: at(seconds),
  webhooks: ['coalesced1'],
});
const index = (c: string, seconds: number) => ({ digest: digest(c), receivedAt: at(seconds) });

async function holdRows(reg: string): Promise<string[]> {
  const rows: string[] = [];
  const filter = `PartitionKey eq '${reg}' and RowKey ge 'hold|' and RowKey lt 'hold}'`;
  for await (const e of table.listEntities<{ state: string }>({ queryOptions: { filter } })) rows.push(`${e.rowKey} ${e.state}`);
  return rows;
}

describe('withinWindow', () => {
  it('compares ingest times in both directions, inclusive', () => {
    expect(withinWindow(at(0), at(10), WINDOW_MS)).toBe(true);
    expect(withinWindow(at(10), at(0), WINDOW_MS)).toBe(true);
    expect(withinWindow(at(0), at(11), WINDOW_MS)).toBe(false);
  });
});

describe('the hold window', () => {
  it('an index within the window claims its held children; their window ends find nothing to deliver', async () => {
    const reg = registry();
    const a = child(digest('a'), 'ev-a', 0);
    const b = child(digest('b'), 'ev-b', 1);
    expect(await win.hold(reg, a)).toBe('waiting');
    expect(await win.hold(reg, b)).toBe('waiting');
    expect(await holdRows(reg)).toEqual([
      `${Rows.hold('team/app', a.digest, 'ev-a')} held`,
      `${Rows.hold('team/app', b.digest, 'ev-b')} held`,
    ]);
    expect((await win.adopt(reg, 'team/app', index('f', 2), [a.digest, b.digest])).sort()).toEqual(['ev-a', 'ev-b']);
    expect(await holdRows(reg)).toEqual([]);
    expect(await win.release(reg, a)).toBe('adopted');
    expect(await win.release(reg, b)).toBe('adopted');
  });

  it('an index that never arrives: the window end releases the child (also on a retried release) until its delivery is recorded', async () => {
    const reg = registry();
    const a = child(digest('a'), 'ev-a', 0);
    expect(await win.hold(reg, a)).toBe('waiting');
    expect(await win.release(reg, a)).toBe('release');
    expect(await holdRows(reg)).toEqual([`${Rows.hold('team/app', a.digest, 'ev-a')} released`]);
    // A retry of the release message after a crash before the delivery was recorded delivers again.
    expect(await win.release(reg, a)).toBe('release');
    await win.done(reg, a);
    expect(await holdRows(reg)).toEqual([]);
    expect(await win.release(reg, a)).toBe('adopted');
  });

  it('an index that arrives late (after the window) claims nothing: the child was released on its own', async () => {
    const reg = registry();
    const a = child(digest('a'), 'ev-a', 0);
    expect(await win.hold(reg, a)).toBe('waiting');
    expect(await win.release(reg, a)).toBe('release');
    expect(await win.adopt(reg, 'team/app', index('f', 30), [a.digest])).toEqual([]);
    expect(await holdRows(reg)).toEqual([`${Rows.hold('team/app', a.digest, 'ev-a')} released`]);
  });

  it('an index outside the window does not claim a child that is still held (its queue was slow)', async () => {
    const reg = registry();
    const a = child(digest('a'), 'ev-a', 0);
    expect(await win.hold(reg, a)).toBe('waiting');
    expect(await win.adopt(reg, 'team/app', index('f', 11), [a.digest])).toEqual([]);
    expect(await win.release(reg, a)).toBe('release');
  });

  it('an index fanned out before its children (another worker): the children find its claim and are not held', async () => {
    const reg = registry();
    const a = child(digest('a'), 'ev-a', 0);
    expect(await win.adopt(reg, 'team/app', index('f', 1), [a.digest])).toEqual([]);
    expect(await win.hold(reg, a)).toBe('adopted');
    expect(await holdRows(reg)).toEqual([]);
    expect(await win.release(reg, a)).toBe('adopted');
  });

  it('an old claim of the same digest (outside the window) does not swallow a later push of that child', async () => {
    const reg = registry();
    const a = child(digest('a'), 'ev-a2', 100);
    await win.adopt(reg, 'team/app', index('f', 1), [a.digest]);
    expect(await win.hold(reg, a)).toBe('waiting');
    expect(await win.release(reg, a)).toBe('release');
  });

  it('an index that arrives twice (a redelivered event, or the same index under a second tag) claims once and fails nothing', async () => {
    const reg = registry();
    const a = child(digest('a'), 'ev-a', 0);
    expect(await win.hold(reg, a)).toBe('waiting');
    expect(await win.adopt(reg, 'team/app', index('f', 1), [a.digest])).toEqual(['ev-a']);
    expect(await win.adopt(reg, 'team/app', index('f', 2), [a.digest])).toEqual([]);
    expect(await win.release(reg, a)).toBe('adopted');
  });

  it('a child shared by two indexes is taken by the first; the second lists it without holding anything back', async () => {
    const reg = registry();
    const shared = child(digest('s'), 'ev-s', 0);
    const onlyB = child(digest('b'), 'ev-b', 2);
    expect(await win.hold(reg, shared)).toBe('waiting');
    expect(await win.hold(reg, onlyB)).toBe('waiting');
    expect(await win.adopt(reg, 'team/app', index('1', 1), [shared.digest, digest('x')])).toEqual(['ev-s']);
    expect(await win.adopt(reg, 'team/app', index('2', 3), [shared.digest, onlyB.digest])).toEqual(['ev-b']);
    expect(await holdRows(reg)).toEqual([]);
  });

  it('the same child pushed twice in the window is held twice and claimed as both pushes', async () => {
    const reg = registry();
    const first = child(digest('a'), 'ev-1', 0);
    const again = child(digest('a'), 'ev-2', 1);
    expect(await win.hold(reg, first)).toBe('waiting');
    expect(await win.hold(reg, again)).toBe('waiting');
    expect((await win.adopt(reg, 'team/app', index('f', 2), [first.digest])).sort()).toEqual(['ev-1', 'ev-2']);
  });

  it('a hold retried after a crash is idempotent', async () => {
    const reg = registry();
    const a = child(digest('a'), 'ev-a', 0);
    expect(await win.hold(reg, a)).toBe('waiting');
    expect(await win.hold(reg, a)).toBe('waiting');
    expect(await holdRows(reg)).toHaveLength(1);
  });

  it('a claim racing the window end: exactly one of them wins, every time', async () => {
    const reg = registry();
    const outcomes: string[] = [];
    for (let i = 0; i < 12; i++) {
      // A digest of its own each round: an earlier round's claim row would claim it at once.
      const a = child(`sha256:${i.toString(16).padStart(64, 'c')}`, `ev-race-${i}`, 0);
      expect(await win.hold(reg, a)).toBe('waiting');
      const [released, taken] = await Promise.all([win.release(reg, a), win.adopt(reg, 'team/app', index('f', 1), [a.digest])]);
      const claimed = taken.includes(a.eventId);
      expect(released === 'release').toBe(!claimed);
      outcomes.push(claimed ? 'claimed' : 'released');
      if (!claimed) await win.done(reg, a);
    }
    expect(outcomes).toHaveLength(12);
    expect(await holdRows(reg)).toEqual([]);
  });
});
