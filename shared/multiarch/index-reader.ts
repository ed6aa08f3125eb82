import { z } from 'zod';
import type { PostOutcome, PostRequest } from '../delivery/post-json.js';
import { USER_AGENT } from '../delivery/outbound-request.js';
import { INDEX_MEDIA_TYPES, type PlatformEntry } from '../events/acr-event.js';
import type { RegistryCredential } from '../registry-credentials.js';

/*
 * Reads an image index (OCI index, Docker manifest list) back from its registry, for the platforms a
 * coalesced push lists (distribution 2.x leaves `platform` out of the references in its events; ACR's
 * events carry no references at all). Every request goes through the deliveries' poster: the same SSRF
 * policy on the address connected to, no redirects, one deadline. Authentication follows the registry's
 * challenge (distribution's token spec, docs/spec/auth/token.md): `Basic` gets the configured
 * credentials; `Bearer realm=…,service=…,scope=…` gets a token from the realm (with the credentials, or
 * anonymously), and for a host configured with the managed identity, ACR's exchange of an Entra ID
 * token for a refresh token (`POST /oauth2/exchange`), then an access token (`POST /oauth2/token`).
 * Indexes are immutable by digest, so results are cached per URL.
 */

const INDEX_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

const indexManifest = z.object({
  mediaType: z.string().optional(),
  manifests: z
    .array(
      z.object({
        mediaType: z.string().max(255).optional(),
        digest: z.string().regex(/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/),
        size: z.number().int().nonnegative().optional(),
        platform: z.object({ os: z.string().max(64), architecture: z.string().max(64), variant: z.string().max(64).optional() }).optional(),
      }),
    )
    .max(256),
});

const tokenAnswer = z.union([z.object({ token: z.string().min(1) }), z.object({ access_token: z.string().min(1) })]);
const refreshAnswer = z.object({ refresh_token: z.string().min(1) });

type IndexReadResult = { readonly platforms: readonly PlatformEntry[] } | { readonly error: string };

interface IndexReaderOptions {
  readonly send: (request: PostRequest) => Promise<PostOutcome>;
  readonly credentials: ReadonlyMap<string, RegistryCredential>;
  readonly timeoutMs: number;
  /** An Entra ID access token for ACR's exchange (the managed identity); absent when none is configured. */
  readonly entraToken?: (clientId: string | undefined) => Promise<string>;
  readonly cacheSize?: number;
}

/**
 * `Bearer realm="…",service="…",scope="…"` → its parameters (quoted-string values).
 * @internal
 */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } | undefined {
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2]!.matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) params[p[1]!.toLowerCase()] = p[2] ?? p[3] ?? '';
  return { scheme: m[1]!.toLowerCase(), params };
}

const basic = (c: { username: string; password: string }) => `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
const MAX_BYTES = 1_048_576;

export function makeIndexReader(options: IndexReaderOptions) {
  const cache = new Map<string, readonly PlatformEntry[]>();
  const cacheSize = options.cacheSize ?? 1000;

  const get = (url: string, headers: Record<string, string>) =>
    options.send({
      method: 'GET',
      url,
      headers: { 'user-agent': USER_AGENT, ...headers },
      body: '',
      timeoutMs: options.timeoutMs,
      maxResponseBytes: MAX_BYTES,
    });
  const postForm = (url: string, form: Record<string, string>) =>
    options.send({
      url,
      headers: { 'user-agent': USER_AGENT, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
      timeoutMs: options.timeoutMs,
      maxResponseBytes: MAX_BYTES,
    });

  const failure = (what: string, outcome: PostOutcome) =>
    outcome.kind === 'error' ? `${what}: ${outcome.message}` : `${what}: HTTP ${outcome.status}`;

  /** A bearer token for the challenge, or an error. Credentials go to the realm only over https or on the registry's own host. */
  async function bearerToken(
    registry: URL,
    params: Record<string, string>,
    credential: RegistryCredential | undefined,
  ): Promise<{ token: string } | { error: string }> {
    const realm = params['realm'];
    if (!realm) return { error: 'the registry asked for a bearer token without a realm' };
    let realmUrl: URL;
    try {
      realmUrl = new URL(realm);
    } catch {
      return { error: 'the registry named a realm that is not a URL' };
    }
    const service = params['service'] ?? registry.host;
    const scope = params['scope'];
    if (credential?.kind === 'managedIdentity') {
      if (!options.entraToken) return { error: 'no managed identity is available to read this registry' };
      const origin = `${registry.protocol}//${registry.host}`;
      let aad: string;
      try {
        aad = await options.entraToken(credential.clientId);
      } catch (err) {
        return { error: `the managed identity gave no token (${err instanceof Error ? err.name : 'error'})` };
      }
      const exchanged = await postForm(`${origin}/oauth2/exchange`, { grant_type: 'access_token', service, access_token: aad });
      const refresh =
        exchanged.kind === 'response' && exchanged.status === 200 ? refreshAnswer.safeParse(safeJson(exchanged.body)) : undefined;
      if (!refresh?.success) return { error: failure('ACR token exchange', exchanged) };
      const answered = await postForm(`${origin}/oauth2/token`, {
        grant_type: 'refresh_token',
        service,
        ...(scope ? { scope } : {}),
        refresh_token: refresh.data.refresh_token,
      });
      const token = answered.kind === 'response' && answered.status === 200 ? tokenAnswer.safeParse(safeJson(answered.body)) : undefined;
      if (!token?.success) return { error: failure('ACR access token', answered) };
      return { token: 'token' in token.data ? token.data.token : token.data.access_token };
    }
    realmUrl.searchParams.set('service', service);
    if (scope) realmUrl.searchParams.set('scope', scope);
    const mayAuthenticate = realmUrl.protocol === 'https:' || realmUrl.host === registry.host;
    const headers: Record<string, string> = credential?.kind === 'basic' && mayAuthenticate ? { authorization: basic(credential) } : {};
    const answered = await get(realmUrl.toString(), headers);
    const token = answered.kind === 'response' && answered.status === 200 ? tokenAnswer.safeParse(safeJson(answered.body)) : undefined;
    if (!token?.success) return { error: failure('token request', answered) };
    return { token: 'token' in token.data ? token.data.token : token.data.access_token };
  }

  async function fetchIndex(url: string): Promise<IndexReadResult> {
    let registry: URL;
    try {
      registry = new URL(url);
    } catch {
      return { error: 'the manifest URL is not a URL' };
    }
    const credential = options.credentials.get(registry.host.toLowerCase());
    const accept = { accept: INDEX_ACCEPT };
    let outcome = await get(url, accept);
    if (outcome.kind === 'response' && outcome.status === 401) {
      const challenge = parseChallenge(outcome.headers['www-authenticate'] ?? '');
      if (challenge?.scheme === 'basic') {
        if (credential?.kind !== 'basic') return { error: 'the registry wants basic credentials and none are configured for it' };
        outcome = await get(url, { ...accept, authorization: basic(credential) });
      } else if (challenge?.scheme === 'bearer') {
        const token = await bearerToken(registry, challenge.params, credential);
        if ('error' in token) return token;
        outcome = await get(url, { ...accept, authorization: `Bearer ${token.token}` });
      } else return { error: 'the registry answered 401 without a challenge this service follows' };
    }
    if (outcome.kind === 'error') return { error: `reading the index: ${outcome.message}` };
    if (outcome.status !== 200) return { error: `reading the index: HTTP ${outcome.status}` };
    if (outcome.truncated) return { error: 'the index is larger than 1 MiB' };
    const parsed = indexManifest.safeParse(safeJson(outcome.body));
    const type = parsed.success ? (parsed.data.mediaType ?? outcome.headers['content-type']?.split(';')[0]?.trim()) : undefined;
    if (!parsed.success || (type !== undefined && !INDEX_MEDIA_TYPES.has(type)))
      return { error: 'the manifest at that URL is not an image index' };
    return {
      platforms: parsed.data.manifests.map((m) => ({
        digest: m.digest,
        ...(m.mediaType ? { mediaType: m.mediaType } : {}),
        ...(m.size !== undefined ? { size: m.size } : {}),
        ...(m.platform ? { os: m.platform.os, architecture: m.platform.architecture } : {}),
        ...(m.platform?.variant ? { variant: m.platform.variant } : {}),
      })),
    };
  }

  return {
    /** The child manifests of the index at `url` (`…/v2/{repository}/manifests/{digest}`), or why they could not be read. */
    async read(url: string): Promise<IndexReadResult> {
      const hit = cache.get(url);
      if (hit) return { platforms: hit };
      const result = await fetchIndex(url);
      if ('platforms' in result) {
        if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!);
        cache.set(url, result.platforms);
      }
      return result;
    },
  };
}

export type IndexReader = ReturnType<typeof makeIndexReader>;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
