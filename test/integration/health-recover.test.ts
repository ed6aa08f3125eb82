import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, INGEST_KEY, startService, type TestService } from '../helpers/service.js';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';

/*
 * Delivery health, auto-disable, held deliveries and recover, end to end against a receiver that fails
 * until the test fixes it. AUTO_DISABLE_AFTER_HOURS is tiny (about a second) and health is written on
 * every attempt (interval 0), so the test observes each step instead of waiting for hours.
 */
const HOURS = 1 / 3600; // one second
let svc: TestService;
let rx: Receiver;
beforeAll(async () => {
  rx = await startReceiver();
  rx.answer = { status: 500, body: 'down' };
  svc = await startService({
    DELIVERY_RETRY_SCHEDULE: '0,0',
    DELIVERY_TIMEOUT_SECONDS: '2',
    AUTO_DISABLE_AFTER_HOURS: String(HOURS),
    HEALTH_WRITE_INTERVAL_SECONDS: '0',
  });
});
afterAll(async () => {
  await svc.close();
  await rx.close();
});

interface Health {
  consecutiveFailures: number;
  lastSuccessAt?: string;
  lastFailureAt?: string;
  failingSince?: string;
}
interface Hook {
  properties: { status: string; statusReason?: string; deliveryHealth: Health };
}
interface Listed {
  id: string;
  delivery: { state: string; attempts: number; lastError?: string };
}

const base = (registry: string, name: string) => `/registries/${registry}/webhooks/${name}`;
async function createHook(registry: string, name: string, status = 'enabled') {
  const res = await api(svc, base(registry, name), {
    method: 'PUT',
    json: { location: 'westus', properties: { serviceUri: `${rx.url}/${name}`, actions: ['push'], status } },
  });
  expect(res.status).toBe(201);
}
async function getHook(registry: string, name: string): Promise<Hook> {
  const res = await api(svc, base(registry, name));
  expect(res.status).toBe(200);
  return (await res.json()) as Hook;
}
let n = 0;
async function push(registry: string): Promise<string> {
  const id = `evt-${++n}-${Date.now()}`;
  const event = {
    id,
    timestamp: new Date().toISOString(),
    action: 'push',
    target: { repository: 'app', tag: `v${n}`, digest: 'sha256:' + 'e'.repeat(64) },
  };
  const res = await api(svc, `/registries/${registry}/events`, { method: 'POST', key: INGEST_KEY, json: event });
  expect(res.status).toBe(202);
  return id;
}
async function listEvents(registry: string, name: string): Promise<Listed[]> {
  const res = await api(svc, `${base(registry, name)}/listEvents?$top=1000`, { method: 'POST' });
  return ((await res.json()) as { value: Listed[] }).value;
}
const settled = (registry: string, name: string, count: number) =>
  eventually(
    async () => {
      const list = await listEvents(registry, name);
      return list.length === count && list.every((e) => e.delivery.state !== 'pending') ? list : undefined;
    },
    20_000,
    `${count} deliveries of ${name} settled`,
  );

describe('delivery health (AUTO_DISABLE_AFTER_HOURS=0: never disabled)', () => {
  let main: TestService;
  beforeAll(async () => {
    main = svc;
    svc = await startService({ DELIVERY_RETRY_SCHEDULE: '0,0', AUTO_DISABLE_AFTER_HOURS: '0', HEALTH_WRITE_INTERVAL_SECONDS: '0' });
  });
  afterAll(async () => {
    await svc.close();
    svc = main;
  });

  it('starts healthy, records failures with failingSince, and a success ends the streak', async () => {
    await createHook('healthreg1', 'health001');
    expect((await getHook('healthreg1', 'health001')).properties.deliveryHealth).toEqual({ consecutiveFailures: 0 });
    rx.script.push({ status: 503 }, { status: 503 }, { status: 503 }); // one event: three failed attempts
    await push('healthreg1');
    await settled('healthreg1', 'health001', 1);
    const failing = (await getHook('healthreg1', 'health001')).properties;
    expect(failing.status).toBe('enabled');
    expect(failing.deliveryHealth).toEqual({
      consecutiveFailures: 3,
      lastFailureAt: expect.any(String) as string,
      failingSince: expect.any(String) as string,
    });
    rx.script.push({ status: 200 });
    await push('healthreg1');
    const healthy = await eventually(async () => {
      const h = (await getHook('healthreg1', 'health001')).properties.deliveryHealth;
      return h.lastSuccessAt ? h : undefined;
    });
    expect(healthy.consecutiveFailures).toBe(0);
    expect(healthy.failingSince).toBeUndefined();
    expect(healthy.lastFailureAt).toBe(failing.deliveryHealth.lastFailureAt);
    expect(Date.parse(healthy.lastSuccessAt!)).toBeGreaterThanOrEqual(Date.parse(failing.deliveryHealth.lastFailureAt!));
    // Listed webhooks carry it too.
    const list = (await (await api(svc, '/registries/healthreg1/webhooks')).json()) as { value: Hook[] };
    expect(list.value[0]!.properties.deliveryHealth).toEqual(healthy);
  });
});

describe('auto-disable, held deliveries and recover', () => {
  it('disables a webhook that fails for AUTO_DISABLE_AFTER_HOURS, holds later events, and recover sends each once, in order', async () => {
    const start = new Date().toISOString();
    await createHook('autodisreg', 'alwaysbad');
    const failedIds: string[] = [];
    // Events keep failing until the service disables the webhook (each poll posts one more).
    const disabled = await eventually(
      async () => {
        const hook = await getHook('autodisreg', 'alwaysbad');
        if (hook.properties.status === 'disabled') return hook;
        failedIds.push(await push('autodisreg'));
        return undefined;
      },
      30_000,
      'the webhook disabled by the service',
    );
    expect(failedIds.length).toBeGreaterThanOrEqual(1);
    expect(disabled.properties.statusReason).toMatch(
      /^Disabled by the service at \S+: every delivery attempt failed since \S+ \(\d+ in a row, AUTO_DISABLE_AFTER_HOURS=0\.000277\d*\)\./,
    );
    expect(disabled.properties.deliveryHealth.failingSince).toBeDefined();
    expect(disabled.properties.deliveryHealth.consecutiveFailures).toBeGreaterThanOrEqual(2);

    // Later events are recorded as held: not sent, not dropped.
    const heldIds = [await push('autodisreg'), await push('autodisreg')];
    const all = await settled('autodisreg', 'alwaysbad', failedIds.length + 2);
    const states = new Map(all.map((e) => [e.id, e.delivery.state]));
    for (const id of heldIds) expect(states.get(id)).toBe('held');
    for (const id of failedIds) expect(['failed', 'held']).toContain(states.get(id)); // a retry due after the disable is held
    expect(all.find((e) => e.id === heldIds[0])!.delivery).toMatchObject({
      attempts: 0,
      lastError: expect.stringMatching(/^held: the webhook is disabled/) as string,
    });
    const sentBefore = rx.forPath('/alwaysbad').length;
    expect(rx.forPath('/alwaysbad').some((r) => heldIds.includes(r.headers['webhook-id'] as string))).toBe(false);

    // Disabled: recover refuses, and says what to do.
    const refused = await api(svc, `${base('autodisreg', 'alwaysbad')}/recover`, { method: 'POST', json: { since: start } });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toEqual({
      error: {
        code: 'Conflict',
        message: `The webhook 'alwaysbad' is disabled, so recovered deliveries would only be held again. Enable it first (PATCH properties.status to 'enabled'), then recover.`,
      },
    });

    // The endpoint is fixed; the owner enables the webhook (the failure streak starts over) and recovers.
    rx.answer = { status: 200, body: 'ok' };
    const enabled = await api(svc, base('autodisreg', 'alwaysbad'), { method: 'PATCH', json: { properties: { status: 'enabled' } } });
    expect(enabled.status).toBe(200);
    const enabledBody = (await enabled.json()) as Hook;
    expect(enabledBody.properties.statusReason).toBeUndefined();
    expect(enabledBody.properties.deliveryHealth.consecutiveFailures).toBe(0);
    expect(enabledBody.properties.deliveryHealth.failingSince).toBeUndefined();

    const recovered = await api(svc, `${base('autodisreg', 'alwaysbad')}/recover`, { method: 'POST', json: { since: start } });
    expect(recovered.status).toBe(200);
    const expectedIds = [...failedIds, ...heldIds];
    expect(await recovered.json()).toEqual({ redelivered: expectedIds.length });

    const after = await rx.waitFor(sentBefore + expectedIds.length, 20_000, '/alwaysbad');
    const resent = after.slice(sentBefore).map((r) => r.headers['webhook-id']);
    expect(resent).toEqual(expectedIds); // each once, in order of receipt, with its original webhook-id
    const final = await settled('autodisreg', 'alwaysbad', expectedIds.length);
    expect(final.every((e) => e.delivery.state === 'succeeded')).toBe(true);

    // Nothing is left to recover, so a second recover sends nothing again.
    const again = await api(svc, `${base('autodisreg', 'alwaysbad')}/recover`, { method: 'POST', json: { since: start } });
    expect(await again.json()).toEqual({ redelivered: 0 });
    expect(rx.forPath('/alwaysbad')).toHaveLength(sentBefore + expectedIds.length);
  });

  it('holds events for a webhook its owner disabled, and recovers only those received since the time given', async () => {
    await createHook('heldreg001', 'ownerstop', 'disabled');
    const early = await push('heldreg001');
    await settled('heldreg001', 'ownerstop', 1);
    const since = new Date().toISOString();
    const late = [await push('heldreg001'), await push('heldreg001')];
    const list = await settled('heldreg001', 'ownerstop', 3);
    expect(list.map((e) => [e.id, e.delivery.state])).toEqual([
      [late[1], 'held'],
      [late[0], 'held'],
      [early, 'held'],
    ]);
    expect(rx.forPath('/ownerstop')).toHaveLength(0);
    await api(svc, base('heldreg001', 'ownerstop'), { method: 'PATCH', json: { properties: { status: 'enabled' } } });
    const res = await api(
      svc,
      `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/heldreg001/webhooks/ownerstop/recover?api-version=2025-11-01`,
      {
        method: 'POST',
        json: { since },
      },
    );
    expect(await res.json()).toEqual({ redelivered: 2 });
    const got = await rx.waitFor(2, 10_000, '/ownerstop');
    expect(got.map((r) => r.headers['webhook-id'])).toEqual(late);
    const final = await eventually(async () => {
      const l = await listEvents('heldreg001', 'ownerstop');
      return l.filter((e) => e.delivery.state === 'succeeded').length === 2 ? l : undefined;
    });
    expect(final.find((e) => e.id === early)!.delivery.state).toBe('held');
  });

  it('answers 400 for a missing or invalid since, 404 for an unknown webhook, 401 without a key', async () => {
    await createHook('recovreg01', 'recover01');
    const bad = await api(svc, `${base('recovreg01', 'recover01')}/recover`, { method: 'POST', json: { since: 'yesterday' } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: {
        code: 'InvalidParameter',
        message: 'The request is invalid. since: since must be an ISO 8601 date and time, for example 2026-11-28T00:00:00Z.',
        target: 'since',
      },
    });
    const missing = await api(svc, `${base('recovreg01', 'nosuchhook')}/recover`, {
      method: 'POST',
      json: { since: new Date().toISOString() },
    });
    expect(missing.status).toBe(404);
    const noKey = await api(svc, `${base('recovreg01', 'recover01')}/recover`, {
      method: 'POST',
      key: null,
      json: { since: new Date().toISOString() },
    });
    expect(noKey.status).toBe(401);
    const none = await api(svc, `${base('recovreg01', 'recover01')}/recover`, {
      method: 'POST',
      json: { since: new Date().toISOString() },
    });
    expect(await none.json()).toEqual({ redelivered: 0 });
  });
});
