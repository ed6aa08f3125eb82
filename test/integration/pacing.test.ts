import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type Azurite } from '../../local/azurite.js';
import { makePoster, type Poster } from '../../shared/delivery/post-json.js';
import { makePacer } from '../../shared/delivery/pacing.js';
import { makePacingStore } from '../../shared/storage/pacing-store.js';
import { makeOrderedLanes } from '../../shared/delivery/ordered-lanes.js';
import { makeLaneStore } from '../../shared/storage/lane-store.js';
import { createTableClient } from '../../shared/storage/clients.js';
import { startSlowReceiver } from '../helpers/slow-receiver.js';

/*
 * The parts of issue 21 below the pipeline, with real sockets and real Azurite: a request's deadline is
 * the receiver's time only; connections per origin are bounded and given in order of receipt; and a rate
 * limit's slots are shared by workers that each keep their own process state.
 */

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => azurite.close());

/** A receiver that answers every request after `delayMs`; `order` is the `x-n` of each request as it came. */
async function slowReceiver(delayMs: number) {
  const rx = await startSlowReceiver(delayMs);
  return {
    url: `${rx.url}/hook`,
    get order() {
      return rx.arrivals.map((a) => a.n);
    },
    mostOpen: () => rx.mostOpen(),
    close: () => rx.close(),
  };
}

/** A delivery numbered `n` (its `x-n` header) with its place (`priority`) and patience (`waitMs`) for a connection. */
const deliverTo = (poster: Poster, url: string, n: number, priority: number, waitMs: number) =>
  poster.deliver({
    url,
    headers: { 'x-n': String(n) },
    body: '{}',
    timeoutMs: 2000,
    maxResponseBytes: 100,
    connectionWait: { priority, deadline: performance.now() + waitMs },
  });

describe('connections per origin', () => {
  it('starts the deadline on the socket: 8 deliveries through 1 connection to a 200 ms receiver all succeed within a 1 s timeout', async () => {
    const rx = await slowReceiver(200);
    const poster = makePoster({ allowPrivate: true, connectionsPerOrigin: 1 });
    try {
      const outcomes = await Promise.all(
        [0, 1, 2, 3, 4, 5, 6, 7].map((n) =>
          poster.deliver({
            url: rx.url,
            headers: { 'x-n': String(n) },
            body: '{}',
            timeoutMs: 1000,
            maxResponseBytes: 100,
            connectionWait: { priority: n, deadline: performance.now() + 10_000 },
          }),
        ),
      );
      // Before, the deadline started as the request was made: everything behind the first timed out waiting for our own socket.
      const statuses = outcomes.map((o) => (o.kind === 'response' ? o.status : o.kind === 'error' ? o.message : 'busy'));
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);
      expect(rx.mostOpen()).toBe(1);
      const waited = outcomes.map((o) => o.queuedMs ?? 0);
      expect(Math.max(...waited)).toBeGreaterThanOrEqual(1200); // the eighth waited for seven others: more than its timeout
      for (const o of outcomes) expect(o.kind === 'response' && o.durationMs).toBeLessThan(1000);
    } finally {
      poster.close();
      await rx.close();
    }
  });

  it('times a ping out when no connection comes within its timeout, and says so', async () => {
    const rx = await slowReceiver(800);
    const poster = makePoster({ allowPrivate: true, connectionsPerOrigin: 1 });
    try {
      const post = (n: number) =>
        poster.post({ url: rx.url, headers: { 'x-n': String(n) }, body: '{}', timeoutMs: 500, maxResponseBytes: 100 });
      const [first, second] = await Promise.all([post(0), post(1)]);
      expect(first).toMatchObject({ kind: 'error', reason: 'timeout', message: 'no response within 0.5 s' });
      expect(second).toMatchObject({ kind: 'error', reason: 'timeout', message: 'no connection to the endpoint free within 0.5 s' });
    } finally {
      poster.close();
      await rx.close();
    }
  });

  it('gives a free connection to the oldest waiting delivery first, whatever order they asked in', async () => {
    const rx = await slowReceiver(100);
    const poster = makePoster({ allowPrivate: true, connectionsPerOrigin: 1 });
    try {
      const deliver = (n: number, priority: number) => deliverTo(poster, rx.url, n, priority, 10_000);
      const first = deliver(0, 0); // takes the connection
      const rest = [deliver(3, 30), deliver(1, 10), deliver(4, 40), deliver(2, 20)];
      await Promise.all([first, ...rest]);
      expect(rx.order).toEqual(['0', '1', '2', '3', '4']);
    } finally {
      poster.close();
      await rx.close();
    }
  });

  it('answers busy, sending nothing, when a delivery cannot have a connection within its wait', async () => {
    const rx = await slowReceiver(400);
    const poster = makePoster({ allowPrivate: true, connectionsPerOrigin: 1 });
    try {
      const deliver = (n: number, waitMs: number) => deliverTo(poster, rx.url, n, n, waitMs);
      await deliver(0, 1000); // the origin's pace is now known: 400 ms a request
      // 1 goes at once, 2 and 3 can expect a connection within 1 s (after 400 and 800 ms), 4 cannot (1,200 ms).
      const results = await Promise.all([deliver(1, 1000), deliver(2, 1000), deliver(3, 1000), deliver(4, 1000)]);
      expect(results.map((r) => r.kind)).toEqual(['response', 'response', 'response', 'busy']);
      const busy = results[3];
      expect(busy?.kind === 'busy' && busy.expectedWaitMs).toBeGreaterThan(1000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(rx.order).toEqual(['0', '1', '2', '3']); // the busy one never reached the receiver
    } finally {
      poster.close();
      await rx.close();
    }
  });
});

describe('a rate limit shared by workers', () => {
  it('never starts more than the limit in any second across two workers, each delivery in its slot', async () => {
    const table = createTableClient({ kind: 'connectionString', connectionString: azurite.connectionString }, 'webhookpacing');
    await table.createTable();
    const webhook = { registryName: 'sharedreg', name: 'limited1', rateLimitPerSecond: 4 };
    // Two workers: each its own store (its own remembered ETag) and pacer, one table between them.
    const workers = [0, 1].map(() => makePacer({ slots: makePacingStore(table), now: () => Date.now(), warn: (m) => expect.fail(m) }));
    const started: number[] = [];
    const deadlineMs = Date.now() + 60_000;
    await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const turn = await workers[i % 2]!.turn(webhook, { receivedMs: i, deadlineMs });
        expect(turn.go).toBe(true);
        started.push(Date.now());
      }),
    );
    started.sort((a, b) => a - b);
    // 24 at 4 a second: about 6 s, and no window of one second holds more than 4 (+1 for timer lateness).
    expect(started.at(-1)! - started[0]!).toBeGreaterThanOrEqual(5000);
    for (let i = 0; i < started.length; i++) {
      const inWindow = started.filter((t) => t >= started[i]! && t < started[i]! + 1000).length;
      expect(inWindow).toBeLessThanOrEqual(5);
    }
  }, 20_000);

  it('gives a delivery whose turn is beyond its wait that turn to come back for, and keeps it for it', async () => {
    const table = createTableClient({ kind: 'connectionString', connectionString: azurite.connectionString }, 'webhookpacing');
    await table.createTable();
    const webhook = { registryName: 'sharedreg', name: 'limited2', rateLimitPerSecond: 2 };
    const pacer = makePacer({ slots: makePacingStore(table), now: () => Date.now(), warn: (m) => expect.fail(m) });
    const t0 = Date.now();
    const turns = await Promise.all(Array.from({ length: 6 }, (_, i) => pacer.turn(webhook, { receivedMs: i, deadlineMs: t0 + 1200 })));
    // Slots 0, 0.5, 1.0 s fit in a 1.2 s wait; the next three wait in the queue for theirs, in order.
    expect(turns.map((t) => t.go)).toEqual([true, true, true, false, false, false]);
    const kept = turns.flatMap((t) => (t.go ? [] : [t.notBeforeMs]));
    expect(kept[1]! - kept[0]!).toBe(500);
    expect(kept[2]! - kept[1]!).toBe(500);
    expect(turns[3]).toMatchObject({ reason: 'rate limit' });
    // A newcomer does not take a kept turn: it comes after them.
    const late = await pacer.turn(webhook, { receivedMs: 99, deadlineMs: Date.now() + 100 });
    expect(late.go === false && late.notBeforeMs).toBe(kept[2]! + 500);
    // Back in time for its kept turn, a delivery is sent at it.
    const back = await pacer.turn(webhook, { receivedMs: 3, deadlineMs: Date.now() + 5000, notBeforeMs: kept[0]! });
    expect(back.go).toBe(true);
    expect(Date.now()).toBeGreaterThanOrEqual(kept[0]!);
  }, 20_000);

  it('holds a webhook after a Retry-After, and its newer deliveries behind one that waits in the queue', async () => {
    const table = createTableClient({ kind: 'connectionString', connectionString: azurite.connectionString }, 'webhookpacing');
    const pacer = makePacer({ slots: makePacingStore(table), now: () => Date.now(), warn: (m) => expect.fail(m) });
    const open = { registryName: 'sharedreg', name: 'unlimited1' };
    expect(await pacer.turn(open, { receivedMs: 1, deadlineMs: Date.now() })).toEqual({ go: true });
    const until = Date.now() + 600;
    pacer.slowDown(open, until);
    const waited = await pacer.turn(open, { receivedMs: 2, deadlineMs: Date.now() + 2000 });
    expect(waited.go).toBe(true);
    expect(Date.now()).toBeGreaterThanOrEqual(until);
    pacer.slowDown(open, Date.now() + 10_000);
    expect(await pacer.turn(open, { receivedMs: 3, deadlineMs: Date.now() + 1000 })).toMatchObject({ go: false, reason: 'retry-after' });
    const other = { registryName: 'sharedreg', name: 'unlimited2' };
    const queuedUntil = Date.now() + 4000;
    pacer.queuedUntil(other, queuedUntil);
    expect(await pacer.turn(other, { receivedMs: 4, deadlineMs: Date.now() + 1000 })).toEqual({
      go: false,
      reason: 'behind older deliveries',
      notBeforeMs: queuedUntil,
    });
  });
});

describe('an ordered lane shared by workers', () => {
  it('lets one delivery of a lane out at a time across two workers, in order of receipt, and passes the turn on as each is done', async () => {
    const table = createTableClient({ kind: 'connectionString', connectionString: azurite.connectionString }, 'orderedlanes');
    await table.createTable();
    const webhook = { registryName: 'lanereg', name: 'ordered01' };
    // Two workers: each its own store (its own remembered ETag) and lanes, one table between them. Every
    // delivery here is pending, so no head is dropped.
    const workers = [0, 1].map(() =>
      makeOrderedLanes({ store: makeLaneStore(table), now: () => Date.now(), pending: () => Promise.resolve(true) }),
    );
    const entries = Array.from({ length: 12 }, (_, i) => ({ receivedMs: 1000 + i, eventId: `evt-${i}`, attempts: 0 }));
    // Each joins from alternating workers, all at once; exactly one is the head.
    const heads = await Promise.all(entries.map((e, i) => workers[i % 2]!.turn(webhook, 'lanereg/app', e)));
    expect(heads.filter(Boolean)).toHaveLength(1);
    // The head is done; the next is the one its worker is told to send, and only it is the head now.
    let head = entries[heads.indexOf(true)]!;
    const sent = [head.eventId];
    for (let i = 0; i < entries.length - 1; i++) {
      const next = await workers[i % 2]!.finished(webhook, 'lanereg/app', head);
      expect(next).toBeDefined();
      const others = entries.filter((e) => e.eventId !== next!.eventId && !sent.includes(e.eventId));
      // The other worker asks again for one still waiting: not its turn.
      if (others[0]) expect(await workers[(i + 1) % 2]!.turn(webhook, 'lanereg/app', others[0])).toBe(false);
      expect(await workers[(i + 1) % 2]!.turn(webhook, 'lanereg/app', next!)).toBe(true);
      head = next!;
      sent.push(head.eventId);
    }
    expect(await workers[0]!.finished(webhook, 'lanereg/app', head)).toBeUndefined();
    // Every delivery went out once, one at a time; the order is the order the two workers' joins landed in.
    expect(new Set(sent).size).toBe(entries.length);
  });
});
