import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { closeServer } from './ports.js';

/**
 * An Entra ID stand-in on loopback: an RSA key pair made here, its JWKS at
 * `{authority}/{tenant}/discovery/v2.0/keys` and the OpenID configuration, and tokens signed with it.
 * The service is pointed at it with ENTRA_AUTHORITY; nothing of the service is replaced.
 */
export interface EntraIssuer {
  /** `http://127.0.0.1:<port>` (ENTRA_AUTHORITY). */
  readonly authority: string;
  readonly tenant: string;
  /** How many times each tenant's JWKS was fetched. */
  readonly fetches: Map<string, number>;
  /** A token for `oid` (a GUID) with v2 claims; `claims` override or add, `options` change the signing. */
  token(oid: string, claims?: JWTPayload, options?: { kid?: string; key?: CryptoKey }): Promise<string>;
  /** Another key pair the JWKS does not (yet) publish. */
  newKey(): Promise<{ kid: string; privateKey: CryptoKey; jwk: JWK }>;
  /** Publishes an extra key in the JWKS. */
  publish(jwk: JWK): void;
  /** Stops serving the JWKS (as an outage would); `close` ends the server. */
  close(): Promise<void>;
}

export const TEST_AUDIENCE = 'api://registry-webhooks-test';

export async function startEntraIssuer(tenant: string = randomUUID()): Promise<EntraIssuer> {
  const makeKey = async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = randomUUID();
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
    return { kid, privateKey, jwk };
  };
  const main = await makeKey();
  const published: JWK[] = [main.jwk];
  const fetches = new Map<string, number>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const keys = /^\/([0-9a-f-]{36})\/discovery\/v2\.0\/keys$/.exec(url.pathname);
    if (keys) {
      fetches.set(keys[1]!, (fetches.get(keys[1]!) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
      return;
    }
    const config = /^\/([0-9a-f-]{36})\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
    if (config) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          issuer: `${authority}/${config[1]}/v2.0`,
          jwks_uri: `${authority}/${config[1]}/discovery/v2.0/keys`,
          id_token_signing_alg_values_supported: ['RS256'],
        }),
      );
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const authority = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    authority,
    tenant,
    fetches,
    async token(oid, claims = {}, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ tid: tenant, oid, ver: '2.0', azp: randomUUID(), ...claims })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: options.kid ?? main.kid })
        .setIssuer(typeof claims.iss === 'string' ? claims.iss : `${authority}/${tenant}/v2.0`)
        .setAudience(claims.aud ?? TEST_AUDIENCE)
        .setIssuedAt(now - 60)
        .setNotBefore(typeof claims.nbf === 'number' ? claims.nbf : now - 60)
        .setExpirationTime(typeof claims.exp === 'number' ? claims.exp : now + 3600)
        .sign(options.key ?? main.privateKey);
    },
    newKey: makeKey,
    publish(jwk) {
      published.push(jwk);
    },
    close: () => closeServer(server),
  };
}
