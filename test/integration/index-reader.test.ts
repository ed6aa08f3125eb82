import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePoster, type Poster } from '../../shared/delivery/post-json.js';
import { makeIndexReader } from '../../shared/multiarch/index-reader.js';
import { parseChallenge } from '../../shared/multiarch/registry-get.js';
import { makeManifestReader } from '../../shared/multiarch/manifest-reader.js';
import { referrerKind } from '../../shared/pipeline/skip-referrers.js';
import type { AcrEvent } from '../../shared/events/acr-event.js';
import type { WebhookRecord } from '../../shared/webhooks/webhook.js';
import type { RegistryCredential } from '../../shared/registry-credentials.js';
import { parseRegistryCredentials } from '../../shared/registry-credentials.js';

/*
 * Reading an image index back from a registry through the delivery poster, against a registry on a real
 * socket that answers the way distribution's auth does: a Basic challenge, a Bearer challenge with a token
 * realm (docs/spec/auth/token.md), or ACR's Entra ID exchange (/oauth2/exchange, /oauth2/token).
 */
const INDEX_DIGEST = `sha256:${'1'.repeat(64)}`;
const AMD = `sha256:${'a'.repeat(64)}`;
const ARM = `sha256:${'b'.repeat(64)}`;
const INDEX = {
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [
    { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: AMD, size: 480, platform: { os: 'linux', architecture: 'amd64' } },
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: ARM,
      size: 481,
      platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
    },
  ],
};

/** An SBOM attached to the amd64 image (OCI 1.1: a subject and an artifactType). */
const SBOM_DIGEST = `sha256:${'5'.repeat(64)}`;
const SBOM = {
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  artifactType: 'application/vnd.cyclonedx+json',
  config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: `sha256:${'4'.repeat(64)}`, size: 2 },
  layers: [],
  subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: AMD, size: 480 },
};

type Mode = 'open' | 'basic' | 'bearer' | 'acr';
let mode: Mode = 'open';
let server: Server;
let host: string;
let poster: Poster;
const seen: { method: string; path: string; authorization?: string; body: string }[] = [];

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void body(req).then((text) => {
      const url = new URL(req.url ?? '/', `http://${host}`);
      seen.push({
        method: req.method ?? '',
        path: url.pathname + url.search,
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
        body: text,
      });
      const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(value));
      };
      if (url.pathname === '/token') {
        return req.headers.authorization === `Basic ${Buffer.from('puller:s3cret').toString('base64')}`
          ? json(200, { token: 'realm-token' })
          : json(401, {});
      }
      if (url.pathname === '/oauth2/exchange') {
        const form = new URLSearchParams(text);
        return form.get('access_token') === 'entra-token' && form.get('grant_type') === 'access_token'
          ? json(200, { refresh_token: 'acr-refresh' })
          : json(401, {});
      }
      if (url.pathname === '/oauth2/token') {
        const form = new URLSearchParams(text);
        return form.get('refresh_token') === 'acr-refresh' && form.get('scope') === 'repository:team/app:pull'
          ? json(200, { access_token: 'acr-access' })
          : json(401, {});
      }
      if (url.pathname === `/v2/team/app/manifests/${INDEX_DIGEST}` || url.pathname === `/v2/team/app/manifests/${SBOM_DIGEST}`) {
        const auth = req.headers.authorization;
        const ok =
          mode === 'open' ||
          (mode === 'basic' && auth === `Basic ${Buffer.from('puller:s3cret').toString('base64')}`) ||
          (mode === 'bearer' && auth === 'Bearer realm-token') ||
          (mode === 'acr' && auth === 'Bearer acr-access');
        if (ok && url.pathname.endsWith(SBOM_DIGEST)) return json(200, SBOM, { 'content-type': SBOM.mediaType });
        if (ok) return json(200, INDEX, { 'content-type': 'application/vnd.oci.image.index.v1+json' });
        const challenge =
          mode === 'basic'
            ? 'Basic realm="registry"'
            : mode === 'bearer'
              ? `Bearer realm="http://${host}/token",service="test-registry",scope="repository:team/app:pull"`
              : `Bearer realm="http://${host}/oauth2/token",service="${host}",scope="repository:team/app:pull"`;
        return json(401, { errors: [{ code: 'UNAUTHORIZED' }] }, { 'www-authenticate': challenge });
      }
      if (url.pathname === '/v2/team/app/manifests/single')
        return json(200, { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', layers: [] });
      return json(404, {});
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  poster = makePoster({ allowPrivate: true });
});
afterAll(async () => {
  poster.close();
  await new Promise((r) => server.close(r));
});

const PLATFORMS = [
  { digest: AMD, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 480, os: 'linux', architecture: 'amd64' },
  { digest: ARM, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 481, os: 'linux', architecture: 'arm', variant: 'v7' },
];
const url = () => `http://${host}/v2/team/app/manifests/${INDEX_DIGEST}`;
const reader = (credentials: Record<string, RegistryCredential> = {}, entraToken?: () => Promise<string>) =>
  makeIndexReader({
    send: poster.post,
    credentials: new Map(Object.entries(credentials)),
    timeoutMs: 2000,
    ...(entraToken ? { entraToken } : {}),
  });

describe('reading an image index back from its registry', () => {
  it('reads an open registry, asking for index media types, and caches by URL', async () => {
    mode = 'open';
    seen.length = 0;
    const r = reader();
    expect(await r.read(url())).toEqual({ platforms: PLATFORMS });
    expect(await r.read(url())).toEqual({ platforms: PLATFORMS });
    expect(seen.map((s) => [s.method, s.path])).toEqual([['GET', `/v2/team/app/manifests/${INDEX_DIGEST}`]]);
  });

  it('answers a Basic challenge with the configured credentials, and says so when there are none', async () => {
    mode = 'basic';
    expect(await reader({ [host]: { kind: 'basic', username: 'puller', password: 's3cret' } }).read(url())).toEqual({
      platforms: PLATFORMS,
    });
    expect(await reader().read(url())).toEqual({ error: 'the registry wants basic credentials and none are configured for it' });
  });

  it('follows a Bearer challenge: a token from the realm with service and scope, then the index with it', async () => {
    mode = 'bearer';
    seen.length = 0;
    expect(await reader({ [host]: { kind: 'basic', username: 'puller', password: 's3cret' } }).read(url())).toEqual({
      platforms: PLATFORMS,
    });
    expect(seen.map((s) => [s.path, s.authorization])).toEqual([
      [`/v2/team/app/manifests/${INDEX_DIGEST}`, undefined],
      ['/token?service=test-registry&scope=repository%3Ateam%2Fapp%3Apull', `Basic ${Buffer.from('puller:s3cret').toString('base64')}`],
      [`/v2/team/app/manifests/${INDEX_DIGEST}`, 'Bearer realm-token'],
    ]);
    expect(await reader().read(url())).toEqual({ error: 'token request: HTTP 401' });
  });

  it("exchanges the managed identity's Entra ID token for an ACR refresh token, then an access token for the repository", async () => {
    mode = 'acr';
    seen.length = 0;
    const result = await reader({ [host]: { kind: 'managedIdentity', clientId: undefined } }, () => Promise.resolve('entra-token')).read(
      url(),
    );
    expect(result).toEqual({ platforms: PLATFORMS });
    expect(seen.map((s) => [s.method, s.path, s.body])).toEqual([
      ['GET', `/v2/team/app/manifests/${INDEX_DIGEST}`, ''],
      ['POST', '/oauth2/exchange', `grant_type=access_token&service=${encodeURIComponent(host)}&access_token=entra-token`],
      [
        'POST',
        '/oauth2/token',
        `grant_type=refresh_token&service=${encodeURIComponent(host)}&scope=repository%3Ateam%2Fapp%3Apull&refresh_token=acr-refresh`,
      ],
      ['GET', `/v2/team/app/manifests/${INDEX_DIGEST}`, ''],
    ]);
    expect(seen[3]!.authorization).toBe('Bearer acr-access');
    expect(await reader({ [host]: { kind: 'managedIdentity', clientId: undefined } }).read(url())).toEqual({
      error: 'no managed identity is available to read this registry',
    });
  });

  it('goes through the outbound policy: a loopback registry is refused unless private targets are allowed', async () => {
    mode = 'open';
    const strict = makePoster({ allowPrivate: false });
    const r = makeIndexReader({ send: strict.post, credentials: new Map(), timeoutMs: 2000 });
    expect(await r.read(url())).toEqual({
      error: 'reading the index: refused: 127.0.0.1 is a loopback address (set ALLOW_PRIVATE_TARGETS=true to allow private targets)',
    });
    strict.close();
  });

  it('a manifest that is not an index, or a missing one, is an error that says so', async () => {
    mode = 'open';
    expect(await reader().read(`http://${host}/v2/team/app/manifests/single`)).toEqual({
      error: 'the manifest at that URL is not an image index',
    });
    expect(await reader().read(`http://${host}/v2/team/app/manifests/sha256:${'9'.repeat(64)}`)).toEqual({
      error: 'reading the index: HTTP 404',
    });
  });
});

describe('reading a manifest back for skipReferrers', () => {
  const sbomUrl = () => `http://${host}/v2/team/app/manifests/${SBOM_DIGEST}`;
  const manifests = (credentials: Record<string, RegistryCredential> = {}, send = poster.post) =>
    makeManifestReader({ send, credentials: new Map(Object.entries(credentials)), timeoutMs: 2000 });
  const pushed = (tag: string, digest = SBOM_DIGEST): AcrEvent => ({
    id: `e-${tag}`,
    timestamp: '2026-11-27T10:00:00Z',
    action: 'push',
    target: { digest, repository: 'team/app', tag, manifestUrl: `http://${host}/v2/team/app/manifests/${digest}` },
  });
  const hook = (skipReferrers: boolean | undefined) => ({ skipReferrers }) as WebhookRecord;

  it("reads the subject and artifactType with the registry's credentials, once per digest", async () => {
    mode = 'basic';
    seen.length = 0;
    const r = manifests({ [host]: { kind: 'basic', username: 'puller', password: 's3cret' } });
    const facts = { facts: { hasSubject: true, artifactType: 'application/vnd.cyclonedx+json' } };
    expect(await r.read(sbomUrl())).toEqual(facts);
    expect(await r.read(sbomUrl())).toEqual(facts);
    expect(seen.map((s) => [s.path, s.authorization])).toEqual([
      [`/v2/team/app/manifests/${SBOM_DIGEST}`, undefined],
      [`/v2/team/app/manifests/${SBOM_DIGEST}`, `Basic ${Buffer.from('puller:s3cret').toString('base64')}`],
    ]);
    expect(await manifests().read(sbomUrl())).toEqual({ error: 'the registry wants basic credentials and none are configured for it' });
  });

  it('goes through the outbound policy, and a failed read is not cached', async () => {
    mode = 'open';
    const strict = makePoster({ allowPrivate: false });
    expect(await manifests({}, strict.post).read(sbomUrl())).toEqual({
      error: 'reading the manifest: refused: 127.0.0.1 is a loopback address (set ALLOW_PRIVATE_TARGETS=true to allow private targets)',
    });
    strict.close();
    seen.length = 0;
    const r = manifests();
    const missing = `http://${host}/v2/team/app/manifests/sha256:${'9'.repeat(64)}`;
    expect(await r.read(missing)).toEqual({ error: 'reading the manifest: HTTP 404' });
    expect(await r.read(missing)).toEqual({ error: 'reading the manifest: HTTP 404' });
    expect(seen).toHaveLength(2);
  });

  it('reads only for a webhook that skips referrers, and only when the event does not say already', async () => {
    mode = 'open';
    seen.length = 0;
    const r = { manifestReader: manifests() };
    const log: string[] = [];
    expect(await referrerKind(r, pushed('sbom'), [hook(undefined), hook(false)], (m) => log.push(m))).toBeUndefined();
    expect(seen).toHaveLength(0);
    expect(await referrerKind(r, pushed(`sha256-${'a'.repeat(64)}.att`), [hook(true)], (m) => log.push(m))).toBe('cosign_tag');
    expect(seen).toHaveLength(0);
    expect(await referrerKind(r, pushed('sbom'), [hook(false), hook(true)], (m) => log.push(m))).toBe('subject');
    expect(seen).toHaveLength(1);
    // An image that cannot be read back is delivered (a skip must never lose it), and the reason logged.
    expect(await referrerKind(r, pushed('v1', `sha256:${'8'.repeat(64)}`), [hook(true)], (m) => log.push(m))).toBeUndefined();
    expect(log).toEqual(['skipReferrers: manifest not read, delivered: reading the manifest: HTTP 404']);
  });
});

describe('challenges and credentials settings', () => {
  it('parses a Bearer challenge with quoted parameters', () => {
    expect(
      parseChallenge('Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push"'),
    ).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.example.com/token', service: 'registry.example.com', scope: 'repository:a/b:pull,push' },
    });
  });

  it('parses REGISTRY_CREDENTIALS and names the host, never the secret, when a value is wrong', () => {
    const ok = parseRegistryCredentials(
      JSON.stringify({ 'MyRegistry.azurecr.io': 'managedIdentity', 'registry.example.com:5000': { username: 'u', password: 'p' } }),
      'REGISTRY_CREDENTIALS',
    );
    expect(ok).toEqual({
      credentials: new Map<string, RegistryCredential>([
        ['myregistry.azurecr.io', { kind: 'managedIdentity', clientId: undefined }],
        ['registry.example.com:5000', { kind: 'basic', username: 'u', password: 'p' }],
      ]),
    });
    const bad = parseRegistryCredentials(
      JSON.stringify({ 'registry.example.com': { username: 'u', password: 'topsecret', extra: 1 } }),
      'REGISTRY_CREDENTIALS',
    );
    expect(bad).toEqual({
      problem:
        'REGISTRY_CREDENTIALS (registry.example.com): each value must be {"username", "password"}, "managedIdentity" or {"managedIdentity": {"clientId"}}',
    });
    expect(JSON.stringify(bad)).not.toContain('topsecret');
    expect(parseRegistryCredentials('{', 'REGISTRY_CREDENTIALS')).toHaveProperty('problem');
  });
});
