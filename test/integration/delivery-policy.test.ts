import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { api, INGEST_KEY, startService, type TestService } from '../helpers/service.js';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';
import { drained } from '../helpers/drained.js';
import { closeServer, holdPort } from '../helpers/ports.js';
import { purgeHistory } from '../../shared/pipeline/retention.js';
import { createTableClient } from '../../shared/storage/clients.js';

/* Retries, 410, redelivery, signatures and dead letters, with short schedules set through config. */
let svc: TestService;
let rx: Receiver;
beforeAll(async () => {
  rx = await startReceiver();
  svc = await startService({ DELIVERY_RETRY_SCHEDULE: '0,0,0', DELIVERY_TIMEOUT_SECONDS: '0.5', DELIVERY_INLINE_WAIT_SECONDS: '2' });
});
afterAll(async () => {
  await svc.close();
  await rx.close();
});

type Listed = {
  id: string;
  eventResponseMessage: { statusCode?: string };
  delivery: { state: string; attempts: number; lastError?: string };
};

async function hook(registry: string, name: string, serviceUri = `${rx.url}/${name}`) {
  const res = await api(svc, `/registries/${registry}/webhooks/${name}`, {
    method: 'PUT',
    json: { location: 'westus', properties: { serviceUri, actions: ['push'] } },
  });
  expect(res.status).toBe(201);
}
let n = 0;
async function push(registry: string) {
  const event = {
    id: `evt-${++n}-${Date.now()}`,
    timestamp: new Date().toISOString(),
    action: 'push',
    target: { repository: 'app', tag: 'v1', digest: 'sha256:' + 'd'.repeat(64) },
  };
  const res = await api(svc, `/registries/${registry}/events`, { method: 'POST', key: INGEST_KEY, json: event });
  expect(res.status).toBe(202);
  return event;
}
async function events(registry: string, name: string): Promise<Listed[]> {
  const res = await api(svc, `/registries/${registry}/webhooks/${name}/listEvents`, { method: 'POST' });
  return ((await res.json()) as { value: Listed[] }).value;
}
const settledTo = (registry: string, name: string, state: string) =>
  eventually(
    async () => {
      const list = await events(registry, name);
      return list[0]?.delivery.state === state ? list : undefined;
    },
    15_000,
    `${name} ${state}`,
  );

describe('retries', () => {
  it('500, 500, then 200: three attempts, recorded as succeeded after 3', async () => {
    await hook('policyreg1', 'retry0001');
    rx.script.push({ status: 500 }, { status: 500 });
    await push('policyreg1');
    const list = await settledTo('policyreg1', 'retry0001', 'succeeded');
    expect(list[0]).toMatchObject({ eventResponseMessage: { statusCode: '200' }, delivery: { state: 'succeeded', attempts: 3 } });
    expect(rx.forPath('/retry0001')).toHaveLength(3);
    expect(svc.logs.join('\n')).toMatch(
      /delivery failed: registry=policyreg1 event=\S+ action=push webhook=retry0001 attempt=1: HTTP 500 Internal Server Error; retry 2 in 0s/,
    );
  });

  it('honours Retry-After', async () => {
    await hook('policyra01', 'retryafter');
    rx.script.push({ status: 429, headers: { 'retry-after': '1' } });
    await push('policyra01');
    await settledTo('policyra01', 'retryafter', 'succeeded');
    const [first, second] = rx.forPath('/retryafter');
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
  });

  it('treats 404 as final', async () => {
    await hook('policy4041', 'final0404');
    rx.script.push({ status: 404 });
    await push('policy4041');
    const list = await settledTo('policy4041', 'final0404', 'failed');
    expect(list[0]!.delivery).toMatchObject({ attempts: 1, lastError: 'HTTP 404 Not Found' });
    // Nothing queued any more (a retry would be a message in webhook-deliveries): it was the last attempt.
    await drained(svc.azurite.connectionString);
    expect(rx.forPath('/final0404')).toHaveLength(1);
    expect((await events('policy4041', 'final0404'))[0]!.delivery).toMatchObject({ state: 'failed', attempts: 1 });
  });

  it('retries a receiver slower than the timeout', async () => {
    await hook('policyslow', 'slowfirst');
    // The first answer comes only after the retry has succeeded: later than any timeout, on any machine.
    let answerLate = () => {};
    rx.script.push({ status: 200, hold: new Promise<void>((resolve) => (answerLate = resolve)) });
    try {
      await push('policyslow');
      const list = await settledTo('policyslow', 'slowfirst', 'succeeded');
      expect(list[0]!.delivery).toMatchObject({ attempts: 2 });
      expect(svc.logs.join('\n')).toMatch(/webhook=slowfirst attempt=1: no response within 0\.5 s; retry 2 in 0s/);
    } finally {
      answerLate();
    }
  });

  it('keeps an exhausted delivery as failed, and it can be redelivered', async () => {
    await hook('policyexh1', 'exhausted');
    rx.script.push({ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 });
    const event = await push('policyexh1');
    const list = await settledTo('policyexh1', 'exhausted', 'failed');
    expect(list[0]!.delivery).toMatchObject({ attempts: 4, lastError: 'HTTP 503 Service Unavailable' });
    const res = await api(svc, `/registries/policyexh1/webhooks/exhausted/events/${event.id}/redeliver`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      id: event.id,
      eventResponseMessage: { statusCode: '200' },
      delivery: { state: 'succeeded', attempts: 1 },
    });
    const after = await events('policyexh1', 'exhausted');
    expect(after.map((e) => [e.id, e.delivery.state])).toEqual([
      [event.id, 'succeeded'],
      [event.id, 'failed'],
    ]);
    const sent = rx.forPath('/exhausted');
    expect(sent).toHaveLength(5);
    expect(new Set(sent.map((r) => r.body)).size).toBe(1); // byte for byte the same
    expect(new Set(sent.map((r) => r.headers['webhook-id'])).size).toBe(1);
  });

  it('404s a redelivery of an event the webhook never got', async () => {
    const res = await api(svc, '/registries/policyexh1/webhooks/exhausted/events/nope/redeliver', { method: 'POST' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ResourceNotFound');
  });

  it('delivers once a receiver that was down comes back', async () => {
    // The receiver's address refuses connections (it is down) until the test listens there, and no other
    // process can take its port meanwhile.
    const down = await holdPort();
    const own = await startService({ DELIVERY_RETRY_SCHEDULE: '1,1,1,1,1', DELIVERY_TIMEOUT_SECONDS: '1' });
    const listed = async () => {
      const res = await api(own, '/registries/policyreg3/webhooks/downthenup/listEvents', { method: 'POST' });
      return ((await res.json()) as { value: Listed[] }).value;
    };
    try {
      await api(own, '/registries/policyreg3/webhooks/downthenup', {
        method: 'PUT',
        json: { location: 'westus', properties: { serviceUri: `${down.url}/hook`, actions: ['push'] } },
      });
      const event = {
        id: `down-${Date.now()}`,
        timestamp: new Date().toISOString(),
        action: 'push',
        target: { repository: 'app', tag: 'v1' },
      };
      await api(own, '/registries/policyreg3/events', { method: 'POST', key: INGEST_KEY, json: event });
      const refused = await eventually(
        async () => {
          const [e] = await listed();
          return e && e.delivery.attempts >= 1 ? e : undefined;
        },
        15_000,
        'a refused attempt recorded',
      );
      expect(refused.delivery).toMatchObject({ state: 'pending', lastError: 'connection refused' });
      const bodies: string[] = [];
      const back = createServer((req, res) => {
        let b = '';
        req.on('data', (c: Buffer) => (b += c.toString()));
        req.on('end', () => {
          bodies.push(b);
          res.end('ok');
        });
      });
      await new Promise<void>((r) => back.listen(down.port, down.host, r));
      try {
        const list = await eventually(async () => {
          const l = await listed();
          return l[0]?.delivery.state === 'succeeded' ? l : undefined;
        }, 15_000);
        expect(list[0]!.delivery.attempts).toBeGreaterThanOrEqual(2);
        await drained(own.azurite.connectionString);
        expect(bodies.map((b) => JSON.parse(b) as unknown)).toEqual([event]);
      } finally {
        await closeServer(back);
      }
    } finally {
      await own.close();
      await down.release();
    }
  });
});

describe('410 Gone', () => {
  it('disables the webhook and records why', async () => {
    await hook('policyreg2', 'gonehook1');
    rx.script.push({ status: 410 });
    await push('policyreg2');
    const list = await settledTo('policyreg2', 'gonehook1', 'failed');
    expect(list[0]!.delivery).toMatchObject({
      attempts: 1,
      lastError: 'HTTP 410 Gone: the endpoint asked to stop; the webhook was disabled',
    });
    const got = (await (await api(svc, '/registries/policyreg2/webhooks/gonehook1')).json()) as {
      properties: { status: string; statusReason?: string };
    };
    expect(got.properties.status).toBe('disabled');
    expect(got.properties.statusReason).toMatch(/^Disabled by the service at .*: the endpoint answered 410 Gone to event evt-/);
    const later = await push('policyreg2');
    // Its fan-out has run and found no enabled webhook, and nothing is queued: the disabled one got nothing,
    // and the event is recorded for it as held (for recover once it is enabled).
    await drained(svc.azurite.connectionString);
    expect(svc.logs.join('\n')).toContain(`fan-out: registry=policyreg2 event=${later.id} action=push matched=0 succeeded=0`);
    expect(rx.forPath('/gonehook1')).toHaveLength(1);
    expect((await events('policyreg2', 'gonehook1'))[0]).toMatchObject({ id: later.id, delivery: { state: 'held', attempts: 0 } });
    // Enabling again clears the reason.
    const patched = (await (
      await api(svc, '/registries/policyreg2/webhooks/gonehook1', { method: 'PATCH', json: { properties: { status: 'enabled' } } })
    ).json()) as {
      properties: Record<string, unknown>;
    };
    expect(patched.properties).not.toHaveProperty('statusReason');
  });
});

describe('signatures (Standard Webhooks)', () => {
  it('signs every delivery so the standardwebhooks package verifies it, and rotation signs with both secrets for a day', async () => {
    await hook('policyreg4', 'signed001');
    const cfg = (await (await api(svc, '/registries/policyreg4/webhooks/signed001/getCallbackConfig', { method: 'POST' })).json()) as {
      signingSecret: string;
    };
    expect(cfg.signingSecret).toMatch(/^whsec_/);
    const event = await push('policyreg4');
    const [got] = await rx.waitFor(1, 10_000, '/signed001');
    const headers = {
      'webhook-id': String(got!.headers['webhook-id']),
      'webhook-timestamp': String(got!.headers['webhook-timestamp']),
      'webhook-signature': String(got!.headers['webhook-signature']),
    };
    expect(headers['webhook-id']).toBe(event.id);
    expect(new Webhook(cfg.signingSecret).verify(got!.body, headers)).toEqual(event);
    expect(() => new Webhook(`whsec_${Buffer.from('x'.repeat(24)).toString('base64')}`).verify(got!.body, headers)).toThrow();
    // The secret is not in any other answer.
    const get = await (await api(svc, '/registries/policyreg4/webhooks/signed001')).text();
    expect(get).not.toContain(cfg.signingSecret);

    const rotated = await api(svc, '/registries/policyreg4/webhooks/signed001/rotateSigningSecret', { method: 'POST' });
    expect(rotated.status).toBe(200);
    const body = (await rotated.json()) as { rotatedAt: string; previousSecretExpiresAt: string };
    expect(Date.parse(body.previousSecretExpiresAt) - Date.parse(body.rotatedAt)).toBe(24 * 3600 * 1000);
    expect(JSON.stringify(body)).not.toContain('whsec_');
    const cfg2 = (await (await api(svc, '/registries/policyreg4/webhooks/signed001/getCallbackConfig', { method: 'POST' })).json()) as {
      signingSecret: string;
    };
    expect(cfg2.signingSecret).not.toBe(cfg.signingSecret);
    await push('policyreg4');
    const [, second] = await rx.waitFor(2, 10_000, '/signed001');
    const h2 = {
      'webhook-id': String(second!.headers['webhook-id']),
      'webhook-timestamp': String(second!.headers['webhook-timestamp']),
      'webhook-signature': String(second!.headers['webhook-signature']),
    };
    expect(h2['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(cfg2.signingSecret).verify(second!.body, h2)).toBeTruthy();
    expect(new Webhook(cfg.signingSecret).verify(second!.body, h2)).toBeTruthy();
  });
});

describe('dead letters', () => {
  it('records a poisoned message with its reason, fails its deliveries, and replays it', async () => {
    await hook('policyreg5', 'deadhook1');
    // A fan-out message as the host leaves it in the poison queue after maxDequeueCount failures.
    const event = {
      id: `dead-${Date.now()}`,
      timestamp: new Date().toISOString(),
      action: 'push',
      target: { repository: 'app', tag: 'v9' },
    };
    const message = { v: 1, type: 'events', registry: 'policyreg5', items: [{ event, receivedAt: new Date().toISOString() }] };
    const { QueueClient } = await import('@azure/storage-queue');
    await new QueueClient(svc.azurite.connectionString, 'registry-events-poison').sendMessage(
      Buffer.from(JSON.stringify(message)).toString('base64'),
    );
    const listed = await eventually(async () => {
      const res = await api(svc, '/deadletters');
      const body = (await res.json()) as { value: { queue: string; id: string; reason: string; message: unknown }[] };
      return body.value.find((d) => JSON.stringify(d.message).includes(event.id));
    });
    expect(listed).toEqual({
      queue: 'registry-events',
      id: expect.any(String),
      at: expect.any(String),
      reason: expect.stringContaining('maxDequeueCount'),
      message,
    });
    expect(rx.forPath('/deadhook1')).toHaveLength(0);
    const replay = await api(svc, `/deadletters/registry-events/${listed.id}/replay`, { method: 'POST' });
    expect(replay.status).toBe(200);
    const [got] = await rx.waitFor(1, 10_000, '/deadhook1');
    expect(JSON.parse(got!.body)).toEqual(event);
    const after = (await (await api(svc, '/deadletters')).json()) as { value: { id: string }[] };
    expect(after.value.map((d) => d.id)).not.toContain(listed.id);
    expect((await api(svc, `/deadletters/registry-events/${listed.id}/replay`, { method: 'POST' })).status).toBe(404);
    expect((await api(svc, '/deadletters', { key: INGEST_KEY })).status).toBe(401);
    const bad = await api(svc, '/deadletters/registry-events/%23bad/replay', { method: 'POST' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { target: string } }).error.target).toBe('id');
    expect((await api(svc, `/deadletters/other-queue/${listed.id}/replay`, { method: 'POST' })).status).toBe(400);
  });
});

describe('bounds', () => {
  it('keeps at most STORED_RESPONSE_BYTES of a response', async () => {
    await hook('policybig1', 'bigreply1');
    rx.script.push({ status: 200, body: 'x'.repeat(20_000) });
    await push('policybig1');
    const list = await settledTo('policybig1', 'bigreply1', 'succeeded');
    expect((list[0] as unknown as { eventResponseMessage: { content: string } }).eventResponseMessage.content).toHaveLength(16_384);
  });

  it('rejects an event larger than MAX_EVENT_BYTES and keeps the others', async () => {
    const tags = Array.from({ length: 200 }, (_, i) => `t${i}`.padEnd(100, 'x'));
    const big = {
      id: 'big-1',
      timestamp: new Date().toISOString(),
      action: 'delete',
      target: { repository: 'app', digest: 'sha256:' + 'e'.repeat(64), tags },
    };
    const small = {
      id: 'small-1',
      timestamp: new Date().toISOString(),
      action: 'delete',
      target: { repository: 'app', digest: 'sha256:' + 'e'.repeat(64) },
    };
    const res = await api(svc, '/registries/policybig2/events', { method: 'POST', key: INGEST_KEY, json: [big, small] });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({
      accepted: [{ index: 1, id: 'small-1', action: 'delete' }],
      duplicates: [],
      ignored: [],
      rejected: [
        { index: 0, id: 'big-1', message: expect.stringMatching(/^the event is \d+ bytes; the limit is 16384 \(MAX_EVENT_BYTES\)$/) },
      ],
    });
  });
});

describe('history retention', () => {
  it('deletes deliveries and accepted-event rows older than EVENT_RETENTION_DAYS, and nothing newer', async () => {
    await hook('policyret1', 'retained1');
    await push('policyret1');
    await settledTo('policyret1', 'retained1', 'succeeded');
    // Nothing is old yet.
    expect(await purgeHistory(svc.deps)).toEqual({ deleted: 0 });
    expect(await events('policyret1', 'retained1')).toHaveLength(1);
    // 31 days later (retention 30), the row goes.
    const later = new Date(Date.now() + 31 * 86_400_000);
    const { deleted } = await purgeHistory(svc.deps, later);
    expect(deleted).toBeGreaterThanOrEqual(2); // at least this delivery and its event row
    expect(await events('policyret1', 'retained1')).toHaveLength(0);
  });

  it('deletes every history row kind past the retention (deliveries, events, holds, index claims) and keeps the manifest memory', async () => {
    await hook('policyret2', 'retained2');
    const pushed = await push('policyret2');
    await settledTo('policyret2', 'retained2', 'succeeded');
    const now = new Date().toISOString();
    const digest = (c: string) => `sha256:${c.repeat(64)}`;
    // What the registry remembers of a manifest push (as a CNCF registry's push writes it).
    await svc.deps.memory.remember('policyret2', [
      { event: { ...pushed, action: 'push', target: pushed.target }, receivedAt: now, remember: true },
    ]);
    // A multi-arch hold window's rows: a held child push, and an index's claim on another child.
    await svc.deps.coalesceWindow.hold('policyret2', {
      repository: 'app',
      digest: digest('1'),
      eventId: 'child-1',
      receivedAt: now,
      webhooks: ['retained2'],
    });
    await svc.deps.coalesceWindow.adopt('policyret2', 'app', { digest: digest('9'), receivedAt: now }, [digest('2')]);
    const table = createTableClient(svc.config.storage, 'events');
    const kinds = async () => {
      const found = new Set<string>();
      const filter = "PartitionKey ge 'policyret2' and PartitionKey lt 'policyret2}'";
      for await (const e of table.listEntities({ queryOptions: { filter } })) found.add(e.rowKey!.slice(0, e.rowKey!.indexOf('|')));
      return [...found].sort();
    };
    expect(await kinds()).toEqual(['claim', 'del', 'evt', 'hold', 'man', 'tag']);
    // Within the retention (30 days): all kept.
    await purgeHistory(svc.deps, new Date(Date.now() + 29 * 86_400_000));
    expect(await kinds()).toEqual(['claim', 'del', 'evt', 'hold', 'man', 'tag']);
    // Past it: only what the registry remembers stays (a delete can come long after its push).
    await purgeHistory(svc.deps, new Date(Date.now() + 31 * 86_400_000));
    expect(await kinds()).toEqual(['man', 'tag']);
  });
});
