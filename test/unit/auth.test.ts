import { describe, expect, it } from 'vitest';
import { HttpRequest } from '@azure/functions';
import { keyMatches } from '../../shared/http/auth.js';
import { presentedCredential } from '../../shared/auth/presented-credential.js';

describe('keys', () => {
  it('matches any key of the list and nothing else', () => {
    expect(keyMatches('k2', ['k1', 'k2'])).toBe(true);
    expect(keyMatches('k3', ['k1', 'k2'])).toBe(false);
    expect(keyMatches('', ['k1'])).toBe(false);
    expect(keyMatches('k1 ', ['k1'])).toBe(false);
  });
  const req = (headers: Record<string, string>, query: Record<string, string> = {}) =>
    new HttpRequest({ method: 'GET', url: 'http://h/api/x', headers, query });
  it('reads x-functions-key first, then a bearer value, then ?code=', () => {
    expect(presentedCredential(req({ 'x-functions-key': 'a', authorization: 'Bearer b' }, { code: 'c' }), true)).toEqual({
      kind: 'key',
      value: 'a',
    });
    expect(presentedCredential(req({ authorization: 'Bearer b' }, { code: 'c' }), true)).toEqual({ kind: 'key', value: 'b' });
    expect(presentedCredential(req({ authorization: 'Basic b' }, { code: 'c' }), true)).toEqual({ kind: 'key', value: 'c' });
    expect(presentedCredential(req({}), true)).toBeUndefined();
  });
  it('takes a JWT-shaped bearer value as a token only when tokens are accepted', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
    expect(presentedCredential(req({ authorization: `Bearer ${jwt}` }), true)).toEqual({ kind: 'token', value: jwt });
    expect(presentedCredential(req({ authorization: `Bearer ${jwt}` }), false)).toEqual({ kind: 'key', value: jwt });
  });
});
