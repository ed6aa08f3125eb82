import { z } from 'zod';
import type { PostOutcome, PostRequest } from '../delivery/post-json.js';
import { USER_AGENT } from '../delivery/outbound-request.js';
import type { RegistryCredential } from '../registry-credentials.js';

/*
 * Reads a manifest back from its registry (the index reader's platforms, skipReferrers' subject and
 * artifactType). Every request goes through the deliveries' poster: the same SSRF policy on the address
 * connected to, no redirects, one deadline. Authentication follows the registry's challenge
 * (distribution's token spec, docs/spec/auth/token.md): `Basic` gets the configured credentials;
 * `Bearer realm=…,service=…,scope=…` gets a token from the realm (with the credentials, or anonymously),
 * and for a host configured with the managed identity, ACR's exchange of an Entra ID token for a refresh
 * token (`POST /oauth2/exchange`), then an access token (`POST /oauth2/token`).
 */

const tokenAnswer = z.union([z.object({ token: z.string().min(1) }), z.object({ access_token: z.string().min(1) })]);
const refreshAnswer = z.object({ refresh_token: z.string().min(1) });

/** A manifest read back: its JSON and the content type the registry named, or why it could not be read. */
export type ManifestGetResult = { readonly json: unknown; readonly contentType: string | undefined } | { readonly error: string };

export interface RegistryReadOptions {
  readonly send: (request: PostRequest) => Promise<PostOutcome>;
  readonly credentials: ReadonlyMap<string, RegistryCredential>;
  readonly timeoutMs: number;
  /** An Entra ID access token for ACR's exchange (the managed identity); absent when none is configured. */
  readonly entraToken?: (clientId: string | undefined) => Promise<string>;
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

/** `getManifest(url, accept, what)`: a manifest's JSON, read with the registry's credentials; `what` names it in errors. */
export function makeRegistryGet(options: RegistryReadOptions) {
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

  async function getManifest(url: string, accept: string, what: string): Promise<ManifestGetResult> {
    let registry: URL;
    try {
      registry = new URL(url);
    } catch {
      return { error: 'the manifest URL is not a URL' };
    }
    const credential = options.credentials.get(registry.host.toLowerCase());
    const acceptHeader = { accept };
    let outcome = await get(url, acceptHeader);
    if (outcome.kind === 'response' && outcome.status === 401) {
      const challenge = parseChallenge(outcome.headers['www-authenticate'] ?? '');
      if (challenge?.scheme === 'basic') {
        if (credential?.kind !== 'basic') return { error: 'the registry wants basic credentials and none are configured for it' };
        outcome = await get(url, { ...acceptHeader, authorization: basic(credential) });
      } else if (challenge?.scheme === 'bearer') {
        const token = await bearerToken(registry, challenge.params, credential);
        if ('error' in token) return token;
        outcome = await get(url, { ...acceptHeader, authorization: `Bearer ${token.token}` });
      } else return { error: 'the registry answered 401 without a challenge this service follows' };
    }
    if (outcome.kind === 'error') return { error: `reading the ${what}: ${outcome.message}` };
    if (outcome.status !== 200) return { error: `reading the ${what}: HTTP ${outcome.status}` };
    if (outcome.truncated) return { error: `the ${what} is larger than 1 MiB` };
    return { json: safeJson(outcome.body), contentType: outcome.headers['content-type']?.split(';')[0]?.trim() };
  }

  return getManifest;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
