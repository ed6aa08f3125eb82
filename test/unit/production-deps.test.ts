import { describe, expect, it } from 'vitest';
import { devOnlyPackageNames, productionPackagePaths } from '../../scripts/production-deps.js';

const lock = {
  lockfileVersion: 3,
  packages: {
    '': { name: 'app' },
    'node_modules/zod': {},
    'node_modules/@azure/functions': {},
    'node_modules/@azure/functions/node_modules/undici': {},
    'node_modules/vitest': { dev: true },
    'node_modules/vitest/node_modules/chai': { dev: true },
    'node_modules/fsevents': { optional: true },
    'node_modules/local-thing': { link: true },
  },
};

describe('production dependencies from package-lock.json', () => {
  it('keeps every installed package that is not dev-only or a link, nested ones included', () => {
    expect(productionPackagePaths(lock)).toEqual([
      { path: 'node_modules/@azure/functions', optional: false },
      { path: 'node_modules/@azure/functions/node_modules/undici', optional: false },
      { path: 'node_modules/fsevents', optional: true },
      { path: 'node_modules/zod', optional: false },
    ]);
  });

  it('names the top-level dev-only packages', () => {
    expect(devOnlyPackageNames(lock)).toEqual(['vitest']);
  });

  it('refuses a lockfile v1, which has no packages map', () => {
    expect(() => productionPackagePaths({ lockfileVersion: 1, dependencies: {} })).toThrow();
  });
});
