import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, INGEST_KEY, startService, type TestService } from '../helpers/service.js';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';
import { drained } from '../helpers/drained.js';
import { holdPort } from '../helpers/ports.js';

let svc: TestService;
let rx: Receiver;
beforeAll(async () => {
  rx = await startReceiver();
  svc = await startService({
    DELIVERY_RETRY_SCHEDULE: 'none',
    // Room for a loaded machine: the fan-out summary below expects three quick answers within the inline
    // wait; the slow endpoint's test holds its answer until it has seen the hand-off, whatever the wait.
    DELIVERY_TIMEOUT_SECONDS: '5',
    DELIVERY_INLINE_WAIT_SECONDS: '1.5',
    LIST_PAGE_SIZE: '2',
  });
});
afterAll(async () => {
  await svc.close();
  await rx.close();
});

const DIGEST = 'sha256:' + 'a'.repeat(64);

function pushEvent(repository: string, tag: string | undefined, id = randomUUID()) {
  return {
    id,
    timestamp: '2026-11-27T10:00:00.000Z',
    action: 'push',
    target: {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 525,
      digest: DIGEST,
      length: 525,
      repository,
      ...(tag ? { tag } : {}),
    },
    request: { id: randomUUID(), host: 'myregistry.azurecr.io', method: 'PUT', useragent: 'skopeo/1.9' },
  };
}

async function createHook(registry: string, name: string, props: Record<string, unknown>) {
  const res = await api(svc, `/registries/${registry}/webhooks/${name}`, {
    method: 'PUT',
    json: { location: 'westus', properties: { serviceUri: `${rx.url}/${name}`, actions: ['push', 'delete'], ...props } },
  });
  expect(res.status).toBe(201);
}

function ingest(registry: string, body: unknown, type = 'application/json', key: string | null = INGEST_KEY) {
  return api(svc, `/registries/${registry}/events`, { method: 'POST', key, body: JSON.stringify(body), headers: { 'content-type': type } });
}

async function listEvents(registry: string, name: string): Promise<{ value: Record<string, unknown>[]; nextLink?: string }> {
  const res = await api(svc, `/registries/${registry}/webhooks/${name}/listEvents`, { method: 'POST' });
  expect(res.status).toBe(200);
  return (await res.json()) as { value: Record<string, unknown>[]; nextLink?: string };
}

describe('ingest → fan-out → delivery', () => {
  it('delivers ACR payloads to every matching, enabled webhook and records each delivery', async () => {
    await createHook('pipereg01', 'allevents', { customHeaders: { Authorization: 'Bearer hook-secret' } });
    await createHook('pipereg01', 'apponly01', { scope: 'team/app:*' });
    await createHook('pipereg01', 'tagonly01', { scope: 'team/app:v1' });
    await createHook('pipereg01', 'otherrepo', { scope: 'other:*' });
    await createHook('pipereg01', 'deleteonly', { actions: ['delete'] });
    await createHook('pipereg01', 'disabled01', { status: 'disabled' });

    const event = pushEvent('team/app', 'v1');
    const res = await ingest('pipereg01', event);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: [{ index: 0, id: event.id, action: 'push' }], duplicates: [], ignored: [], rejected: [] });

    await rx.waitFor(1, 10_000, '/tagonly01');
    await rx.waitFor(1, 10_000, '/apponly01');
    const [got] = await rx.waitFor(1, 10_000, '/allevents');
    expect(JSON.parse(got!.body)).toEqual(event);
    expect(got!.method).toBe('POST');
    expect(got!.headers['content-type']).toBe('application/json');
    expect(got!.headers['user-agent']).toMatch(/^AzureContainerRegistry\//);
    expect(got!.headers['authorization']).toBe('Bearer hook-secret');
    // The fan-out has run to its end and nothing is left queued: the others were never sent anything.
    await drained(svc.azurite.connectionString);
    expect(rx.forPath('/otherrepo')).toHaveLength(0);
    expect(rx.forPath('/deleteonly')).toHaveLength(0);
    expect(rx.forPath('/disabled01')).toHaveLength(0);

    const list = await eventually(async () => {
      const l = await listEvents('pipereg01', 'allevents');
      return l.value.length === 1 ? l : undefined;
    });
    expect(list).toEqual({
      value: [
        {
          id: event.id,
          eventRequestMessage: {
            content: event,
            headers: {
              'content-type': 'application/json',
              'user-agent': expect.stringMatching(/^AzureContainerRegistry\//),
              authorization: '***',
              'webhook-id': event.id,
              'webhook-timestamp': expect.stringMatching(/^\d{10}$/),
              'webhook-signature': '***',
            },
            method: 'POST',
            requestUri: `${rx.url}/allevents`,
            version: '1.1',
          },
          eventResponseMessage: {
            content: 'ok',
            headers: expect.objectContaining({ 'content-type': 'text/plain' }),
            reasonPhrase: 'OK',
            statusCode: '200',
            version: '1.1',
          },
          delivery: {
            state: 'succeeded',
            action: 'push',
            image: 'team/app:v1',
            attempts: 1,
            durationMs: expect.any(Number),
            createdAt: expect.any(String),
            updatedAt: expect.any(String),
          },
        },
      ],
    });
    expect(JSON.stringify(list)).not.toContain('hook-secret');
    expect(svc.logs.join('\n')).not.toContain('hook-secret');
    // The fan-out logs after its transaction commits, so the line may follow the rows by a moment.
    const line = `fan-out: registry=pipereg01 event=${event.id} action=push matched=3 succeeded=3`;
    await eventually(() => Promise.resolve(svc.logs.some((l) => l.includes(line)) || undefined), 5_000, 'the fan-out log line');
  });

  it('accepts a repeated event id and does not deliver it twice', async () => {
    await createHook('pipereg02', 'dedupe001', {});
    const event = pushEvent('app', 'latest');
    expect((await ingest('pipereg02', event)).status).toBe(202);
    await rx.waitFor(1, 10_000, '/dedupe001');
    await eventually(async () => ((await listEvents('pipereg02', 'dedupe001')).value.length === 1 ? true : undefined));
    const again = await ingest('pipereg02', event);
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ accepted: [], duplicates: [{ index: 0, id: event.id }], ignored: [], rejected: [] });
    await drained(svc.azurite.connectionString);
    expect(rx.forPath('/dedupe001')).toHaveLength(1);
    expect((await listEvents('pipereg02', 'dedupe001')).value).toHaveLength(1);
  });

  it('queues the valid events of a batch and reports the invalid ones', async () => {
    await createHook('pipereg03', 'batch0001', {});
    const good = pushEvent('app', 'v2');
    const res = await ingest('pipereg03', [good, { id: 'x1', action: 'push' }, { ...pushEvent('App', 'v1'), id: 'x2' }]);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({
      accepted: [{ index: 0, id: good.id, action: 'push' }],
      duplicates: [],
      ignored: [],
      rejected: [
        { index: 1, id: 'x1', message: expect.stringContaining('timestamp') },
        { index: 2, id: 'x2', message: expect.stringContaining('lowercase repository') },
      ],
    });
    const [got] = await rx.waitFor(1, 10_000, '/batch0001');
    expect(JSON.parse(got!.body)).toEqual(good);
  });

  it('answers bad input with ACR errors and queues nothing', async () => {
    let res = await ingest('pipereg03', [{ id: 'bad' }]);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: { code: 'InvalidParameter', message: expect.stringMatching(/^No event was accepted: 1 invalid; event 0 \(bad\)/) },
    });
    res = await ingest('pipereg03', 'not json', 'application/json');
    expect(res.status).toBe(400);
    res = await api(svc, '/registries/pipereg03/events', {
      method: 'POST',
      key: INGEST_KEY,
      body: '{',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('InvalidRequestContent');
    res = await ingest('pipereg03', pushEvent('app', 'x'), 'text/plain');
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UnsupportedMediaType');
    res = await ingest(
      'pipereg03',
      Array.from({ length: 101 }, () => pushEvent('app', 'x')),
    );
    expect(res.status).toBe(413);
    res = await ingest('pipereg03', pushEvent('app', 'x'), 'application/json', null);
    expect(res.status).toBe(401);
    res = await ingest('pipereg03', pushEvent('app', 'x'), 'application/json', svc.config.managementKeys[0]);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: 'AuthenticationFailed', message: 'The ingest key is not valid.' } });
  });

  it.each([
    'application/json',
    'application/vnd.docker.distribution.events.v1+json',
    'application/cloudevents+json',
    'application/cloudevents-batch+json',
  ])('answers odd %s bodies with a 4xx (or an empty 2xx), never a 5xx', async (type) => {
    const bodies = [
      '[]',
      '{}',
      'null',
      '"x"',
      '[null]',
      '[1]',
      '{"events":null}',
      '{"events":[null]}',
      '[{"eventType":"x"}]',
      '{"specversion":"1.0"}',
    ];
    for (const body of bodies) {
      const res = await api(svc, '/registries/pipereg03/events', {
        method: 'POST',
        key: INGEST_KEY,
        body,
        headers: { 'content-type': type },
      });
      expect([200, 202, 400], `${type} ${body} → ${res.status}`).toContain(res.status);
      if (res.status === 400) expect(await res.json()).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
    }
  });

  it('records a failed delivery with the response, and never retries when the schedule is empty', async () => {
    await createHook('pipereg04', 'failing01', {});
    rx.script.push({ status: 500, body: 'boom' });
    const event = pushEvent('app', 'v3');
    await ingest('pipereg04', event);
    const list = await eventually(async () => {
      const l = await listEvents('pipereg04', 'failing01');
      return l.value[0]?.['delivery'] && (l.value[0]['delivery'] as { state: string }).state === 'failed' ? l : undefined;
    });
    expect(list.value[0]).toMatchObject({
      id: event.id,
      eventResponseMessage: { content: 'boom', statusCode: '500', reasonPhrase: 'Internal Server Error' },
      delivery: { state: 'failed', attempts: 1, lastError: 'HTTP 500 Internal Server Error' },
    });
    expect(svc.logs.join('\n')).toMatch(
      /delivery failed: registry=pipereg04 event=\S+ action=push webhook=failing01 attempt=1: HTTP 500 Internal Server Error; giving up/,
    );
  });

  it('hands a slow endpoint off so the others are recorded at once', async () => {
    await createHook('pipereg05', 'slowhook1', {});
    await createHook('pipereg05', 'fasthook1', {});
    rx.answer = { status: 200, body: 'ok' };
    const event = pushEvent('app', 'slow');
    // The slow endpoint answers only when the test has seen the others recorded and its own still pending.
    let answer = () => {};
    const slow = { status: 202, body: 'late', hold: new Promise<void>((resolve) => (answer = resolve)) };
    // The receiver answers by arrival order; make only the slow webhook's path slow.
    const original = rx.server.listeners('request')[0] as (...a: unknown[]) => void;
    rx.server.removeAllListeners('request');
    rx.server.on('request', (req: { url?: string }, res: unknown) => {
      if (req.url === '/slowhook1') rx.script.unshift(slow);
      original(req, res);
    });
    try {
      await ingest('pipereg05', event);
      const fast = await eventually(async () => {
        const l = await listEvents('pipereg05', 'fasthook1');
        return l.value.length === 1 ? l : undefined;
      });
      expect(fast.value[0]).toMatchObject({ delivery: { state: 'succeeded' } });
      const pending = await listEvents('pipereg05', 'slowhook1');
      expect(pending.value[0]).toMatchObject({ delivery: { state: 'pending', attempts: 0, lastError: 'in flight' } });
      answer();
      const done = await eventually(async () => {
        const l = await listEvents('pipereg05', 'slowhook1');
        return (l.value[0]?.['delivery'] as { state?: string } | undefined)?.state === 'succeeded' ? l : undefined;
      });
      expect(done.value[0]).toMatchObject({ eventResponseMessage: { statusCode: '202', content: 'late' }, delivery: { attempts: 1 } });
      // The hand-off's backup message is withdrawn, not played: one request in all.
      await drained(svc.azurite.connectionString);
      expect(rx.forPath('/slowhook1')).toHaveLength(1);
    } finally {
      answer();
      rx.server.removeAllListeners('request');
      rx.server.on('request', original);
    }
  });
});

describe('ping', () => {
  it('sends ACR’s ping now, records it, and works on a disabled webhook', async () => {
    await createHook('pipereg06', 'pinghook1', { status: 'disabled', customHeaders: { 'X-Secret': 'zzz' } });
    const res = await api(svc, '/registries/pipereg06/webhooks/pinghook1/ping', { method: 'POST' });
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const [got] = await rx.waitFor(1, 5000, '/pinghook1');
    expect(JSON.parse(got!.body)).toEqual({ id, timestamp: expect.any(String), action: 'ping' });
    expect(got!.headers['x-secret']).toBe('zzz');
    const list = await listEvents('pipereg06', 'pinghook1');
    expect(list.value).toHaveLength(1);
    expect(list.value[0]).toMatchObject({
      id,
      eventRequestMessage: { content: { id, action: 'ping' }, headers: { 'x-secret': '***' } },
      eventResponseMessage: { statusCode: '200' },
    });
  });

  it('records an unreachable endpoint as failed and still answers 200 with the id', async () => {
    const nothing = await holdPort();
    try {
      await api(svc, '/registries/pipereg06/webhooks/pinghook2', {
        method: 'PUT',
        json: { location: 'westus', properties: { serviceUri: `${nothing.url}/nothing`, actions: ['push'] } },
      });
      const res = await api(svc, '/registries/pipereg06/webhooks/pinghook2/ping', { method: 'POST' });
      expect(res.status).toBe(200);
      const { id } = (await res.json()) as { id: string };
      const list = await listEvents('pipereg06', 'pinghook2');
      expect(list.value[0]).toMatchObject({
        id,
        eventResponseMessage: { reasonPhrase: 'connection refused' },
        delivery: { state: 'failed', attempts: 1, lastError: 'connection refused' },
      });
      expect(list.value[0]!['eventResponseMessage']).not.toHaveProperty('statusCode');
    } finally {
      await nothing.release();
    }
  });

  it('404s for an unknown webhook and needs the management key', async () => {
    expect((await api(svc, '/registries/pipereg06/webhooks/nothere01/ping', { method: 'POST' })).status).toBe(404);
    expect((await api(svc, '/registries/pipereg06/webhooks/pinghook1/ping', { method: 'POST', key: null })).status).toBe(401);
    expect((await api(svc, '/registries/pipereg06/webhooks/pinghook1/listEvents', { method: 'POST', key: INGEST_KEY })).status).toBe(401);
  });
});

describe('listEvents', () => {
  it('pages newest first with nextLink fetched by GET', async () => {
    await createHook('pipereg07', 'pagedhook', {});
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await api(svc, '/registries/pipereg07/webhooks/pagedhook/ping', { method: 'POST' });
      ids.push(((await res.json()) as { id: string }).id);
      // A delivery's row key carries its time in ms: let the clock move on so the three are strictly ordered.
      const recorded = Date.now();
      while (Date.now() <= recorded) await new Promise((r) => setImmediate(r));
    }
    const first = await listEvents('pipereg07', 'pagedhook');
    expect(first.value.map((e) => e['id'])).toEqual([ids[2], ids[1]]);
    expect(first.nextLink).toBeDefined();
    const second = await api(svc, first.nextLink!.replace(svc.url, ''), { method: 'GET' });
    expect(second.status).toBe(200);
    const body = (await second.json()) as { value: { id: string }[]; nextLink?: string };
    expect(body.value.map((e) => e.id)).toEqual([ids[0]]);
    expect(body.nextLink).toBeUndefined();
  });

  it('404s for an unknown webhook', async () => {
    const res = await api(svc, '/registries/pipereg07/webhooks/nothere01/listEvents', { method: 'POST' });
    expect(res.status).toBe(404);
  });

  it('deleting a webhook deletes its history', async () => {
    await createHook('pipereg08', 'historyh1', {});
    await api(svc, '/registries/pipereg08/webhooks/historyh1/ping', { method: 'POST' });
    expect((await listEvents('pipereg08', 'historyh1')).value).toHaveLength(1);
    expect((await api(svc, '/registries/pipereg08/webhooks/historyh1', { method: 'DELETE' })).status).toBe(200);
    await createHook('pipereg08', 'historyh1', {});
    expect((await listEvents('pipereg08', 'historyh1')).value).toHaveLength(0);
  });
});
