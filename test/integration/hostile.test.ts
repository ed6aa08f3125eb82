import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { api, INGEST_KEY, MANAGEMENT_KEY, startService, type TestService } from '../helpers/service.js';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';

/*
 * Hostile input, tried from outside against the whole service on a real socket: every case answers with
 * the right status and ACR's whole error body, no secret of the webhooks (custom header values, service
 * URI) appears in any response or log line, and the service still answers afterwards. A promise
 * rejection left unhandled fails the test it happens in (test/helpers/unhandled-rejections.ts).
 */
const SECRET_HEADER = 'sk_live_4e7b9c1d0a5f-hostile';
const SECRET_PATH = '/hook-7f3a9e21c4';
const SECRET_QUERY = 'token=q9x8w7v6u5';
const SECRETS = [SECRET_HEADER, SECRET_PATH, SECRET_QUERY];
const REG = 'hostilereg1';

let svc: TestService;
let rx: Receiver;
const seen: string[] = []; // every response: status line, headers and body

async function record(res: Response): Promise<{ status: number; text: string; json: unknown }> {
  const text = await res.text();
  const headers: string[] = [];
  res.headers.forEach((value, name) => headers.push(`${name}: ${value}`));
  seen.push(`${res.status} ${headers.join('; ')} ${text}`);
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

const call = async (path: string, init: Parameters<typeof api>[2] = {}) => record(await api(svc, path, init));
const ingest = (body: unknown, type = 'application/json') =>
  call(`/registries/${REG}/events`, {
    method: 'POST',
    key: INGEST_KEY,
    headers: { 'content-type': type },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const push = (id: string, repository = 'app', tag = 'v1') => ({
  id,
  timestamp: '2026-11-29T00:00:00Z',
  action: 'push',
  target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'a'.repeat(64)}`, repository, tag },
});

const invalid = (code: string, message: string, target?: string) => ({
  error: target === undefined ? { code, message } : { code, message, target },
});

/** A raw HTTP/1.1 exchange, for what fetch will not send (a malformed Host, oversized headers). */
function raw(request: string): Promise<string> {
  const { hostname, port } = new URL(svc.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
    socket.end(request);
  });
}

/** A GET with a Host header of our choosing (fetch always sends the URL's). */
function getWithHost(path: string, host: string): Promise<{ status: number; body: unknown }> {
  const { hostname, port } = new URL(svc.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, headers: { host, 'x-functions-key': MANAGEMENT_KEY } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        seen.push(`${res.statusCode} ${JSON.stringify(res.headers)} ${text}`);
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function parseRaw(text: string): { status: number; body: unknown } {
  const [head = '', body = ''] = text.split('\r\n\r\n');
  seen.push(text);
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), body: JSON.parse(body) as unknown };
}

beforeAll(async () => {
  rx = await startReceiver();
  svc = await startService({ DELIVERY_RETRY_SCHEDULE: '1,1' });
  const created = await call(`/registries/${REG}/webhooks/allhook01`, {
    method: 'PUT',
    json: {
      location: 'westus',
      properties: {
        serviceUri: `${rx.url}${SECRET_PATH}?${SECRET_QUERY}`,
        customHeaders: { 'X-Api-Key': SECRET_HEADER },
        actions: ['push'],
      },
    },
  });
  expect(created.status).toBe(201);
});

afterEach(async () => {
  // Still answering, and still delivering.
  const list = await call(`/registries/${REG}/webhooks`);
  expect(list.status).toBe(200);
});

afterAll(async () => {
  const leaks = [...seen, ...svc.logs].filter((text) => SECRETS.some((s) => text.includes(s)));
  await svc.close();
  await rx.close();
  expect(leaks).toEqual([]);
});

describe('event ids are a closed format', () => {
  it('rejects bad ids per event, delivers the good one once with its id as webhook-id, and keeps running', async () => {
    const good = push('31c51664-e5bd-416a-a5df-e5206bc47e01');
    const res = await ingest([good, { ...push('x'), id: 'evt-日本' }, { ...push('x'), id: 'evt\r\nX-Injected: 1' }]);
    const rule = 'id: must be 1-128 printable ASCII characters without spaces (a UUID, for example)';
    expect(res.status).toBe(202);
    expect(res.json).toEqual({
      accepted: [{ index: 0, id: good.id, action: 'push' }],
      duplicates: [],
      ignored: [],
      rejected: [
        { index: 1, message: rule },
        { index: 2, message: rule },
      ],
    });
    const [delivered] = await rx.waitFor(1, 10_000, `${SECRET_PATH}?${SECRET_QUERY}`);
    expect(delivered!.headers['webhook-id']).toBe(good.id);
    expect(JSON.parse(delivered!.body)).toEqual(good);
    // The accepted event is fanned out (its record written), and no bad id reached a log line.
    await eventually(() =>
      Promise.resolve(svc.logs.some((l) => l.includes(`event=${good.id}`) && l.includes('succeeded=1')) ? true : undefined),
    );
    expect(svc.logs.filter((l) => l.includes('X-Injected') || l.includes('日本'))).toEqual([]);
    expect(rx.requests).toHaveLength(1);
  });

  it('rejects ids storage could not key (a lone surrogate, 128 × é) without a 5xx, and takes the good events', async () => {
    const good = push('31c51664-e5bd-416a-a5df-e5206bc47e02');
    const res = await ingest([
      { ...push('x'), id: 'a\ud800b' },
      good,
      { ...push('x'), id: 'é'.repeat(128) },
      { ...push('x'), id: 'é'.repeat(40) },
    ]);
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ accepted: [{ index: 1, id: good.id, action: 'push' }] });
    expect((res.json as { rejected: { index: number }[] }).rejected.map((r) => r.index)).toEqual([0, 2, 3]);
  });

  it('answers 400 naming the rule when no event of the request has a valid id', async () => {
    const res = await ingest([
      { ...push('x'), id: 'a b' },
      { ...push('x'), id: 'x'.repeat(129) },
    ]);
    expect(res.status).toBe(400);
    expect(res.json).toEqual(
      invalid(
        'InvalidParameter',
        'No event was accepted: 2 invalid; event 0: id: must be 1-128 printable ASCII characters without spaces (a UUID, for example).',
      ),
    );
  });

  it('refuses a bad event id in the redeliver route with 400', async () => {
    const res = await call(`/registries/${REG}/webhooks/allhook01/events/${encodeURIComponent('a\r\nb')}/redeliver`, { method: 'POST' });
    expect(res.status).toBe(400);
    expect(res.json).toEqual(
      invalid('InvalidParameter', 'The event id must be 1-128 printable ASCII characters without spaces (a UUID, for example).', 'eventId'),
    );
  });
});

describe('logs are data', () => {
  it('CR/LF in a repository or tag is refused, and no request value starts a log line', async () => {
    const res = await ingest([push('crlf-1', 'app\r\nwebhooks-delete: webhook deleted'), push('crlf-2', 'app', 'v1\r\nforged')]);
    expect(res.status).toBe(400);
    expect(res.json).toEqual(
      invalid(
        'InvalidParameter',
        'No event was accepted: 2 invalid; event 0 (crlf-1): target.repository: must be a lowercase repository name.',
      ),
    );
    for (const line of svc.logs.flatMap((l) => l.split('\n'))) expect(line).not.toMatch(/^\s*(webhooks-delete|forged)/);
  });
});

describe('scope globs', () => {
  it('matches a 10-star scope against a 255-character repository without stalling the service', async () => {
    const scope = `${Array.from({ length: 11 }, () => 'a').join('*')}:*`;
    const created = await call(`/registries/${REG}/webhooks/globhook1`, {
      method: 'PUT',
      json: { location: 'westus', properties: { serviceUri: `${rx.url}/glob`, actions: ['push'], scope } },
    });
    expect(created.status).toBe(201);
    const id = 'glob-worst-case-1';
    expect((await ingest(push(id, `${'a'.repeat(255)}b`))).status).toBe(202);
    // The backtracking RegExp this replaced needed hours for this one; the fan-out ends at once.
    await eventually(() => Promise.resolve(svc.logs.some((l) => l.includes(`event=${id}`) && l.includes('matched=1')) ? true : undefined));
    expect(rx.forPath('/glob')).toEqual([]);
    expect((await call(`/registries/${REG}/webhooks/globhook1`, { method: 'DELETE' })).status).toBe(200);
  });

  it(`refuses a scope with more than 10 '*' with 400`, async () => {
    const repo = Array.from({ length: 12 }, () => 'a').join('*');
    const res = await call(`/registries/${REG}/webhooks/globhook2`, {
      method: 'PUT',
      json: { location: 'westus', properties: { serviceUri: `${rx.url}/glob`, actions: ['push'], scope: `${repo}:*` } },
    });
    expect(res.status).toBe(400);
    expect(res.json).toEqual(
      invalid(
        'InvalidParameter',
        `The request is invalid. properties.scope: the repository '${repo}' has 11 '*'; a scope may have at most 10 (one '*' already matches any run of characters, '/' included).`,
        'properties.scope',
      ),
    );
  });
});

describe('JSON syntax errors', () => {
  it('say where the body broke and never quote it (a custom header value is a secret)', async () => {
    const body = `{"location":"westus","properties":{"serviceUri":"${rx.url}/x","actions":["push"],"customHeaders":{"X-Api-Key":${SECRET_HEADER}}}}`;
    const res = await call(`/registries/${REG}/webhooks/jsonhook1`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(400);
    expect(res.json).toEqual(
      invalid(
        'InvalidRequestContent',
        `The request body is not valid JSON: at line 1, column ${body.indexOf(SECRET_HEADER) + 1}: expected a value (string, number, object, array, true, false or null), found an unquoted word or character.`,
      ),
    );
  });
});

describe('the local host and malformed requests', () => {
  const badHost = invalid('InvalidParameter', 'The Host header or the request target is not a valid URL authority and path.', 'Host');
  it.each(['exa mple', '[::1', 'a@b:c:d', 'user:pw@127.0.0.1'])('answers Host: %s with 400', async (host) => {
    expect(await getWithHost(`/api/registries/${REG}/webhooks`, host)).toEqual({ status: 400, body: badHost });
  });

  it('answers a request node cannot parse with 400 in the same shape', async () => {
    const text = await raw(`GET /api/x HTTP/1.1\r\nHost: localhost\r\nthis line has no colon\r\n\r\n`);
    expect(parseRaw(text)).toEqual({ status: 400, body: invalid('InvalidRequestContent', 'The request is not well-formed HTTP/1.1.') });
  });

  it('answers a 1 MB key header with 431', async () => {
    const text = await raw(
      `GET /api/registries/${REG}/webhooks HTTP/1.1\r\nHost: localhost\r\nx-functions-key: ${'k'.repeat(1 << 20)}\r\n\r\n`,
    );
    expect(parseRaw(text)).toEqual({
      status: 431,
      body: invalid('RequestHeaderFieldsTooLarge', 'The request line and headers are larger than the host accepts (16 KiB).'),
    });
  });
});

describe('the classes that already held', () => {
  it('a 10,000-deep body', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const res = await ingest(deep);
    expect(res.status).toBe(400);
    expect(res.json).toEqual(
      invalid('InvalidParameter', 'No event was accepted: 1 invalid; event 0: event: Invalid input: expected object, received array.'),
    );
  });

  it('a gzip bomb (compressed bodies are not inflated)', async () => {
    const bomb = gzipSync(Buffer.alloc(50 << 20));
    const res = await call(`/registries/${REG}/events`, {
      method: 'POST',
      key: INGEST_KEY,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: new Uint8Array(bomb),
    });
    expect(res.status).toBe(400);
    expect(res.json).toEqual(
      invalid(
        'InvalidRequestContent',
        'The request body is not valid JSON: at line 1, column 1: expected a value (string, number, object, array, true, false or null), found an unquoted word or character.',
      ),
    );
  });

  it('a __proto__ key pollutes nothing', async () => {
    const res = await call(`/registries/${REG}/webhooks/protohook1`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: `{"location":"westus","tags":{"__proto__":{"polluted":"yes"},"team":"a"},"properties":{"serviceUri":"${rx.url}/p","actions":["delete"]}}`,
    });
    expect(res.status).toBe(201);
    expect((res.json as { tags: unknown }).tags).toEqual({ team: 'a' });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect((await call(`/registries/${REG}/webhooks/protohook1`, { method: 'DELETE' })).status).toBe(200);
  });

  it.each([
    ['hооk00001', 'webhook'], // Cyrillic о
    ['hook0000１', 'webhook'], // fullwidth digit
  ])('a look-alike name %s', async (name, kind) => {
    const res = await call(`/registries/${REG}/webhooks/${encodeURIComponent(name)}`);
    expect(res.status).toBe(400);
    expect(res.json).toEqual(
      invalid(
        'InvalidParameter',
        `The ${kind} name '${name}' is invalid: use 5-50 letters and digits only (for example 'myregistry01').`,
        'webhookName',
      ),
    );
  });

  it.each([
    ['http://user@169.254.169.254/latest/meta-data', '169.254.169.254 is a cloud metadata address'],
    ['http://[fd00:ec2::254]/', 'fd00:ec2::254 is a cloud metadata address'],
  ])('an SSRF form %s', async (serviceUri, reason) => {
    const res = await call(`/registries/${REG}/webhooks/ssrfhook1`, {
      method: 'PUT',
      json: { location: 'westus', properties: { serviceUri, actions: ['push'] } },
    });
    expect(res.status).toBe(400);
    expect(res.json).toEqual(invalid('InvalidParameter', `The serviceUri is not allowed: ${reason}.`, 'properties.serviceUri'));
  });

  it('a forged $skipToken', async () => {
    const res = await call(`/registries/${REG}/webhooks?$skipToken=${encodeURIComponent('{"nextPartitionKey":"x"}')}`);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: { code: 'InvalidParameter', target: '$skipToken' } });
  });

  it('a 1 MB key in a body', async () => {
    const body = `{"${'k'.repeat(1 << 20)}":1}`;
    const res = await ingest(body);
    expect(res.status).toBe(413);
    expect(res.json).toEqual(invalid('RequestEntityTooLarge', `The request body is ${body.length} bytes; the limit is 1048576.`));
    const half = await ingest(`{"${'k'.repeat(1 << 19)}":1}`);
    expect(half.status).toBe(400);
    expect(half.json).toEqual(
      invalid('InvalidParameter', 'No event was accepted: 1 invalid; event 0: id: Invalid input: expected string, received undefined.'),
    );
  });
});

describe('quota under concurrency', () => {
  it('30 concurrent creates against a limit of 5 leave exactly 5; deletes give the room back', async () => {
    const own = await startService({ WEBHOOKS_PER_REGISTRY_LIMIT: '5' });
    try {
      const put = (name: string) =>
        api(own, `/registries/quotareg9/webhooks/${name}`, {
          method: 'PUT',
          json: { location: 'westus', properties: { serviceUri: `${rx.url}/q`, actions: ['push'] } },
        });
      const names = Array.from({ length: 30 }, (_, i) => `quota${String(i).padStart(3, '0')}`);
      const statuses = await Promise.all(names.map(async (n) => (await put(n)).status));
      expect(statuses.filter((s) => s === 201)).toHaveLength(5);
      expect(statuses.filter((s) => s === 409)).toHaveLength(25);
      const list = (await (await api(own, '/registries/quotareg9/webhooks')).json()) as { value: { name: string }[] };
      expect(list.value).toHaveLength(5);
      const refused = await put('quotaextra');
      expect(await refused.json()).toEqual(
        invalid(
          'QuotaExceeded',
          "Registry 'quotareg9' has 5 webhooks, the most allowed (5, WEBHOOKS_PER_REGISTRY_LIMIT). Delete one first.",
        ),
      );
      // Two deletes and ten creates at once: exactly two get in.
      const [a, b] = list.value.map((w) => w.name);
      const mixed = await Promise.all([
        api(own, `/registries/quotareg9/webhooks/${a}`, { method: 'DELETE' }).then((r) => r.status),
        api(own, `/registries/quotareg9/webhooks/${b}`, { method: 'DELETE' }).then((r) => r.status),
      ]);
      expect(mixed).toEqual([200, 200]);
      const again = await Promise.all(names.slice(10, 20).map(async (n) => (await put(n)).status));
      expect(again.filter((s) => s === 201)).toHaveLength(2);
      const after = (await (await api(own, '/registries/quotareg9/webhooks')).json()) as { value: unknown[] };
      expect(after.value).toHaveLength(5);
    } finally {
      await own.close();
    }
  });
});
