import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueClient } from '@azure/storage-queue';
import { startAzurite, type Azurite } from '../../local/azurite.js';
import { spawnStart } from '../helpers/spawn-start.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { drained } from '../helpers/drained.js';
import { api, INGEST_KEY, MANAGEMENT_KEY, startService } from '../helpers/service.js';

/*
 * Nothing accepted is lost: the local host (npm start) is killed with SIGKILL in the middle of a fan-out
 * and started again on the same Azurite; every accepted event still reaches every webhook (repeats only
 * with the same event id, which receivers dedupe on).
 */
let azurite: Azurite;
let rx: Receiver;
beforeAll(async () => {
  azurite = await startAzurite();
  rx = await startReceiver();
});
afterAll(async () => {
  await rx.close();
  await azurite.close();
});

/*
 * The bounds of the steps below, added up: two start-ups (30 s each at most, spawn-start.ts), the first
 * deliveries (15 s) and the recovery (40 s). The test's own limit is above their sum, so a step that
 * runs out reports what it was waiting for instead of the runner's bare timeout.
 */
const RECOVERY_MS = 40_000;
const CRASH_TEST_LIMIT_MS = 2 * 30_000 + 15_000 + RECOVERY_MS + 5_000;

describe('crash recovery', () => {
  it('delivers every accepted event after the host is killed mid-fan-out and restarted', { timeout: CRASH_TEST_LIMIT_MS }, async () => {
    const env = {
      AzureWebJobsStorage: azurite.connectionString,
      MANAGEMENT_KEYS: MANAGEMENT_KEY,
      INGEST_KEYS: INGEST_KEY,
      ALLOW_PRIVATE_TARGETS: 'true',
      QUEUE_LEASE_SECONDS: '2',
      DELIVERY_TIMEOUT_SECONDS: '2',
      DELIVERY_INLINE_WAIT_SECONDS: '1',
      DELIVERY_RETRY_SCHEDULE: '1,1,1,1',
    };
    // Four deliveries are answered; every later one is held unanswered until the host is dead, so the
    // kill lands with deliveries in flight, whatever the machine's speed.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    rx.script.push(...Array.from({ length: 4 }, () => ({ status: 200, body: 'ok' })));
    rx.answer = { status: 200, body: 'ok', hold: held };
    const first = await spawnStart(env);
    const hooks = ['crashhk01', 'crashhk02', 'crashhk03'];
    const ids: string[] = [];
    try {
      for (const h of hooks) {
        const res = await api(first, `/registries/crashreg1/webhooks/${h}`, {
          method: 'PUT',
          json: { location: 'westus', properties: { serviceUri: `${rx.url}/${h}`, actions: ['push'] } },
        });
        expect(res.status).toBe(201);
      }
      for (let i = 0; i < 20; i++) {
        const id = `crash-${i}`;
        const res = await api(first, '/registries/crashreg1/events', {
          method: 'POST',
          key: INGEST_KEY,
          json: { id, timestamp: new Date().toISOString(), action: 'push', target: { repository: 'app', tag: `t${i}` } },
        });
        expect(res.status).toBe(202);
        ids.push(id);
      }
      await rx.waitFor(5, 15_000); // four answered, the fifth waiting for its answer
    } finally {
      first.child.kill('SIGKILL');
      await new Promise((r) => first.child.once('exit', r));
      release();
    }
    const atKill = rx.requests.length;
    expect(atKill).toBeGreaterThanOrEqual(5); // killed mid-way: at most 4 of 60 deliveries answered
    rx.answer = { status: 200, body: 'ok' };
    const second = await spawnStart(env);
    try {
      // Delivered means answered: the first four, then whatever the restarted host sends (a request the
      // killed host sent and never had answered does not count).
      const answered = () => [...rx.requests.slice(0, 4), ...rx.requests.slice(atKill)];
      const missing = () =>
        hooks.flatMap((h) =>
          ids
            .filter((id) => !answered().some((r) => r.path === `/${h}` && (JSON.parse(r.body) as { id: string }).id === id))
            .map((id) => `${h}:${id}`),
        );
      // The restarted host takes over what the killed one left in the queues (leases and hand-offs run
      // out, then their messages reappear) until nothing is left: then every event must have arrived.
      await drained(azurite.connectionString, RECOVERY_MS);
      expect(missing()).toEqual([]);
      for (const r of rx.requests) {
        const body = JSON.parse(r.body) as { id: string };
        expect(ids).toContain(body.id);
        expect(r.headers['webhook-id']).toBe(body.id);
      }
    } finally {
      await second.stop();
    }
  });
});

describe('storage outage at ingest', () => {
  it('answers 503 when the queue is down, and the retried event is delivered (nothing half-written is lost)', async () => {
    const svc = await startService({ DELIVERY_RETRY_SCHEDULE: 'none' });
    try {
      const res0 = await api(svc, '/registries/outagereg1/webhooks/outage001', {
        method: 'PUT',
        json: { location: 'westus', properties: { serviceUri: `${rx.url}/outage`, actions: ['push'] } },
      });
      expect(res0.status).toBe(201);
      const event = { id: 'outage-1', timestamp: new Date().toISOString(), action: 'push', target: { repository: 'app', tag: 'v1' } };
      await svc.azurite.stopQueueService();
      const res = await api(svc, '/registries/outagereg1/events', { method: 'POST', key: INGEST_KEY, json: event });
      expect(res.status).toBe(503);
      // The dedupe row was written, the queue message was not: half-written. The sender retries.
      await svc.azurite.startQueueService();
      await new QueueClient(svc.azurite.connectionString, 'registry-events').createIfNotExists();
      await new QueueClient(svc.azurite.connectionString, 'webhook-deliveries').createIfNotExists();
      const retry = await api(svc, '/registries/outagereg1/events', { method: 'POST', key: INGEST_KEY, json: event });
      expect(retry.status).toBe(202);
      expect(await retry.json()).toEqual({ accepted: [], duplicates: [{ index: 0, id: 'outage-1' }], ignored: [], rejected: [] });
      const [got] = await rx.waitFor(1, 15_000, '/outage');
      expect(JSON.parse(got!.body)).toEqual(event);
      await drained(svc.azurite.connectionString);
      expect(rx.forPath('/outage')).toHaveLength(1);
    } finally {
      await svc.close();
    }
  });
});
