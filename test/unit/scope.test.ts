import { describe, expect, it } from 'vitest';
import { globMatches, MAX_SCOPE_STARS, parseScope, scopeProblem } from '../../shared/webhooks/scope.js';

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

describe('scope globs are linear', () => {
  it('matches the worst case (10 stars, a 255-character repository) in under a millisecond', () => {
    const scope = `${Array.from({ length: 11 }, () => 'a').join('*')}:*`;
    expect(scopeProblem(scope)).toBeUndefined();
    const glob = parseScope(scope).repository!;
    const repository = `${'a'.repeat(255)}b`;
    let best = Infinity;
    for (let run = 0; run < 20; run++) {
      const started = performance.now();
      expect(glob.test(repository)).toBe(false);
      best = Math.min(best, performance.now() - started);
    }
    expect(glob.test('a'.repeat(255))).toBe(true);
    expect(best).toBeLessThan(1);
  });

  it('agrees with the glob meaning on ordinary cases', () => {
    const cases: [string, string, boolean][] = [
      ['team/*', 'team/a/b', true],
      ['team/*', 'team/', true],
      ['*/api', 'svc/api', true],
      ['*/api', 'svc/api2', false],
      ['a*b*c', 'abc', true],
      ['a*b*c', 'axxbyyc', true],
      ['a*b*c', 'axxbyy', false],
      ['*', '', true],
      ['a.b', 'axb', false],
    ];
    for (const [glob, text, want] of cases) expect(globMatches(glob, text), `${glob} ~ ${text}`).toBe(want);
  });

  it(`refuses more than ${MAX_SCOPE_STARS} '*' in a scope, saying so`, () => {
    const scope = `${Array.from({ length: 12 }, () => 'a').join('*')}:*`;
    expect(scopeProblem(scope)).toBe(
      `the repository '${scope.slice(0, -2)}' has 11 '*'; a scope may have at most 10 (one '*' already matches any run of characters, '/' included)`,
    );
  });
});
