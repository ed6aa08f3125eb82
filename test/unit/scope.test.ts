import { describe, expect, it } from 'vitest';
import { parseScope, scopeProblem } from '../../shared/webhooks/scope.js';

describe('scopeProblem', () => {
  it.each(['', 'foo', 'foo:bar', 'foo:*', 'team/app:v1.2.3', 'a.b_c__d-e/f--g:1', 'team/*:*', '*:latest', 'library/ubuntu:22.04'])(
    'accepts %j',
    (scope) => {
      expect(scopeProblem(scope)).toBeUndefined();
    },
  );
  it.each([
    [':tag', 'no repository'],
    ['Foo:bar', 'uppercase'],
    ['foo/:bar', 'invalid'],
    ['-foo:bar', 'invalid'],
    ['foo:-bar', 'tag'],
    ['foo:' + 'a'.repeat(129), 'tag'],
    ['foo:ba r', 'tag'],
    ['x'.repeat(513), 'longer than 512'],
  ])('rejects %j (%s)', (scope, fragment) => {
    expect(scopeProblem(scope)).toContain(fragment);
  });
});

describe('parseScope', () => {
  it('reads a bare repository as repository:latest, as ACR does', () => {
    const s = parseScope('foo');
    expect(s.tag).toBe('latest');
    expect(s.repository?.test('foo')).toBe(true);
    expect(s.repository?.test('foo/bar')).toBe(false);
  });
  it('splits on the last colon and globs * across slashes', () => {
    const s = parseScope('team/*:*');
    expect(s.tag).toBeUndefined();
    expect(s.repository?.test('team/a')).toBe(true);
    expect(s.repository?.test('team/a/b')).toBe(true);
    expect(s.repository?.test('other/a')).toBe(false);
  });
  it('matches everything when empty', () => {
    expect(parseScope('')).toEqual({ repository: undefined, tag: undefined });
  });
  it('escapes regex characters in repository names', () => {
    const s = parseScope('a.b:1');
    expect(s.repository?.test('a.b')).toBe(true);
    expect(s.repository?.test('axb')).toBe(false);
  });
});
