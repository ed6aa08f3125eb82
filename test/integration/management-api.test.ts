import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, MANAGEMENT_KEY, MANAGEMENT_KEY_2, startService, type TestService } from '../helpers/service.js';
import { createTableClient } from '../../shared/storage/clients.js';
import { Table } from '../../shared/constants.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startService({ WEBHOOKS_PER_REGISTRY_LIMIT: '3' });
});
afterAll(async () => svc.close());

const SUB = '11111111-2222-3333-4444-555555555555';
const arm = (registry: string, rest = '') =>
  `/subscriptions/${SUB}/resourceGroups/my-rg/providers/Microsoft.ContainerRegistry/registries/${registry}/webhooks${rest}`;
const short = (registry: string, rest = '') => `/registries/${registry}/webhooks${rest}`;
const V = '?api-version=2025-11-01';

const createBody = {
  location: 'westus',
  tags: { team: 'platform' },
  properties: {
    serviceUri: 'https://hooks.example.com/acr?token=s3cret',
    customHeaders: { Authorization: 'Basic c2VjcmV0', 'X-Trace': 'abc' },
    actions: ['push', 'delete'],
    scope: 'team/app:*',
  },
};

/** The smallest create body: what ACR needs, so the answers are `webhookBody` with nothing else. */
const rateBody = { location: 'westus', properties: { serviceUri: 'https://hooks.example.com/rate', actions: ['push'] } };

const iso = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

function webhookBody(registry: string, name: string, props: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    id: `/subscriptions/${SUB}/resourceGroups/my-rg/providers/Microsoft.ContainerRegistry/registries/${registry}/webhooks/${name}`,
    name,
    type: 'Microsoft.ContainerRegistry/registries/webhooks',
    location: 'westus',
    tags: {},
    systemData: { createdAt: iso, lastModifiedAt: iso },
    properties: {
      status: 'enabled',
      scope: '',
      actions: ['push'],
      provisioningState: 'Succeeded',
      deliveryHealth: { consecutiveFailures: 0 },
      ...props,
    },
    ...extra,
  };
}

describe('create (PUT)', () => {
  it('creates with 201 and returns the webhook without its secrets', async () => {
    const res = await api(svc, arm('registry01', `/hook01${V}`), { method: 'PUT', json: createBody });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toEqual(
      webhookBody('registry01', 'hook01', { actions: ['push', 'delete'], scope: 'team/app:*' }, { tags: { team: 'platform' } }),
    );
    expect(JSON.stringify(body)).not.toMatch(/s3cret|c2VjcmV0|serviceUri|customHeaders/);
  });

  it('replaces with 200, keeping createdAt and the location', async () => {
    const first = await api(svc, arm('registry01', `/hook02${V}`), { method: 'PUT', json: createBody });
    const created = (await first.json()) as { systemData: { createdAt: string } };
    const res = await api(svc, arm('registry01', `/hook02${V}`), {
      method: 'PUT',
      json: { location: 'West US', properties: { serviceUri: 'http://other.example.com', actions: ['delete'], status: 'disabled' } },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { systemData: { createdAt: string } };
    expect(body).toEqual(webhookBody('registry01', 'hook02', { actions: ['delete'], status: 'disabled' }));
    expect(body.systemData.createdAt).toBe(created.systemData.createdAt);
    // A replace clears what it does not send: the custom headers are gone.
    const cfg = await api(svc, arm('registry01', `/hook02/getCallbackConfig${V}`), { method: 'POST' });
    expect(await cfg.json()).toEqual({
      serviceUri: 'http://other.example.com',
      customHeaders: {},
      signingSecret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{32}$/),
    });
  });

  it('refuses to move a webhook to another location (409)', async () => {
    const res = await api(svc, arm('registry01', `/hook01${V}`), { method: 'PUT', json: { ...createBody, location: 'eastus' } });
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({
      error: {
        code: 'InvalidResourceLocation',
        message: "The webhook 'hook01' exists in location 'westus'; a webhook's location cannot change. Delete it first or use 'westus'.",
        target: 'location',
      },
    });
  });

  it('treats names case-insensitively and keeps the name as created', async () => {
    const res = await api(svc, arm('REGISTRY01', `/HOOK01${V}`));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { name: string }).name).toBe('hook01');
  });

  it('dedupes actions, lowercases enums and defaults status and scope', async () => {
    const res = await api(svc, short('registry02', '/dedupe01'), {
      method: 'PUT',
      json: { location: 'westus', properties: { serviceUri: 'http://a.example.com', actions: ['PUSH', 'push', 'Delete'] } },
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({
      ...webhookBody('registry02', 'dedupe01', { actions: ['push', 'delete'] }),
      id: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/registry-webhooks/providers/Microsoft.ContainerRegistry/registries/registry02/webhooks/dedupe01',
    });
  });

  it.each([
    [{ properties: { serviceUri: 'http://a.example.com', actions: ['push'] } }, 'location', 'location is required'],
    [{ location: 'westus' }, 'properties', 'properties is required'],
    [{ location: 'westus', properties: { actions: ['push'] } }, 'properties.serviceUri', 'serviceUri must be a string'],
    [
      { location: 'westus', properties: { serviceUri: 'ftp://x.example.com', actions: ['push'] } },
      'properties.serviceUri',
      'absolute http or https URL',
    ],
    [
      { location: 'westus', properties: { serviceUri: '/relative', actions: ['push'] } },
      'properties.serviceUri',
      'absolute http or https URL',
    ],
    [{ location: 'westus', properties: { serviceUri: 'http://a.example.com', actions: [] } }, 'properties.actions', 'at least one'],
    [
      { location: 'westus', properties: { serviceUri: 'http://a.example.com', actions: ['pull'] } },
      'properties.actions.0',
      'each action must be one of',
    ],
    [
      { location: 'westus', properties: { serviceUri: 'http://a.example.com', actions: ['push'], status: 'on' } },
      'properties.status',
      "'enabled' or 'disabled'",
    ],
    [
      { location: 'westus', properties: { serviceUri: 'http://a.example.com', actions: ['push'], scope: 'Foo:bar' } },
      'properties.scope',
      'uppercase',
    ],
    [
      { location: 'westus', properties: { serviceUri: 'http://a.example.com', actions: ['push'], scope: ':bar' } },
      'properties.scope',
      'no repository',
    ],
    [
      { location: 'westus', properties: { serviceUri: 'http://a.example.com', actions: ['push'], scope: 'foo:.bad' } },
      'properties.scope',
      'tag',
    ],
    [
      { location: 'westus', properties: { serviceUri: 'http://a.example.com', actions: ['push'], scope: 'foo//bar' } },
      'properties.scope',
      'invalid',
    ],
    [
      { location: 'westus', properties: { serviceUri: 'http://a.example.com', actions: ['push'], customHeaders: { Host: 'x' } } },
      'properties.customHeaders.Host',
      'cannot be set',
    ],
    [
      {
        location: 'westus',
        properties: { serviceUri: 'http://a.example.com', actions: ['push'], customHeaders: { 'Transfer-Encoding': 'chunked' } },
      },
      'properties.customHeaders.Transfer-Encoding',
      'cannot be set',
    ],
    [
      {
        location: 'westus',
        properties: { serviceUri: 'http://a.example.com', actions: ['push'], customHeaders: { 'X-A': 'a\r\nX-Injected: 1' } },
      },
      'properties.customHeaders.X-A',
      'without line breaks',
    ],
    [
      { location: 'westus', properties: { serviceUri: 'http://a.example.com', actions: ['push'], customHeaders: { 'bad name': 'x' } } },
      'properties.customHeaders.bad name',
      'not a valid header name',
    ],
    [
      {
        location: 'westus',
        properties: { serviceUri: 'http://a.example.com', actions: ['push'], customHeaders: { 'X-A': '1', 'x-a': '2' } },
      },
      'properties.customHeaders.x-a',
      'given twice',
    ],
    [
      {
        location: 'westus',
        properties: {
          serviceUri: 'http://a.example.com',
          actions: ['push'],
          customHeaders: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`X-H${i}`, 'v'])),
        },
      },
      'properties.customHeaders',
      'at most 50',
    ],
    [
      { location: 'westus', properties: { serviceUri: 'http://a.example.com', actions: ['push'], servceUri: 'typo' } },
      'properties',
      'servceUri',
    ],
  ])('rejects invalid bodies with a 400 that names the field: %j', async (json, target, fragment) => {
    const res = await api(svc, short('registry03', '/invalid01'), { method: 'PUT', json });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string; target?: string } };
    expect(body).toEqual({ error: { code: 'InvalidParameter', message: expect.stringContaining(fragment), target } });
    expect(body.error.message).toMatch(/^The request is invalid\. /);
  });

  it('never echoes a custom header value in an error', async () => {
    const res = await api(svc, short('registry03', '/invalid01'), {
      method: 'PUT',
      json: {
        location: 'westus',
        properties: { serviceUri: 'http://a.example.com', actions: ['push'], customHeaders: { 'X-A': 'topsecret\n' } },
      },
    });
    expect(res.status).toBe(400);
    expect(await res.text()).not.toContain('topsecret');
  });

  it.each([
    ['not json', 'application/json', 400, 'InvalidRequestContent'],
    ['', 'application/json', 400, 'InvalidRequestContent'],
    ['{"location":"westus"}', 'text/plain', 415, 'UnsupportedMediaType'],
    ['location=westus', 'application/x-www-form-urlencoded', 415, 'UnsupportedMediaType'],
  ])('rejects body %j as %s with %i %s', async (body, type, status, code) => {
    const res = await api(svc, short('registry03', '/invalid01'), { method: 'PUT', body, headers: { 'content-type': type } });
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual({ error: { code, message: expect.any(String) } });
  });

  it('rejects an oversized body with 413', async () => {
    const big = JSON.stringify({ location: 'westus', pad: 'x'.repeat(1_100_000) });
    const res = await api(svc, short('registry03', '/invalid01'), {
      method: 'PUT',
      body: big,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: { code: 'RequestEntityTooLarge', message: expect.stringContaining('1048576') } });
  });

  it.each(['abcd', 'a'.repeat(51), 'bad-name', 'bad_name'])('rejects the webhook name %j', async (name) => {
    const res = await api(svc, short('registry03', `/${name}`), { method: 'PUT', json: createBody });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        code: 'InvalidParameter',
        message: `The webhook name '${name}' is invalid: use 5-50 letters and digits only (for example 'myregistry01').`,
        target: 'webhookName',
      },
    });
  });

  it('rejects a bad registry name', async () => {
    const res = await api(svc, short('reg', '/hook01'), { method: 'PUT', json: createBody });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { target: string } }).error.target).toBe('registryName');
  });

  it('enforces the per-registry quota with 409 QuotaExceeded', async () => {
    for (const n of ['quota0001', 'quota0002', 'quota0003']) {
      expect((await api(svc, short('quotareg1', `/${n}`), { method: 'PUT', json: createBody })).status).toBe(201);
    }
    const res = await api(svc, short('quotareg1', '/quota0004'), { method: 'PUT', json: createBody });
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({
      error: {
        code: 'QuotaExceeded',
        message: "Registry 'quotareg1' has 3 webhooks, the most allowed (3, WEBHOOKS_PER_REGISTRY_LIMIT). Delete one first.",
      },
    });
    // Replacing an existing webhook is not a new one.
    expect((await api(svc, short('quotareg1', '/quota0003'), { method: 'PUT', json: createBody })).status).toBe(200);
  });
});

describe('api-version', () => {
  it('is required on ARM paths', async () => {
    const res = await api(svc, arm('registry01', '/hook01'));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: { code: 'MissingApiVersionParameter', message: expect.stringContaining('api-version'), target: 'api-version' },
    });
  });

  it.each(['2017-10-01', '2019-12-01-preview', '2025-11-01', '2026-11-01'])('accepts %s', async (v) => {
    expect((await api(svc, arm('registry01', `/hook01?api-version=${v}`))).status).toBe(200);
  });

  it.each(['2017-03-01', '2027-01-01', 'latest', '2025-13-45'])('rejects %s', async (v) => {
    const res = await api(svc, arm('registry01', `/hook01?api-version=${v}`));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        code: 'InvalidApiVersionParameter',
        message: `The api-version '${v}' is invalid. The supported versions are 2017-10-01 to 2026-11-01 (for example 2025-11-01).`,
        target: 'api-version',
      },
    });
  });

  it('is optional on the short alias', async () => {
    expect((await api(svc, short('registry01', '/hook01'))).status).toBe(200);
  });
});

describe('get', () => {
  it('returns 404 in ACR error shape for an unknown webhook', async () => {
    const res = await api(svc, arm('registry01', `/nothere01${V}`));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: {
        code: 'ResourceNotFound',
        message: "The webhook 'nothere01' was not found in registry 'registry01'. List the registry's webhooks to see their names.",
      },
    });
  });
});

describe('update (PATCH)', () => {
  it('merges only the fields sent and clears headers with {}', async () => {
    await api(svc, short('registry04', '/patch0001'), { method: 'PUT', json: createBody });
    const res = await api(svc, short('registry04', '/patch0001'), { method: 'PATCH', json: { properties: { status: 'disabled' } } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      tags: { team: 'platform' },
      properties: { status: 'disabled', scope: 'team/app:*', actions: ['push', 'delete'], provisioningState: 'Succeeded' },
    });
    let cfg = await api(svc, short('registry04', '/patch0001/getCallbackConfig'), { method: 'POST' });
    expect(await cfg.json()).toEqual({
      serviceUri: createBody.properties.serviceUri,
      customHeaders: createBody.properties.customHeaders,
      signingSecret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{32}$/),
    });

    await api(svc, short('registry04', '/patch0001'), {
      method: 'PATCH',
      json: { tags: { a: 'b' }, properties: { customHeaders: {}, scope: '', actions: ['quarantine'] } },
    });
    cfg = await api(svc, short('registry04', '/patch0001/getCallbackConfig'), { method: 'POST' });
    expect(await cfg.json()).toEqual({
      serviceUri: createBody.properties.serviceUri,
      customHeaders: {},
      signingSecret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{32}$/),
    });
    const got = await api(svc, short('registry04', '/patch0001'));
    expect(await got.json()).toMatchObject({ tags: { a: 'b' }, properties: { status: 'disabled', scope: '', actions: ['quarantine'] } });
  });

  it('sets properties.multiArch with PUT and PATCH, shows it in get and list once set, and refuses unknown modes', async () => {
    const plain = await api(svc, short('registry07', '/multi0001'), { method: 'PUT', json: createBody });
    expect(((await plain.json()) as { properties: Record<string, unknown> }).properties).not.toHaveProperty('multiArch');
    const created = await api(svc, short('registry07', '/multi0002'), {
      method: 'PUT',
      json: { ...createBody, properties: { ...createBody.properties, multiArch: 'coalesced' } },
    });
    expect(((await created.json()) as { properties: Record<string, unknown> }).properties['multiArch']).toBe('coalesced');
    const patched = await api(svc, short('registry07', '/multi0001'), {
      method: 'PATCH',
      json: { properties: { multiArch: 'COALESCED' } },
    });
    expect(((await patched.json()) as { properties: Record<string, unknown> }).properties['multiArch']).toBe('coalesced');
    await api(svc, short('registry07', '/multi0002'), { method: 'PATCH', json: { properties: { multiArch: 'perManifest' } } });
    const list = (await (await api(svc, short('registry07', ''))).json()) as {
      value: { name: string; properties: Record<string, unknown> }[];
    };
    expect(list.value.filter((w) => w.name.startsWith('multi')).map((w) => [w.name, w.properties['multiArch']])).toEqual([
      ['multi0001', 'coalesced'],
      ['multi0002', 'perManifest'],
    ]);
    const bad = await api(svc, short('registry07', '/multi0001'), { method: 'PATCH', json: { properties: { multiArch: 'merged' } } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: {
        code: 'InvalidParameter',
        message:
          "The request is invalid. properties.multiArch: multiArch must be 'perManifest' (one event per manifest, as ACR) or 'coalesced' (one per image index).",
        target: 'properties.multiArch',
      },
    });
  });

  it('sets properties.rateLimitPerSecond with PUT and PATCH, shows it in get and list once set, keeps it when left out, and null removes it', async () => {
    const limited = (limit: number) => webhookBody('registry08', 'rate0001', { rateLimitPerSecond: limit });
    const created = await api(svc, arm('registry08', `/rate0001${V}`), {
      method: 'PUT',
      json: { ...rateBody, properties: { ...rateBody.properties, rateLimitPerSecond: 20 } },
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual(limited(20));
    expect(await (await api(svc, arm('registry08', `/rate0001${V}`))).json()).toEqual(limited(20));
    // Not set: not shown (ACR's resource, unchanged); null on create is "not given", as for the other fields.
    const plain = await api(svc, arm('registry08', `/rate0002${V}`), {
      method: 'PUT',
      json: { ...rateBody, properties: { ...rateBody.properties, rateLimitPerSecond: null } },
    });
    expect(await plain.json()).toEqual(webhookBody('registry08', 'rate0002', {}));

    let res = await api(svc, arm('registry08', `/rate0002${V}`), { method: 'PATCH', json: { properties: { rateLimitPerSecond: 1000 } } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { properties: Record<string, unknown> }).properties['rateLimitPerSecond']).toBe(1000);
    // A PATCH that leaves it out keeps it.
    res = await api(svc, arm('registry08', `/rate0001${V}`), { method: 'PATCH', json: { properties: { scope: 'app:*' } } });
    expect(await res.json()).toEqual(webhookBody('registry08', 'rate0001', { scope: 'app:*', rateLimitPerSecond: 20 }));
    res = await api(svc, arm('registry08', `/rate0001${V}`), { method: 'PATCH', json: { properties: { rateLimitPerSecond: 1 } } });
    expect(((await res.json()) as { properties: Record<string, unknown> }).properties['rateLimitPerSecond']).toBe(1);
    const list = (await (await api(svc, arm('registry08', V))).json()) as {
      value: { name: string; properties: Record<string, unknown> }[];
    };
    expect(list.value.map((w) => [w.name, w.properties['rateLimitPerSecond']])).toEqual([
      ['rate0001', 1],
      ['rate0002', 1000],
    ]);

    // null removes the limit (ARM's PATCH is a JSON merge patch), and it stays removed when read back.
    res = await api(svc, arm('registry08', `/rate0001${V}`), { method: 'PATCH', json: { properties: { rateLimitPerSecond: null } } });
    expect(await res.json()).toEqual(webhookBody('registry08', 'rate0001', { scope: 'app:*' }));
    expect(await (await api(svc, arm('registry08', `/rate0001${V}`))).json()).toEqual(
      webhookBody('registry08', 'rate0001', { scope: 'app:*' }),
    );
    // A replace (PUT) clears what it does not send, the limit included.
    res = await api(svc, arm('registry08', `/rate0002${V}`), { method: 'PUT', json: rateBody });
    expect(await res.json()).toEqual(webhookBody('registry08', 'rate0002', {}));
  });

  it("refuses a rateLimitPerSecond that is not a whole number from 1 to 1000, on create and update, in ACR's error shape", async () => {
    await api(svc, short('registry08', '/rate0003'), {
      method: 'PUT',
      json: { ...rateBody, properties: { ...rateBody.properties, rateLimitPerSecond: 7 } },
    });
    const whole =
      'rateLimitPerSecond must be a whole number from 1 to 1000 (requests per second); for no limit leave it out, or send null in an update';
    const cases: [unknown, string][] = [
      [0, 'rateLimitPerSecond must be at least 1 request per second; for no limit leave it out, or send null in an update'],
      [1001, 'rateLimitPerSecond must be at most 1000 (requests per second)'],
      [2.5, whole],
      ['x', whole],
      ['5', whole],
    ];
    for (const [value, message] of cases) {
      const expected = {
        error: {
          code: 'InvalidParameter',
          message: `The request is invalid. properties.rateLimitPerSecond: ${message}.`,
          target: 'properties.rateLimitPerSecond',
        },
      };
      const patched = await api(svc, short('registry08', '/rate0003'), {
        method: 'PATCH',
        json: { properties: { rateLimitPerSecond: value } },
      });
      expect([value, patched.status, await patched.json()]).toEqual([value, 400, expected]);
      const put = await api(svc, short('registry08', '/rate0004'), {
        method: 'PUT',
        json: { ...rateBody, properties: { ...rateBody.properties, rateLimitPerSecond: value } },
      });
      expect([value, put.status, await put.json()]).toEqual([value, 400, expected]);
    }
    // Nothing refused was written.
    const got = (await (await api(svc, short('registry08', '/rate0003'))).json()) as { properties: Record<string, unknown> };
    expect(got.properties['rateLimitPerSecond']).toBe(7);
    expect((await api(svc, short('registry08', '/rate0004'))).status).toBe(404);
  });

  it('reads a webhook row written before rateLimitPerSecond existed as having no limit', async () => {
    const created = await api(svc, short('registry09', '/rate0005'), {
      method: 'PUT',
      json: { ...rateBody, properties: { ...rateBody.properties, rateLimitPerSecond: 3 } },
    });
    expect(created.status).toBe(201);
    const table = createTableClient(svc.config.storage, Table.webhooks);
    const {
      rateLimitPerSecond,
      etag: _etag,
      timestamp: _timestamp,
      ...older
    } = await table.getEntity<Record<string, unknown>>('registry09', 'rate0005');
    expect(rateLimitPerSecond).toBe(3);
    await table.updateEntity({ ...older, partitionKey: 'registry09', rowKey: 'rate0005' }, 'Replace');
    expect(await table.getEntity('registry09', 'rate0005')).not.toHaveProperty('rateLimitPerSecond');
    const got = (await (await api(svc, short('registry09', '/rate0005'))).json()) as { properties: Record<string, unknown> };
    expect(got.properties).toEqual({
      status: 'enabled',
      scope: '',
      actions: ['push'],
      provisioningState: 'Succeeded',
      deliveryHealth: { consecutiveFailures: 0 },
    });
  });

  it('404s for an unknown webhook', async () => {
    const res = await api(svc, short('registry04', '/missing01'), { method: 'PATCH', json: { properties: { status: 'disabled' } } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ResourceNotFound');
  });

  it('rejects a location change and unknown properties', async () => {
    await api(svc, short('registry04', '/patch0002'), { method: 'PUT', json: createBody });
    let res = await api(svc, short('registry04', '/patch0002'), { method: 'PATCH', json: { location: 'eastus' } });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('InvalidResourceLocation');
    res = await api(svc, short('registry04', '/patch0002'), { method: 'PATCH', json: { properties: { staus: 'disabled' } } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('staus');
    res = await api(svc, short('registry04', '/patch0002'), { method: 'PATCH', json: { properties: { actions: [] } } });
    expect(res.status).toBe(400);
  });
});

describe('list', () => {
  it('pages with nextLink and $top, every page the SDK shape', async () => {
    const names = ['page00001', 'page00002', 'page00003', 'page00004', 'page00005'];
    const svc2 = await startService({ LIST_PAGE_SIZE: '2' }, svc.azurite);
    try {
      for (const n of names) await api(svc2, short('pagedreg1', `/${n}`), { method: 'PUT', json: createBody });
      const seen: string[] = [];
      let url: string | undefined = `${svc2.url}${arm('pagedreg1', V)}&code=${MANAGEMENT_KEY}`;
      let pages = 0;
      while (url) {
        const res = await fetch(url, { headers: { 'x-functions-key': MANAGEMENT_KEY } });
        expect(res.status).toBe(200);
        const body = (await res.json()) as { value: { name: string }[]; nextLink?: string };
        expect(body.value.length).toBeLessThanOrEqual(2);
        seen.push(...body.value.map((w) => w.name));
        if (body.nextLink) {
          expect(body.nextLink).toContain('api-version=2025-11-01');
          expect(body.nextLink).not.toContain(MANAGEMENT_KEY);
        }
        url = body.nextLink;
        pages++;
      }
      expect(seen).toEqual(names);
      expect(pages).toBe(3);
      const top = await api(svc2, short('pagedreg1', '?$top=4'));
      expect(((await top.json()) as { value: unknown[] }).value).toHaveLength(4);
    } finally {
      await svc2.close();
    }
  });

  it('returns an empty list for a registry without webhooks', async () => {
    const res = await api(svc, arm('emptyreg1', V));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ value: [] });
  });

  it('rejects a forged $skipToken and a bad $top', async () => {
    let res = await api(svc, short('registry01', '?$skipToken=not-a-token'));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { target: string } }).error.target).toBe('$skipToken');
    res = await api(svc, short('registry01', '?$top=0'));
    expect(res.status).toBe(400);
  });
});

describe('delete', () => {
  it('answers 200 when deleted and 204 when there was none', async () => {
    await api(svc, short('registry05', '/gone00001'), { method: 'PUT', json: createBody });
    expect((await api(svc, arm('registry05', `/gone00001${V}`), { method: 'DELETE' })).status).toBe(200);
    expect((await api(svc, arm('registry05', `/gone00001${V}`))).status).toBe(404);
    const again = await api(svc, arm('registry05', `/gone00001${V}`), { method: 'DELETE' });
    expect(again.status).toBe(204);
    expect(await again.text()).toBe('');
  });
});

describe('getCallbackConfig', () => {
  it('returns the write-only secrets, uncached', async () => {
    const res = await api(svc, arm('registry01', `/hook01/getCallbackConfig${V}`), { method: 'POST' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      serviceUri: createBody.properties.serviceUri,
      customHeaders: createBody.properties.customHeaders,
      signingSecret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{32}$/),
    });
  });

  it('404s for an unknown webhook', async () => {
    expect((await api(svc, short('registry01', '/nothere01/getCallbackConfig'), { method: 'POST' })).status).toBe(404);
  });
});

describe('auth', () => {
  const routes: [string, string][] = [
    ['GET', short('registry01', '')],
    ['GET', short('registry01', '/hook01')],
    ['PUT', short('registry01', '/hook01')],
    ['PATCH', short('registry01', '/hook01')],
    ['DELETE', short('registry01', '/hook01')],
    ['POST', short('registry01', '/hook01/getCallbackConfig')],
    ['GET', arm('registry01', `/hook01${V}`)],
  ];

  it.each(routes)('%s %s without a key is 401 with a challenge and changes nothing', async (method, path) => {
    const res = await api(svc, path, { method, key: null, ...(method === 'PUT' || method === 'PATCH' ? { json: createBody } : {}) });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
    expect(await res.json()).toEqual({
      error: {
        code: 'AuthenticationFailed',
        message: "A management key is required: send it as the 'x-functions-key' header, 'Authorization: Bearer <key>' or '?code=<key>'.",
      },
    });
    expect((await api(svc, short('registry01', '/hook01'))).status).toBe(200);
  });

  it.each(routes)('%s %s with a wrong key is 401', async (method, path) => {
    const res = await api(svc, path, {
      method,
      key: 'wrong-key-wrong-key-wrong',
      ...(method === 'PUT' || method === 'PATCH' ? { json: createBody } : {}),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: 'AuthenticationFailed', message: 'The management key is not valid.' } });
  });

  it('accepts the key as a header, a bearer token or ?code=, and any key of the rotation list', async () => {
    expect((await api(svc, short('registry01', '/hook01'), { key: MANAGEMENT_KEY_2 })).status).toBe(200);
    expect(
      (await api(svc, short('registry01', '/hook01'), { key: null, headers: { authorization: `Bearer ${MANAGEMENT_KEY}` } })).status,
    ).toBe(200);
    expect((await api(svc, short('registry01', `/hook01?code=${MANAGEMENT_KEY}`), { key: null })).status).toBe(200);
  });

  it('does not accept the ingest key for management', async () => {
    expect((await api(svc, short('registry01', '/hook01'), { key: svc.config.ingestKeys[0]! })).status).toBe(401);
  });

  it('checks the key before anything else, so nothing leaks about what exists', async () => {
    // Without a key, a webhook that exists, one that does not, a registry that does not, names and an
    // api-version that are invalid, and a bad body all get the very same answer: the 401 says nothing else.
    const asked: [string, string, RequestInit & { json?: unknown }][] = [
      ['an existing webhook', arm('leakreg001', `/leakhook1${V}`), {}],
      ['a missing webhook', arm('leakreg001', `/nothere99${V}`), {}],
      ['a missing registry', arm('noregistry9', `/leakhook1${V}`), {}],
      ['an invalid webhook name', arm('leakreg001', `/bad-name${V}`), {}],
      ['an invalid registry name', short('bad_registry', '/leakhook1'), {}],
      ['no api-version', arm('leakreg001', '/leakhook1'), {}],
      ['an unsupported api-version', arm('leakreg001', '/leakhook1?api-version=1999-01-01'), {}],
      ['the list of an existing registry', short('leakreg001'), {}],
      ['the secrets of an existing webhook', short('leakreg001', '/leakhook1/getCallbackConfig'), { method: 'POST' }],
      ['an invalid body', short('leakreg001', '/leakhook1'), { method: 'PUT', body: '{', headers: { 'content-type': 'application/json' } }],
      ['a change to an existing webhook', short('leakreg001', '/leakhook1'), { method: 'PATCH', json: { tags: { changed: 'yes' } } }],
    ];
    expect((await api(svc, short('leakreg001', '/leakhook1'), { method: 'PUT', json: createBody })).status).toBe(201);
    const unchanged = await (await api(svc, short('leakreg001', '/leakhook1'))).text();
    const answers = await Promise.all(
      asked.map(async ([what, path, init]) => {
        const res = await api(svc, path, { ...init, key: null });
        return {
          what,
          status: res.status,
          challenge: res.headers.get('www-authenticate'),
          type: res.headers.get('content-type'),
          body: await res.text(),
        };
      }),
    );
    const [first] = answers;
    expect(first).toMatchObject({ status: 401, challenge: expect.stringContaining('Bearer') });
    expect(JSON.parse(first!.body)).toEqual({ error: { code: 'AuthenticationFailed', message: expect.any(String) } });
    for (const a of answers) expect({ ...a, what: first!.what }).toEqual(first);
    // And it changed nothing: the webhook is as it was.
    expect(await (await api(svc, short('leakreg001', '/leakhook1'))).text()).toBe(unchanged);
  });
});

describe('secrets never logged', () => {
  it('keeps service URIs and header values out of every log line', () => {
    const all = svc.logs.join('\n');
    expect(all).toContain('webhook created: registry=registry01 webhook=hook01');
    expect(all).not.toMatch(/s3cret|c2VjcmV0|hooks\.example\.com/);
  });
});

describe('the local host', () => {
  it('answers an unknown route or method with a bare 404, as the Functions host does', async () => {
    let res = await fetch(`${svc.url}/nothing/here`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('');
    res = await fetch(`${svc.url}${short('registry01', '/hook01')}`, { method: 'POST' });
    expect(res.status).toBe(404);
    res = await fetch(svc.url.replace('/api', '/other'));
    expect(res.status).toBe(404);
  });

  it('matches literal route segments case-insensitively', async () => {
    const res = await api(
      svc,
      `/SUBSCRIPTIONS/${SUB}/resourcegroups/my-rg/providers/microsoft.containerregistry/registries/registry01/WEBHOOKS/hook01${V}`,
    );
    expect(res.status).toBe(200);
  });
});
