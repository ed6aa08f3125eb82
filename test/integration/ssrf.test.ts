import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, INGEST_KEY, startService, type TestService } from '../helpers/service.js';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';

/*
 * Outbound requests refuse loopback, private, link-local, CGNAT, multicast, reserved, unspecified and
 * metadata addresses, checked on the address actually connected to. A custom resolver stands in for DNS:
 * `evil.example` resolves to 127.0.0.1 (a rebinding name), `meta.example` to the metadata address.
 */
const names: Record<string, { address: string; family: number }[]> = {
  'evil.example': [{ address: '127.0.0.1', family: 4 }],
  'meta.example': [{ address: '169.254.169.254', family: 4 }],
  'mixed.example': [
    { address: '10.0.0.7', family: 4 },
    { address: '127.0.0.1', family: 4 },
  ],
};
const resolve = (host: string) => Promise.resolve(names[host] ?? []);

let strict: TestService;
let relaxed: TestService;
let rx: Receiver;
beforeAll(async () => {
  rx = await startReceiver();
  // Each with its own Azurite: two hosts on one queue would take each other's events.
  strict = await startService({ ALLOW_PRIVATE_TARGETS: 'false', DELIVERY_RETRY_SCHEDULE: 'none' }, undefined, { resolve });
  relaxed = await startService({ ALLOW_PRIVATE_TARGETS: 'true', DELIVERY_RETRY_SCHEDULE: 'none' }, undefined, { resolve });
});
afterAll(async () => {
  await strict.close();
  await relaxed.close();
  await rx.close();
});

const port = () => new URL(rx.url).port;
const create = (svc: TestService, registry: string, name: string, serviceUri: string) =>
  api(svc, `/registries/${registry}/webhooks/${name}`, {
    method: 'PUT',
    json: { location: 'westus', properties: { serviceUri, actions: ['push'] } },
  });

describe('create and update refuse a blocked literal host', () => {
  it.each([
    ['http://127.0.0.1/hook', 'loopback'],
    ['http://2130706433/hook', 'loopback'], // decimal
    ['http://0177.0.0.1/hook', 'loopback'], // octal
    ['http://0x7f.0.0.1/hook', 'loopback'], // hex
    ['http://127.1/hook', 'loopback'], // short form
    ['http://[::1]/hook', 'loopback'],
    ['http://[::ffff:127.0.0.1]/hook', 'embeds 127.0.0.1'], // IPv4-mapped
    ['http://[::ffff:7f00:1]/hook', 'embeds 127.0.0.1'],
    ['http://[64:ff9b::a00:1]/hook', 'embeds 10.0.0.1'], // NAT64
    ['http://[2002:a9fe:a9fe::]/hook', 'metadata'], // 6to4 of 169.254.169.254
    ['http://10.1.2.3/hook', 'private'],
    ['http://172.16.0.1/hook', 'private'],
    ['http://192.168.1.1/hook', 'private'],
    ['http://169.254.1.1/hook', 'linkLocal'],
    ['http://100.64.0.1/hook', 'carrierGradeNat'],
    ['http://0.0.0.0/hook', 'unspecified'],
    ['http://224.0.0.1/hook', 'multicast'],
    ['http://240.0.0.1/hook', 'reserved'],
    ['http://[fc00::1]/hook', 'uniqueLocal'],
    ['http://[fe80::1]/hook', 'linkLocal'],
    ['http://169.254.169.254/latest/meta-data', 'metadata'],
    ['http://168.63.129.16/', 'metadata'],
    ['http://localhost:8080/hook', 'this machine'],
    ['http://metadata.google.internal/', 'metadata'],
  ])('%s (%s)', async (uri, fragment) => {
    const res = await create(strict, 'ssrfreg01', 'blocked01', uri);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string; target: string } };
    expect(body.error).toMatchObject({ code: 'InvalidParameter', target: 'properties.serviceUri' });
    expect(body.error.message).toContain(fragment);
  });

  it('on update too', async () => {
    expect((await create(strict, 'ssrfreg01', 'updated01', 'https://example.com/hook')).status).toBe(201);
    const res = await api(strict, '/registries/ssrfreg01/webhooks/updated01', {
      method: 'PATCH',
      json: { properties: { serviceUri: 'http://10.0.0.1/' } },
    });
    expect(res.status).toBe(400);
  });

  it('keeps metadata blocked when private targets are allowed, and allows private ones then', async () => {
    expect((await create(relaxed, 'ssrfreg02', 'metadata1', 'http://169.254.169.254/')).status).toBe(400);
    expect((await create(relaxed, 'ssrfreg02', 'metadata2', 'http://[::ffff:169.254.169.254]/')).status).toBe(400);
    expect((await create(relaxed, 'ssrfreg02', 'private01', 'http://10.0.0.1/hook')).status).toBe(201);
    expect((await create(relaxed, 'ssrfreg02', 'loopback1', 'http://127.0.0.1/hook')).status).toBe(201);
  });
});

type Listed = { delivery: { state: string; lastError?: string }; eventResponseMessage: { reasonPhrase: string } };
async function deliverTo(svc: TestService, registry: string, uri: string): Promise<Listed> {
  expect((await create(svc, registry, 'target001', uri)).status).toBe(201);
  const event = { id: `ssrf-${registry}`, timestamp: new Date().toISOString(), action: 'push', target: { repository: 'app', tag: 'v1' } };
  expect((await api(svc, `/registries/${registry}/events`, { method: 'POST', key: INGEST_KEY, json: event })).status).toBe(202);
  return eventually(async () => {
    const res = await api(svc, `/registries/${registry}/webhooks/target001/listEvents`, { method: 'POST' });
    const list = ((await res.json()) as { value: Listed[] }).value;
    return list[0] && list[0].delivery.state !== 'pending' ? list[0] : undefined;
  });
}

describe('deliveries check the address actually connected to', () => {
  it('refuses a name that resolves to loopback, and records why (never retried)', async () => {
    const got = await deliverTo(strict, 'ssrfreg03', `http://evil.example:${port()}/evil`);
    expect(got.delivery).toMatchObject({
      state: 'failed',
      lastError: 'refused: the host resolves to 127.0.0.1 is a loopback address (set ALLOW_PRIVATE_TARGETS=true to allow private targets)',
    });
    expect(rx.forPath('/evil')).toHaveLength(0);
    // The service URI is write-only: its host name is not in the log either.
    expect(strict.logs.join('\n')).not.toContain('evil.example');
  });

  it('refuses when every address is blocked, whichever comes first', async () => {
    const got = await deliverTo(strict, 'ssrfreg04', `http://mixed.example:${port()}/mixed`);
    expect(got.delivery.state).toBe('failed');
    expect(got.delivery.lastError).toMatch(/^refused: the host resolves to 10\.0\.0\.7 is a private address/);
  });

  it('allows the rebinding name with ALLOW_PRIVATE_TARGETS, but never a name that resolves to metadata', async () => {
    const ok = await deliverTo(relaxed, 'ssrfreg05', `http://evil.example:${port()}/allowed`);
    expect(ok.delivery.state).toBe('succeeded');
    expect(rx.forPath('/allowed')).toHaveLength(1);
    const meta = await deliverTo(relaxed, 'ssrfreg06', `http://meta.example:${port()}/meta`);
    expect(meta.delivery).toMatchObject({
      state: 'failed',
      lastError: 'refused: the host resolves to 169.254.169.254 is a cloud metadata address',
    });
  });

  it('does not follow a redirect to a private address (a 3xx is a failure)', async () => {
    rx.script.push({ status: 302, headers: { location: `http://127.0.0.1:${port()}/followed` } });
    const got = await deliverTo(relaxed, 'ssrfreg07', `${rx.url}/redirect`);
    expect(got).toMatchObject({
      delivery: { state: 'failed', lastError: 'HTTP 302 Found' },
      eventResponseMessage: { reasonPhrase: 'Found' },
    });
    expect(rx.forPath('/followed')).toHaveLength(0);
  });

  it('applies to ping too', async () => {
    expect((await create(strict, 'ssrfreg08', 'pinged001', `http://evil.example:${port()}/pinged`)).status).toBe(201);
    expect((await api(strict, '/registries/ssrfreg08/webhooks/pinged001/ping', { method: 'POST' })).status).toBe(200);
    const res = await api(strict, '/registries/ssrfreg08/webhooks/pinged001/listEvents', { method: 'POST' });
    const [first] = ((await res.json()) as { value: Listed[] }).value;
    expect(first!.delivery).toMatchObject({
      state: 'failed',
      lastError: expect.stringMatching(/^refused: the host resolves to 127\.0\.0\.1/),
    });
    expect(rx.forPath('/pinged')).toHaveLength(0);
  });
});
