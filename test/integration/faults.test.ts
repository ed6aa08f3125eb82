import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueClient } from '@azure/storage-queue';
import { api, INGEST_KEY, startService, type TestService } from '../helpers/service.js';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';

let svc: TestService;
let rx: Receiver;
beforeAll(async () => {
  rx = await startReceiver();
  svc = await startService({ DELIVERY_RETRY_SCHEDULE: 'none' });
});
afterAll(async () => {
  await svc.close();
  await rx.close();
});

describe('faults', () => {
  it('moves a malformed queue message to the poison queue at once (recorded as a dead letter) and keeps delivering the good ones', async () => {
    await api(svc, '/registries/faultreg1/webhooks/goodhook1', {
      method: 'PUT',
      json: { location: 'westus', properties: { serviceUri: `${rx.url}/good`, actions: ['push'] } },
    });
    const queue = new QueueClient(svc.azurite.connectionString, 'registry-events');
    await queue.sendMessage(Buffer.from(JSON.stringify({ v: 99, junk: true })).toString('base64'));
    const event = {
      id: 'good-1',
      timestamp: '2026-11-27T00:00:00Z',
      action: 'push',
      target: { repository: 'app', tag: 'v1', digest: 'sha256:' + 'b'.repeat(64) },
    };
    const res = await api(svc, '/registries/faultreg1/events', { method: 'POST', key: INGEST_KEY, json: event });
    expect(res.status).toBe(202);
    const [got] = await rx.waitFor(1, 10_000, '/good');
    expect(JSON.parse(got!.body)).toEqual(event);
    // The poison trigger takes it off registry-events-poison into the dead letters, reason and all.
    const dead = await eventually(async () => {
      const body = (await (await api(svc, '/deadletters')).json()) as { value: { queue: string; reason: string; message: unknown }[] };
      return body.value.find((d) => d.queue === 'registry-events');
    });
    expect(dead).toEqual({
      queue: 'registry-events',
      id: expect.any(String),
      at: expect.any(String),
      reason: expect.stringContaining('malformed event message'),
      message: { v: 99, junk: true },
    });
  });
});

describe('storage outage', () => {
  it('answers 503 with Retry-After when storage is down, so the sender retries', async () => {
    const own = await startService();
    try {
      await own.azurite.close();
      const started = Date.now();
      const res = await api(own, '/registries/faultreg2/events', {
        method: 'POST',
        key: INGEST_KEY,
        json: { id: 'x', timestamp: '2026-11-27T00:00:00Z', action: 'push', target: { repository: 'app', tag: 'v1' } },
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(await res.json()).toEqual({
        error: { code: 'ServiceUnavailable', message: 'Storage is unavailable. Retry the request later.' },
      });
      expect(Date.now() - started).toBeLessThan(20_000);
      const list = await api(own, '/registries/faultreg2/webhooks');
      expect(list.status).toBe(503);
    } finally {
      await own.host.close();
    }
  });
});
