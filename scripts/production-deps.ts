import { z } from 'zod';

// npm's lockfile v2/v3: every installed package under `packages`, keyed by its path. npm marks a package
// `dev: true` when only devDependencies need it; `devOptional` ones are needed by an optional production
// dependency, `optional` ones may be missing on this platform.
// https://docs.npmjs.com/cli/configuring-npm/package-lock-json#packages
const lockSchema = z.object({
  lockfileVersion: z.number().int().min(2),
  packages: z.record(
    z.string(),
    z.object({
      dev: z.boolean().optional(),
      optional: z.boolean().optional(),
      link: z.boolean().optional(),
    }),
  ),
});

/**
 * The `node_modules/...` paths the production build needs, read from package-lock.json: every installed
 * package that is not dev-only and not a workspace link. Optional packages are left to the caller to
 * skip when they are not installed.
 */
export function productionPackagePaths(lockfile: unknown): { path: string; optional: boolean }[] {
  const lock = lockSchema.parse(lockfile);
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith('node_modules/') && !entry.dev && !entry.link)
    .map(([path, entry]) => ({ path, optional: entry.optional === true }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** The names of packages the lockfile marks dev-only, at the top level of node_modules. */
export function devOnlyPackageNames(lockfile: unknown): string[] {
  const lock = lockSchema.parse(lockfile);
  return Object.entries(lock.packages)
    .filter(([path, entry]) => entry.dev === true && /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path))
    .map(([path]) => path.slice('node_modules/'.length))
    .sort();
}
