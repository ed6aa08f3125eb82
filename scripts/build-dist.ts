/**
 * `npm run build` when `dist/` is older than the sources it is built from: for what runs the built files
 * as `npm start` and `npx registry-webhooks` do (the test run's child processes, the benchmarks' hosts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** What `npm run build` compiles (tsconfig.build.json) and bundles (the portal's script). */
const SOURCES = ['functions', 'shared', 'local', 'cli', 'portal'] as const;
/** What `npm run build` writes that is run: the host, the CLI (tsc writes every file each build) and the portal's script. */
const BUILT = [join('dist', 'local', 'start.js'), join('dist', 'cli', 'main.js'), join('dist', 'portal', 'portal.js')];

/** Whether `tree`'s build is missing or older than a .ts file under its sources. */
function stale(tree: string): boolean {
  const built = BUILT.map((f) => join(tree, f));
  if (!built.every((f) => existsSync(f))) return true;
  const at = Math.min(...built.map((f) => statSync(f).mtimeMs));
  return SOURCES.some((dir) =>
    readdirSync(join(tree, dir), { recursive: true, encoding: 'utf8' }).some(
      (f) => f.endsWith('.ts') && statSync(join(tree, dir, f)).mtimeMs > at,
    ),
  );
}

/** Builds `tree` (a checkout with its node_modules) when its build is stale; says so on stderr. Returns whether it built. */
export function buildIfStale(tree: string): boolean {
  if (!stale(tree)) return false;
  process.stderr.write(`building ${tree} (npm run build): dist/ is missing or older than a source\n`);
  execFileSync('npm', ['run', 'build'], { cwd: tree, stdio: ['ignore', 'ignore', 'inherit'] });
  return true;
}
