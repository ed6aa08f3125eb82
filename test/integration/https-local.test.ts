import { dirname, join } from 'node:path';
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDevCert, type DevCert } from '../helpers/dev-cert.js';
import { MANAGEMENT_KEY, startService, type TestService } from '../helpers/service.js';
import { spawnStart } from '../helpers/spawn-start.js';

/*
 * `npm start` over https (issue 19, item 5): the ARM SDK's bearer-token policy refuses plain http, so a
 * local run that is to take tokens serves https with a dev certificate given as HTTPS_CERT_FILE and
 * HTTPS_KEY_FILE (made with the openssl line the README gives).
 */
let dev: DevCert;
let cert: Buffer;
let svc: TestService;

beforeAll(async () => {
  dev = makeDevCert();
  cert = dev.cert;
  svc = await startService({ LIST_PAGE_SIZE: '1' }, undefined, {}, { tls: { cert: dev.cert, key: dev.key } });
});
afterAll(async () => {
  await svc.close();
  dev.remove();
});

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** One request with node:https, trusting `ca` (fetch has no per-request trust store). */
function httpsRequest(url: string, init: { method?: string; key?: string; json?: unknown; ca?: Buffer } = {}): Promise<Answer> {
  const body = init.json === undefined ? undefined : JSON.stringify(init.json);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: init.method ?? 'GET',
        headers: {
          ...(init.key ? { 'x-functions-key': init.key } : {}),
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(init.ca ? { ca: init.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const webhook = { location: 'westus', properties: { serviceUri: 'https://receiver.example.com/hook', actions: ['push'] } };

describe('the local host with HTTPS_CERT_FILE and HTTPS_KEY_FILE', () => {
  it('serves the API over https, to a client that trusts the certificate', async () => {
    expect(svc.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/api$/);
    const res = await httpsRequest(`${svc.url}/registries/myregistry/webhooks`, { key: MANAGEMENT_KEY, ca: cert });
    expect(res).toEqual({ status: 200, body: '{"value":[]}' });
    // The key check is unchanged over https (its error body is the auth tests' concern).
    expect((await httpsRequest(`${svc.url}/registries/myregistry/webhooks`, { ca: cert })).status).toBe(401);
  });

  it('builds nextLink with https, so the next page is fetched over https too', async () => {
    for (const name of ['tlshook01', 'tlshook02']) {
      const put = await httpsRequest(`${svc.url}/registries/tlsregistry/webhooks/${name}`, {
        method: 'PUT',
        key: MANAGEMENT_KEY,
        json: webhook,
        ca: cert,
      });
      expect(put.status).toBe(201);
    }
    const first = JSON.parse(
      (await httpsRequest(`${svc.url}/registries/tlsregistry/webhooks`, { key: MANAGEMENT_KEY, ca: cert })).body,
    ) as {
      value: { name: string }[];
      nextLink?: string;
    };
    expect(first.value.map((w) => w.name)).toEqual(['tlshook01']);
    expect(first.nextLink).toMatch(new RegExp(`^${svc.url.replace(/[.]/g, '\\.')}/registries/tlsregistry/webhooks\\?`));
    const second = JSON.parse((await httpsRequest(first.nextLink ?? '', { key: MANAGEMENT_KEY, ca: cert })).body) as {
      value: { name: string }[];
      nextLink?: string;
    };
    expect(second.value.map((w) => w.name)).toEqual(['tlshook02']);
    expect(second.nextLink).toBeUndefined();
  });

  it('does not answer plain http on its port, nor a client that does not trust the certificate', async () => {
    const plain = svc.url.replace(/^https:/, 'http:');
    await expect(fetch(`${plain}/registries/myregistry/webhooks`, { headers: { 'x-functions-key': MANAGEMENT_KEY } })).rejects.toThrow();
    await expect(httpsRequest(`${svc.url}/registries/myregistry/webhooks`, { key: MANAGEMENT_KEY })).rejects.toMatchObject({
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
  });
});

describe('npm start with HTTPS_CERT_FILE and HTTPS_KEY_FILE', () => {
  it('prints https URLs and a curl line that trusts the certificate, and serves the API over https', async () => {
    const started = await spawnStart({ HTTPS_CERT_FILE: dev.certFile, HTTPS_KEY_FILE: dev.keyFile });
    try {
      expect(started.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/api$/);
      expect(started.output()).toContain(`Ingest URL:     ${started.url}/registries/{registryName}/events`);
      expect(started.output()).toContain(
        `Try: curl --cacert ${dev.certFile} -H "x-functions-key: ${started.managementKey}" ${started.url}/`,
      );
      const res = await httpsRequest(`${started.url}/registries/startreg01/webhooks`, { key: started.managementKey, ca: cert });
      expect(res).toEqual({ status: 200, body: '{"value":[]}' });
    } finally {
      expect(await started.stop()).toBe(0);
    }
  });

  it('refuses to start with one of the two, or with a file it cannot read, and says which', async () => {
    const missing = join(dirname(dev.certFile), 'missing.pem');
    await Promise.all([
      expect(spawnStart({ HTTPS_CERT_FILE: dev.certFile })).rejects.toThrow(
        /start exited with 1:\ninvalid local setting:\n {2}- HTTPS_CERT_FILE and HTTPS_KEY_FILE go together: set both \(PEM files\) to serve https, or neither for http\n$/,
      ),
      expect(spawnStart({ HTTPS_CERT_FILE: dev.certFile, HTTPS_KEY_FILE: missing })).rejects.toThrow(
        `start exited with 1:\nHTTPS_KEY_FILE: cannot read ${missing} (ENOENT)\n`,
      ),
    ]);
  });
});
