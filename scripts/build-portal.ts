/**
 * Bundles the portal page's script (`portal/main.ts` and what it imports) into one classic script, the
 * text the service inlines into the page and hashes for its CSP. `npm run build`, `npm run package` and the
 * test run all build it with these options; package.json `imports` (`#portal-script`) says where it lands.
 *
 * Usage: tsx scripts/build-portal.ts [--outfile FILE]
 */
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where `npm run build` writes the bundle, relative to the project root (and to the deployed package). */
export const PORTAL_BUNDLE = 'dist/portal/portal.js';

/** Writes the bundle to `outfile` and returns its size in bytes. */
export function buildPortal(outfile = join(root, PORTAL_BUNDLE)): number {
  const result = buildSync({
    entryPoints: [join(root, 'portal', 'main.ts')],
    tsconfig: join(root, 'portal', 'tsconfig.json'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    // Inline in an HTML page: no `</script` in string literals, and no comments that could hold one.
    legalComments: 'none',
    outfile,
    metafile: true,
    logLevel: 'warning',
  });
  return Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--outfile');
  const outfile = at >= 0 && args[at + 1] ? resolve(args[at + 1] ?? '') : join(root, PORTAL_BUNDLE);
  try {
    const bytes = buildPortal(outfile);
    console.log(`bundled portal/main.ts into ${relative(process.cwd(), outfile)} (${String(bytes)} bytes)`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  }
}
