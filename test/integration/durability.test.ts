import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';
import { api, INGEST_KEY, MANAGEMENT_KEY } from '../helpers/service.js';
import { spawnStart, type StartedProcess } from '../helpers/spawn-start.js';

/*
 * A 202 is a promise, with the embedded storage too: `npm start` with DATA_DIR (Azurite in the same
 * process, saving its files every 5 s) is killed with SIGKILL at random moments of a steady stream of
 * events, with its storage dying with it, and started again on the same folder. Every event answered
 * 202 reaches every webhook; a repeat carries the same webhook-id.
 */
let rx: Receiver;
let dir: string;
beforeAll(async () => {
  rx = await startReceiver();
  dir = mkdtempSync(join(tmpdir(), 'rw-durable-'));
});
afterAll(async () => {
  await rx.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('kill -9 of npm start with DATA_DIR', () => {
  it('delivers every event answered 202 to every webhook, across three kills at random moments', async () => {
    const env = {
      DATA_DIR: dir,
      MANAGEMENT_KEYS: MANAGEMENT_KEY,
      INGEST_KEYS: INGEST_KEY,
      FANOUT_LEASE_SECONDS: '2',
      QUEUE_LEASE_SECONDS: '2',
    };
    const hooks = ['durablehk1', 'durablehk2', 'durablehk3', 'durablehk4', 'durablehk5'];
    const promised: string[] = [];
    let proc: StartedProcess = await spawnStart(env);
    for (const h of hooks) {
      const res = await api(proc, `/registries/durablereg/webhooks/${h}`, {
        method: 'PUT',
        json: { location: 'westus', properties: { serviceUri: `${rx.url}/${h}`, actions: ['push'] } },
      });
      expect(res.status).toBe(201);
    }
    let n = 0;
    for (let round = 0; round < 3; round++) {
      const current = proc;
      const promisedBefore = promised.length;
      let killed = false;
      // Two senders, so some requests are in flight at the moment of the kill.
      const sender = async () => {
        while (!killed) {
          const id = `durable-${n++}`;
          try {
            const res = await api(current, '/registries/durablereg/events', {
              method: 'POST',
              key: INGEST_KEY,
              json: { id, timestamp: new Date().toISOString(), action: 'push', target: { repository: 'app', tag: id } },
            });
            if (res.status === 202) promised.push(id);
          } catch {
            // Killed while this request was in flight: nothing was promised.
          }
        }
      };
      // The kill comes at a random moment once this round's stream is flowing.
      const killer = (async () => {
        await eventually(() => Promise.resolve(promised.length >= promisedBefore + 5 ? true : undefined), 30_000, 'five 202s this round');
        const killAt = Date.now() + Math.floor(Math.random() * 1000);
        while (Date.now() < killAt) await new Promise((r) => setImmediate(r));
        killed = true;
        current.child.kill('SIGKILL');
      })();
      await Promise.all([sender(), sender(), killer]);
      // Killed by a signal, a child has a signalCode and no exitCode; its 'exit' may have fired already.
      if (current.child.exitCode === null && current.child.signalCode === null) await new Promise((r) => current.child.once('exit', r));
      proc = await spawnStart(env);
    }
    try {
      expect(promised.length).toBeGreaterThanOrEqual(15);
      const seen = (h: string) => new Set(rx.forPath(`/${h}`).map((r) => (JSON.parse(r.body) as { id: string }).id));
      const missing = () => hooks.flatMap((h) => promised.filter((id) => !seen(h).has(id)).map((id) => `${h}:${id}`));
      await eventually(
        () => Promise.resolve(missing().length === 0 ? true : undefined),
        60_000,
        () => `every promised event at every webhook (missing: ${missing().slice(0, 5).join(', ')})`,
      );
      for (const r of rx.requests) expect(r.headers['webhook-id']).toBe((JSON.parse(r.body) as { id: string }).id);
    } finally {
      await proc.stop();
    }
  }, 150_000);
});
