import { describe, expect, it } from 'vitest';
import { compileRoute } from '../../local/route-template.js';

describe('compileRoute (the local host’s Functions route templates)', () => {
  it('captures parameters and matches literals case-insensitively', () => {
    const r = compileRoute('registries/{registryName}/webhooks/{webhookName}');
    expect(r.match('/Registries/abc/WEBHOOKS/h%20x')).toEqual({ registryName: 'abc', webhookName: 'h x' });
    expect(r.match('/registries/abc/webhooks')).toBeUndefined();
    expect(r.match('/registries/abc/webhooks/h/extra')).toBeUndefined();
  });
  it('supports optional and catch-all parameters', () => {
    expect(compileRoute('a/{b?}').match('/a')).toEqual({});
    expect(compileRoute('a/{b?}').match('/a/x')).toEqual({ b: 'x' });
    expect(compileRoute('files/{*path}').match('/files/x/y/z')).toEqual({ path: 'x/y/z' });
  });
  it('refuses constraints instead of silently ignoring them', () => {
    expect(() => compileRoute('a/{id:int}')).toThrow(/unsupported route segment/);
  });
  it('ranks literal segments above parameters', () => {
    expect(compileRoute('a/b').precedence).toBeGreaterThan(compileRoute('a/{x}').precedence);
    expect(compileRoute('a/{x}').precedence).toBeGreaterThan(compileRoute('a/{*x}').precedence);
  });
  it('does not match malformed escapes', () => {
    expect(compileRoute('a/{b}').match('/a/%E0%A4%A')).toBeUndefined();
  });
});
