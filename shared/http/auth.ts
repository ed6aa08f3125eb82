import { createHash, timingSafeEqual } from 'node:crypto';
import type { HttpRequest } from '@azure/functions';
import { ApiError } from '../errors.js';

/**
 * The key a caller presented, in the places Azure Functions accepts function keys (`x-functions-key`,
 * `?code=`) and as a bearer token, so ARM SDK clients can pass the key as their credential's token.
 */
export function presentedKey(request: HttpRequest): string | undefined {
  const header = request.headers.get('x-functions-key');
  if (header) return header;
  const auth = request.headers.get('authorization');
  const bearer = auth?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  if (bearer) return bearer;
  return request.query.get('code') ?? undefined;
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Constant-time membership: compares digests (equal length) and never stops early. */
export function keyMatches(presented: string, keys: readonly string[]): boolean {
  const p = digest(presented);
  let match = false;
  for (const key of keys) match = timingSafeEqual(p, digest(key)) || match;
  return match;
}

/** Throws 401 unless the request carries one of `keys`. `purpose` names which key, for the message. */
export function requireKey(request: HttpRequest, keys: readonly string[], purpose: 'management' | 'ingest'): void {
  const presented = presentedKey(request);
  const challenge = { 'www-authenticate': 'Bearer realm="registry-webhooks"' };
  if (!presented) {
    throw new ApiError(
      'AuthenticationFailed',
      `A ${purpose} key is required: send it as the 'x-functions-key' header, 'Authorization: Bearer <key>' or '?code=<key>'.`,
      undefined,
      challenge,
    );
  }
  if (!keyMatches(presented, keys)) {
    throw new ApiError('AuthenticationFailed', `The ${purpose} key is not valid.`, undefined, challenge);
  }
}
