/**
 * `npm run package`: the deployment package, exactly what the Functions host loads and nothing else.
 *
 *   .deploy/package/                 the staging folder (azd's `dist` for the `api` service)
 *   .deploy/registry-webhooks.zip    the same folder zipped, for `az functionapp deployment source config-zip`
 *
 * Contents: compiled `dist/functions` + `dist/shared` (no source maps: the sources are not shipped and the
 * host does not enable them), the page's bundled script `dist/portal/portal.js`, `host.json`, a
 * `package.json` without scripts or devDependencies (its `main` glob is what the host loads), and the
 * production dependency tree copied from this checkout's `node_modules` by the lockfile's own `dev` flags (less type declarations and source maps), so packaging
 * needs no network and ships exactly the versions that were tested. `local/` (the local host), `cli/`, tests, settings files and secrets stay out.
 * An empty `.funcignore` keeps azd from dropping that `node_modules` (see FUNCIGNORE).
 *
 * Usage: tsx scripts/package.ts [--out DIR] [--help]
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync, type Zippable } from 'fflate';
import { buildPortal, PORTAL_BUNDLE } from './build-portal.js';
import { productionPackagePaths } from './production-deps.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The built folders the host needs: registrations, the service they import and the page's script. */
const COMPILED_FOLDERS = ['functions', 'shared', 'portal'] as const;

/** The name of the zip inside the output folder. */
export const ZIP_NAME = 'registry-webhooks.zip';
/** The default output folder, relative to the project root. */
export const DEFAULT_OUT = '.deploy';
/** The staging folder under the default output: azure.yaml's `dist` for the `api` service. */
export const STAGING_FOLDER = `${DEFAULT_OUT}/package`;
/**
 * Written empty into the staging folder. Without an ignore file, azd before 1.23.12 left `node_modules` out
 * of a JS/TS function package even with `remoteBuild: false`, so the app started without its dependencies;
 * any `.funcignore` (an empty one excludes nothing) turns that default off. azure.yaml also requires 1.23.12.
 */
export const FUNCIGNORE = '.funcignore';

interface PackageJson {
  name: string;
  version: string;
  type?: string;
  main?: string;
  imports?: Record<string, string>;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
}

function usage(): string {
  return [
    'Usage: npm run package [-- --out DIR]',
    '',
    'Builds the Azure Functions deployment package:',
    '  DIR/package/               staging folder (what azd deploys)',
    `  DIR/${ZIP_NAME}  the same, zipped (az functionapp deployment source config-zip)`,
    'DIR defaults to .deploy in the project root.',
  ].join('\n');
}

function parseArgs(argv: readonly string[]): { out: string } | 'help' {
  let out = join(root, DEFAULT_OUT);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--out' && argv[i + 1]) out = resolve(argv[++i] ?? '');
    else throw new Error(`unknown argument: ${arg ?? ''}\n\n${usage()}`);
  }
  return { out };
}

/** Compiles with the project's build config into a clean folder, without source maps; bundles the page's script there too. */
function compile(buildDir: string): void {
  rmSync(buildDir, { recursive: true, force: true });
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', buildDir, '--sourceMap', 'false'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error(`tsc failed (exit ${String(result.status)})`);
  buildPortal(join(buildDir, relative('dist', PORTAL_BUNDLE)));
}

/**
 * package.json as the host needs it: the `main` glob, ESM, `imports` (where the page's script is), engines
 * and runtime dependencies only.
 */
function deployedPackageJson(source: PackageJson): PackageJson {
  const { name, version, type, main, imports, engines, dependencies } = source;
  if (!main) throw new Error('package.json has no "main": the Functions host finds the functions through it');
  return {
    name,
    version,
    ...(type ? { type } : {}),
    main,
    ...(imports ? { imports } : {}),
    ...(engines ? { engines } : {}),
    dependencies: dependencies ?? {},
  };
}

/**
 * Files of installed packages that nothing loads at run time: type declarations and source maps (more
 * than half the files of the production tree). Leaving them out halves the package and its upload.
 */
const NOT_AT_RUNTIME = /\.(d\.ts|d\.mts|d\.cts|map|tsbuildinfo)$/;

/** Copies one installed package without its nested node_modules (those are lockfile entries of their own). */
function copyPackage(from: string, to: string): void {
  cpSync(from, to, {
    recursive: true,
    dereference: true,
    filter: (src) => {
      const rel = relative(from, src);
      return rel !== 'node_modules' && !rel.startsWith(`node_modules${sep}`) && !NOT_AT_RUNTIME.test(rel);
    },
  });
}

/** Builds the staging folder; returns its path. */
export function stage(out: string): string {
  const staging = join(out, 'package');
  const buildDir = join(out, 'build');
  compile(buildDir);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });

  for (const folder of COMPILED_FOLDERS) {
    cpSync(join(buildDir, folder), join(staging, 'dist', folder), { recursive: true });
  }
  cpSync(join(root, 'host.json'), join(staging, 'host.json'));
  writeFileSync(join(staging, FUNCIGNORE), '');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
  writeFileSync(join(staging, 'package.json'), `${JSON.stringify(deployedPackageJson(pkg), null, 2)}\n`);

  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as unknown;
  for (const { path, optional } of productionPackagePaths(lock)) {
    const from = join(root, path);
    if (!existsSync(from)) {
      if (optional) continue; // an optional dependency for another platform
      throw new Error(`${path} is a production dependency but is not installed: run npm ci first`);
    }
    copyPackage(from, join(staging, path));
  }
  rmSync(buildDir, { recursive: true, force: true });
  return staging;
}

/** Every file under `dir`, as sorted forward-slash paths relative to it. */
function listFiles(dir: string, prefix = ''): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    const abs = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...listFiles(abs, rel));
    else if (entry.isFile() || statSync(abs).isFile()) files.push(rel);
  }
  return files.sort();
}

/** Zips the staging folder. Entries are sorted and dated 1980-01-01, so equal inputs give equal zips. */
export function zipFolder(staging: string, zipPath: string): { files: number; bytes: number } {
  const entries: Zippable = {};
  const mtime = new Date(1980, 0, 1);
  const files = listFiles(staging);
  for (const rel of files) entries[rel] = [readFileSync(join(staging, rel)), { mtime }];
  const zip = zipSync(entries, { level: 6 });
  writeFileSync(zipPath, zip);
  return { files: files.length, bytes: zip.byteLength };
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  if (args === 'help') {
    console.log(usage());
    return;
  }
  const started = Date.now();
  mkdirSync(args.out, { recursive: true });
  const staging = stage(args.out);
  const zipPath = join(args.out, ZIP_NAME);
  const { files, bytes } = zipFolder(staging, zipPath);
  const mib = (bytes / 1_048_576).toFixed(1);
  console.log(
    `packaged ${String(files)} files into ${relative(process.cwd(), zipPath)} (${mib} MiB) in ${String(Date.now() - started)} ms`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  }
}
