import type { HttpRequest } from '@azure/functions';
import { looksLikeJwt } from './entra-tokens.js';

/** What a caller presented: a key (function-key style) or an Entra ID access token. */
export type PresentedCredential = { readonly kind: 'key'; readonly value: string } | { readonly kind: 'token'; readonly value: string };

/**
 * The credential in a request, in the places Azure Functions accepts function keys (`x-functions-key`,
 * `?code=`) and `Authorization: Bearer`. A bearer value shaped like a JWT is a token when Entra ID is
 * configured; any other bearer value is a key (ARM SDK clients given the key as their token's value).
 */
export function presentedCredential(request: HttpRequest, tokensAccepted: boolean): PresentedCredential | undefined {
  const header = request.headers.get('x-functions-key');
  if (header) return { kind: 'key', value: header };
  const bearer = request.headers.get('authorization')?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  if (bearer) return tokensAccepted && looksLikeJwt(bearer) ? { kind: 'token', value: bearer } : { kind: 'key', value: bearer };
  const code = request.query.get('code');
  return code ? { kind: 'key', value: code } : undefined;
}
