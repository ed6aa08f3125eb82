import { createHash } from 'node:crypto';
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { EntraConfig } from '../config.js';

/*
 * Entra ID access tokens, validated in code with jose (https://github.com/panva/jose): signing keys from
 * `{authority}/{tenant}/discovery/v2.0/keys`, cached (jose's remote set refetches once for an unknown
 * `kid`, at most every `cooldownMs`), v2 (`{authority}/{tenant}/v2.0`) and v1 (`https://sts.windows.net/{tenant}/`)
 * issuers, RS256 only, 5 minutes of clock skew (what Microsoft.IdentityModel allows by default).
 * https://learn.microsoft.com/entra/identity-platform/access-tokens#validate-tokens
 */

/** Who a valid token names: the tenant and object id (never `upn` or email, which can be reassigned). */
export interface EntraPrincipal {
  readonly tenantId: string;
  readonly objectId: string;
}

type TokenVerdict = { readonly ok: true; readonly principal: EntraPrincipal } | { readonly ok: false; readonly reason: string };

export type VerifyToken = (token: string) => Promise<TokenVerdict>;

/** ARM's own audiences: a token for ARM must never open this service, whatever is configured. */
const ARM_AUDIENCES = new Set(['https://management.azure.com', 'https://management.core.windows.net']);
const isArmAudience = (aud: string) => ARM_AUDIENCES.has(aud.toLowerCase().replace(/\/+$/, ''));

/**
 * Real Entra tokens are 1-4 KB (a groups overage claim keeps them small); a bound keeps a huge one from
 * costing a parse. The host refuses headers over 16 KiB before this (431).
 */
const MAX_TOKEN_CHARS = 12_288;
const CLOCK_SKEW_SECONDS = 300;

export interface VerifierOptions {
  /** Seconds between refetches of a tenant's keys for an unknown `kid` (jose's cooldown). */
  readonly cooldownMs?: number;
  readonly timeoutMs?: number;
}

/** Verdicts remembered (tokens that passed); a client reuses its token for up to an hour. */
const VERDICT_CACHE_ENTRIES = 10_000;

/**
 * Builds the verifier for the configured tenants and audiences. A token that passed is remembered by its
 * SHA-256 until it expires (the same string gets the same verdict until then; nothing about it can change
 * but the clock), so a client's repeat requests skip the RS256 verification and its thread-pool hop.
 */
export function makeTokenVerifier(config: EntraConfig, options: VerifierOptions = {}): VerifyToken {
  const passed = new Map<string, { readonly principal: EntraPrincipal; readonly exp: number }>();
  const audiences = config.audiences.filter((a) => !isArmAudience(a));
  const keySets = new Map<string, JWTVerifyGetKey>();
  for (const tenant of config.tenants) {
    const remote = createRemoteJWKSet(new URL(`${config.authority}/${tenant}/discovery/v2.0/keys`), {
      cooldownDuration: options.cooldownMs ?? 30_000,
      timeoutDuration: options.timeoutMs ?? 5_000,
    });
    keySets.set(tenant, async (header, token) => {
      try {
        return await remote(header, token);
      } catch (err) {
        // The key endpoint is down or slow: the keys we already hold stay trusted until it answers again.
        const last = remote.jwks();
        if (last && !(err instanceof errors.JWKSNoMatchingKey)) return createLocalJWKSet(last)(header, token);
        throw err;
      }
    });
  }
  return async (token) => {
    if (token.length > MAX_TOKEN_CHARS) return { ok: false, reason: 'The access token is too large.' };
    const digest = createHash('sha256').update(token).digest('base64');
    const known = passed.get(digest);
    if (known) {
      if (Date.now() / 1000 < known.exp + CLOCK_SKEW_SECONDS) return { ok: true, principal: known.principal };
      passed.delete(digest);
    }
    let tid: unknown;
    try {
      if (decodeProtectedHeader(token).alg !== 'RS256') return { ok: false, reason: 'The access token must be signed with RS256.' };
      tid = decodeJwt(token).tid;
    } catch {
      return { ok: false, reason: 'The access token is malformed.' };
    }
    const tenant = typeof tid === 'string' ? tid.toLowerCase() : undefined;
    const keys = tenant ? keySets.get(tenant) : undefined;
    if (!tenant || !keys) return { ok: false, reason: 'The access token is from a tenant this service does not trust.' };
    try {
      const { payload } = await jwtVerify(token, keys, {
        algorithms: ['RS256'],
        issuer: [`${config.authority}/${tenant}/v2.0`, `https://sts.windows.net/${tenant}/`],
        audience: audiences,
        clockTolerance: CLOCK_SKEW_SECONDS,
        requiredClaims: ['exp', 'oid', 'tid'],
      });
      const auds = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
      if (auds.some(isArmAudience)) return { ok: false, reason: "The access token's audience is not valid for this service." };
      if (typeof payload.oid !== 'string' || !/^[0-9a-fA-F-]{36}$/.test(payload.oid))
        return { ok: false, reason: 'The access token has no object id (oid).' };
      const principal = { tenantId: tenant, objectId: payload.oid.toLowerCase() };
      if (passed.size >= VERDICT_CACHE_ENTRIES) passed.delete(passed.keys().next().value!);
      passed.set(digest, { principal, exp: payload.exp! });
      return { ok: true, principal };
    } catch (err) {
      return { ok: false, reason: describeFailure(err) };
    }
  };
}

/** A reason safe to show the caller: which check failed, never the token or its claims. */
function describeFailure(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'The access token has expired.';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return 'The access token is not valid yet (nbf).';
    if (err.claim === 'aud') return "The access token's audience is not valid for this service.";
    if (err.claim === 'iss') return "The access token's issuer is not valid.";
    return `The access token's '${err.claim}' claim is not valid.`;
  }
  if (err instanceof errors.JWKSNoMatchingKey) return "The access token's signing key is not known.";
  if (err instanceof errors.JWSSignatureVerificationFailed) return "The access token's signature is not valid.";
  if (err instanceof errors.JOSEAlgNotAllowed) return 'The access token must be signed with RS256.';
  if (err instanceof errors.JWKSTimeout) return "The access token's signing keys could not be fetched in time.";
  return 'The access token is not valid.';
}

/** True when a bearer value has a JWT's shape (three base64url parts), as opposed to a key sent as a bearer. */
export const looksLikeJwt = (value: string): boolean => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(value);
