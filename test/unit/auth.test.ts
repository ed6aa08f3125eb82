import { describe, expect, it } from 'vitest';
import { HttpRequest } from '@azure/functions';
import { keyMatches, presentedKey } from '../../shared/http/auth.js';

describe('keys', () => {
  it('matches any key of the list and nothing else', () => {
    expect(keyMatches('k2', ['k1', 'k2'])).toBe(true);
    expect(keyMatches('k3', ['k1', 'k2'])).toBe(false);
    expect(keyMatches('', ['k1'])).toBe(false);
    expect(keyMatches('k1 ', ['k1'])).toBe(false);
  });
  it('reads x-functions-key first, then a bearer token, then ?code=', () => {
    const req = (headers: Record<string, string>, query: Record<string, string> = {}) =>
      new HttpRequest({ method: 'GET', url: 'http://h/api/x', headers, query });
    expect(presentedKey(req({ 'x-functions-key': 'a', authorization: 'Bearer b' }, { code: 'c' }))).toBe('a');
    expect(presentedKey(req({ authorization: 'Bearer b' }, { code: 'c' }))).toBe('b');
    expect(presentedKey(req({ authorization: 'Basic b' }, { code: 'c' }))).toBe('c');
    expect(presentedKey(req({}))).toBeUndefined();
  });
});
