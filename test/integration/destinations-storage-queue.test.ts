import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueClient } from '@azure/storage-queue';
import { api, INGEST_KEY, startService, type TestService } from '../helpers/service.js';
import { drained } from '../helpers/drained.js';
import { deliveriesOf } from '../helpers/metric-sample.js';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';

/*
 * The Storage Queue destination against real Azurite (the service's own storage, its queue endpoint
 * path-style, as local runs allow): each event once as a base64 message whose bytes are what an HTTP
 * webhook on the same scope received, TTLs as set, and a missing queue a recorded failure that counts in
 * delivery health and auto-disable, and that recover sends once the queue exists.
 */
const HOURS = 1 / 3600; // one second: a webhook failing that long is disabled
let svc: TestService;
let rx: Receiver;
beforeAll(async () => {
  rx = await startReceiver();
  svc = await startService({
    DELIVERY_RETRY_SCHEDULE: 'none',
    AUTO_DISABLE_AFTER_HOURS: String(HOURS),
    HEALTH_WRITE_INTERVAL_SECONDS: '0',
  });
});
afterAll(async () => {
  await svc?.close();
  await rx?.close();
});

interface Listed {
  id: string;
  eventRequestMessage: { content: unknown; headers: Record<string, string>; method: string; requestUri: string; version: string };
  eventResponseMessage: { content: string; headers: Record<string, string>; reasonPhrase: string; statusCode?: string; version: string };
  delivery: { state: string; attempts: number; lastError?: string };
}

const hookPath = (registry: string, name: string) => `/registries/${registry}/webhooks/${name}`;
const queueUrl = (queue: string) => `${svc.azurite.queueEndpoint}/${queue}`;
const queue = (name: string) => new QueueClient(svc.azurite.connectionString, name);

async function createHook(registry: string, name: string, properties: Record<string, unknown>): Promise<Response> {
  return api(svc, hookPath(registry, name), {
    method: 'PUT',
    json: { location: 'westus', properties: { actions: ['push'], ...properties } },
  });
}

let n = 0;
async function push(registry: string, repository: string, tag: string): Promise<string> {
  const id = `sq-${++n}-${Date.now()}`;
  const event = {
    id,
    timestamp: new Date().toISOString(),
    action: 'push',
    target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 524, digest: `sha256:${'a'.repeat(64)}`, repository, tag },
    request: { id: `req-${n}`, host: 'myregistry.azurecr.io', method: 'PUT', useragent: 'docker/27.0' },
  };
  const res = await api(svc, `/registries/${registry}/events`, { method: 'POST', key: INGEST_KEY, json: event });
  expect(res.status).toBe(202);
  return id;
}

async function listEvents(registry: string, name: string): Promise<Listed[]> {
  const res = await api(svc, `${hookPath(registry, name)}/listEvents`, { method: 'POST' });
  expect(res.status).toBe(200);
  return ((await res.json()) as { value: Listed[] }).value;
}

/** Every message of a queue (read, then deleted), its text base64-decoded. */
async function readAll(name: string): Promise<{ id: string; body: string; ttlSeconds: number }[]> {
  const out: { id: string; body: string; ttlSeconds: number }[] = [];
  const q = queue(name);
  for (;;) {
    const { receivedMessageItems } = await q.receiveMessages({ numberOfMessages: 32 });
    if (receivedMessageItems.length === 0) return out;
    for (const m of receivedMessageItems) {
      out.push({
        id: m.messageId,
        body: Buffer.from(m.messageText, 'base64').toString('utf8'),
        ttlSeconds: Math.round((m.expiresOn.getTime() - m.insertedOn.getTime()) / 1000),
      });
      await q.deleteMessage(m.messageId, m.popReceipt);
    }
  }
}

describe('a StorageQueue webhook', () => {
  it('gets each event once, as a base64 message of the exact body an HTTP webhook on the same scope gets', async () => {
    await queue('registry-events-sq1').create();
    expect((await createHook('sqreg0001', 'httphook1', { serviceUri: `${rx.url}/sq1`, scope: 'app:*' })).status).toBe(201);
    const created = await createHook('sqreg0001', 'queuehook1', {
      endpointType: 'StorageQueue',
      serviceUri: queueUrl('registry-events-sq1'),
      connectionString: svc.azurite.connectionString,
      scope: 'app:*',
    });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { properties: Record<string, unknown> }).properties).toEqual({
      status: 'enabled',
      scope: 'app:*',
      actions: ['push'],
      provisioningState: 'Succeeded',
      endpointType: 'StorageQueue',
      deliveryHealth: { consecutiveFailures: 0 },
    });

    const ids = [await push('sqreg0001', 'app', 'v1'), await push('sqreg0001', 'app', 'v2'), await push('sqreg0001', 'other', 'v1')];
    // The same event again: a duplicate, not a second message.
    const again = await api(svc, '/registries/sqreg0001/events', {
      method: 'POST',
      key: INGEST_KEY,
      json: { id: ids[0], timestamp: new Date().toISOString(), action: 'push', target: { repository: 'app', tag: 'v1' } },
    });
    expect(((await again.json()) as { duplicates: unknown[] }).duplicates).toHaveLength(1);
    await drained(svc.azurite.connectionString);

    const posted = rx.forPath('/sq1').map((r) => r.body);
    expect(posted).toHaveLength(2);
    const messages = await readAll('registry-events-sq1');
    expect(messages.map((m) => m.body).sort()).toEqual([...posted].sort());
    expect(messages.map((m) => (JSON.parse(m.body) as { id: string }).id).sort()).toEqual([ids[0], ids[1]].sort());
    // Storage's default time to live: 7 days.
    expect(messages.map((m) => m.ttlSeconds)).toEqual([604800, 604800]);

    // listEvents shows the message as sent and Storage's answer (its message id; never the pop receipt).
    const listed = await listEvents('sqreg0001', 'queuehook1');
    const first = listed.find((e) => e.id === ids[0])!;
    const answer = JSON.parse(first.eventResponseMessage.content) as { messageId: string; insertionTime: string; expirationTime: string };
    expect(first).toEqual({
      id: ids[0],
      eventRequestMessage: {
        content: JSON.parse(posted.find((b) => b.includes(ids[0]!))!),
        headers: { Encoding: 'base64', MessageTimeToLive: '604800' },
        method: 'POST',
        requestUri: queueUrl('registry-events-sq1'),
        version: '1.1',
      },
      eventResponseMessage: {
        content: expect.any(String) as string,
        headers: { 'x-ms-request-id': expect.any(String) as string, date: expect.any(String) as string },
        reasonPhrase: 'Created',
        statusCode: '201',
        version: '1.1',
      },
      delivery: expect.objectContaining({ state: 'succeeded', attempts: 1 }) as object,
    });
    expect(messages.map((m) => m.id)).toContain(answer.messageId);
    expect(Date.parse(answer.expirationTime) - Date.parse(answer.insertionTime)).toBe(604800 * 1000);
    expect(first.eventResponseMessage.content).not.toMatch(/popReceipt/i);
  });

  it("sets each message's time to live (queueMessageTimeToLiveSeconds): expired messages are gone", async () => {
    await queue('short-lived').create();
    const created = await createHook('sqreg0002', 'ttlhook01', {
      endpointType: 'storagequeue', // names compare case-insensitively, as ARM's enums do
      serviceUri: queueUrl('short-lived'),
      connectionString: 'UseDevelopmentStorage=true',
      queueMessageTimeToLiveSeconds: 2,
    });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { properties: Record<string, unknown> }).properties).toMatchObject({
      endpointType: 'StorageQueue',
      queueMessageTimeToLiveSeconds: 2,
    });
    await push('sqreg0002', 'app', 'v1');
    await drained(svc.azurite.connectionString);
    const [peeked] = (await queue('short-lived').peekMessages()).peekedMessageItems;
    expect(Math.round((peeked!.expiresOn.getTime() - peeked!.insertedOn.getTime()) / 1000)).toBe(2);
    expect((await listEvents('sqreg0002', 'ttlhook01'))[0]!.eventRequestMessage.headers).toEqual({
      Encoding: 'base64',
      MessageTimeToLive: '2',
    });
    await eventually(async () => ((await queue('short-lived').peekMessages()).peekedMessageItems.length === 0 ? true : undefined), 10_000);

    // -1: never expires.
    const patched = await api(svc, hookPath('sqreg0002', 'ttlhook01'), {
      method: 'PATCH',
      json: { properties: { queueMessageTimeToLiveSeconds: -1 } },
    });
    expect(patched.status).toBe(200);
    await push('sqreg0002', 'app', 'v2');
    await drained(svc.azurite.connectionString);
    const [forever] = (await queue('short-lived').peekMessages()).peekedMessageItems;
    expect(forever!.expiresOn.getUTCFullYear()).toBe(9999);
  });

  it('pings with a ping message; redeliver sends the recorded body again', async () => {
    await queue('pings').create();
    expect(
      (
        await createHook('sqreg0003', 'pinghook1', {
          endpointType: 'StorageQueue',
          serviceUri: queueUrl('pings'),
          connectionString: svc.azurite.connectionString,
        })
      ).status,
    ).toBe(201);
    const ping = await api(svc, `${hookPath('sqreg0003', 'pinghook1')}/ping`, { method: 'POST' });
    expect(ping.status).toBe(200);
    const { id } = (await ping.json()) as { id: string };
    const [pinged] = await readAll('pings');
    expect(JSON.parse(pinged!.body)).toEqual({ id, timestamp: expect.any(String) as string, action: 'ping' });

    const eventId = await push('sqreg0003', 'app', 'v1');
    await drained(svc.azurite.connectionString);
    const [sent] = await readAll('pings');
    const redo = await api(svc, `${hookPath('sqreg0003', 'pinghook1')}/events/${eventId}/redeliver`, { method: 'POST' });
    expect(redo.status).toBe(200);
    await drained(svc.azurite.connectionString);
    const [resent] = await readAll('pings');
    expect(resent!.body).toBe(sent!.body);
  });

  it('records a missing queue as a failed delivery with the reason; it counts toward auto-disable; recover sends once the queue exists', async () => {
    const since = new Date().toISOString();
    expect(
      (
        await createHook('sqreg0004', 'noqueue01', {
          endpointType: 'StorageQueue',
          serviceUri: queueUrl('not-yet'),
          connectionString: svc.azurite.connectionString,
        })
      ).status,
    ).toBe(201);
    const ids: string[] = [];
    // Failing for AUTO_DISABLE_AFTER_HOURS (a second) disables it; each poll sends one more event.
    await eventually(
      async () => {
        const hook = (await (await api(svc, hookPath('sqreg0004', 'noqueue01'))).json()) as { properties: { status: string } };
        if (hook.properties.status === 'disabled') return true;
        ids.push(await push('sqreg0004', 'app', `v${ids.length}`));
        await drained(svc.azurite.connectionString);
        await new Promise((r) => setTimeout(r, 300));
        return undefined;
      },
      20_000,
      'the webhook disabled after failing for a second',
    );
    const listed = await listEvents('sqreg0004', 'noqueue01');
    expect(listed.length).toBeGreaterThanOrEqual(2);
    const failed = listed.find((e) => e.delivery.state === 'failed')!;
    expect(failed.delivery).toMatchObject({
      state: 'failed',
      attempts: 1,
      lastError: 'HTTP 404 QueueNotFound: The specified queue does not exist.',
    });
    expect(failed.eventResponseMessage).toMatchObject({
      statusCode: '404',
      reasonPhrase: 'QueueNotFound: The specified queue does not exist.',
      headers: { 'x-ms-error-code': 'QueueNotFound', 'x-ms-request-id': expect.any(String) as string },
    });
    const hook = (await (await api(svc, hookPath('sqreg0004', 'noqueue01'))).json()) as {
      properties: { status: string; statusReason: string; deliveryHealth: { consecutiveFailures: number } };
    };
    expect(hook.properties.status).toBe('disabled');
    expect(hook.properties.statusReason).toMatch(/^Disabled by the service at \S+: every delivery attempt failed since/);
    expect(hook.properties.deliveryHealth.consecutiveFailures).toBeGreaterThanOrEqual(2);

    // The queue is made, the webhook enabled, and recover sends every failed or held delivery once.
    await queue('not-yet').create();
    await api(svc, hookPath('sqreg0004', 'noqueue01'), { method: 'PATCH', json: { properties: { status: 'enabled' } } });
    const recovered = await api(svc, `${hookPath('sqreg0004', 'noqueue01')}/recover`, { method: 'POST', json: { since } });
    expect(recovered.status).toBe(200);
    await drained(svc.azurite.connectionString);
    const delivered = await readAll('not-yet');
    expect(delivered.map((m) => (JSON.parse(m.body) as { id: string }).id).sort()).toEqual(listed.map((e) => e.id).sort());
  });

  it('counts attempts by endpoint type', async () => {
    const text = await (await api(svc, '/metrics')).text();
    const count = (outcome: string, type: string) => deliveriesOf(text, outcome, type);
    expect(count('succeeded', 'StorageQueue')).toBeGreaterThanOrEqual(6);
    expect(count('failed', 'StorageQueue')).toBeGreaterThanOrEqual(2);
    expect(count('succeeded', 'WebHook')).toBe(2);
  });

  it('never shows or logs the connection string: only getCallbackConfig returns it', async () => {
    const secret = 'AccountName=devstoreaccount1;AccountKey=c2VjcmV0LWtleS10aGF0LW11c3Qtbm90LWxlYWs=';
    const key = 'c2VjcmV0LWtleS10aGF0LW11c3Qtbm90LWxlYWs=';
    const created = await createHook('sqreg0005', 'secrethk1', {
      endpointType: 'StorageQueue',
      serviceUri: queueUrl('registry-events-sq1'),
      connectionString: secret,
    });
    expect(created.status).toBe(201);
    const patched = await api(svc, hookPath('sqreg0005', 'secrethk1'), {
      method: 'PATCH',
      json: { properties: { connectionString: secret, scope: 'app:*' } },
    });
    const answers = [
      await created.text(),
      await patched.text(),
      await (await api(svc, hookPath('sqreg0005', 'secrethk1'))).text(),
      await (await api(svc, '/registries/sqreg0005/webhooks')).text(),
    ];
    for (const text of answers) {
      expect(text).not.toContain(key);
      expect(text).not.toMatch(/connectionString/);
    }
    // A wrong key: Storage refuses the send (403), final, and nothing of the key is kept or logged.
    await push('sqreg0005', 'app', 'v1');
    await drained(svc.azurite.connectionString);
    const [event] = await listEvents('sqreg0005', 'secrethk1');
    expect(event!.delivery).toMatchObject({ state: 'failed', attempts: 1 });
    expect(event!.eventResponseMessage.statusCode).toBe('403');
    expect(JSON.stringify(event)).not.toContain(key);
    const config = await api(svc, `${hookPath('sqreg0005', 'secrethk1')}/getCallbackConfig`, { method: 'POST' });
    expect(await config.json()).toEqual({
      serviceUri: queueUrl('registry-events-sq1'),
      customHeaders: {},
      signingSecret: expect.stringMatching(/^whsec_/) as string,
      connectionString: secret,
    });
    expect(svc.logs.join('\n')).not.toContain(key);
    expect(svc.logs.join('\n')).not.toContain(svc.azurite.connectionString.match(/AccountKey=([^;]+)/)![1]!);
  });
});
