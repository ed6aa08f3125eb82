import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type * as AzureFunctions from '@azure/functions';
import type * as PortalPage from '../../shared/portal/portal-page.js';
import { QUEUE_CONNECTION } from '../../shared/constants.js';
import { DEFAULT_OUT, FUNCIGNORE, STAGING_FOLDER, ZIP_NAME } from '../../scripts/package.js';
import { devOnlyPackageNames } from '../../scripts/production-deps.js';
import { asObject, needsAzure, readJson, readText, readmeDeploySection, root } from './helpers.js';

/*
 * The deployment package, proven the way the Functions host would use it: the README's deploy steps are
 * run up to the first one that needs an Azure account (they build the zip), the zip is unpacked into a
 * fresh folder with nothing installed, and every module `package.json` `main` names is imported there with
 * the `@azure/functions` that the package itself ships. What registers must be what the source declares.
 */
const run = promisify(execFile);
let unpacked = '';
let files: string[] = [];
const ran: string[] = [];

beforeAll(async () => {
  const { commands } = readmeDeploySection();
  const firstAzure = commands.findIndex(needsAzure);
  expect(firstAzure, 'the README deploy steps reach an azd/az command').toBeGreaterThan(0);
  for (const command of commands.slice(0, firstAzure)) {
    if (command === 'npm ci') {
      // .ci/run runs exactly this before `npm test`; running it here would replace node_modules under the
      // test files running beside this one.
      expect(readText('.ci/run')).toMatch(/^npm ci\b/m);
      continue;
    }
    await run('bash', ['-c', command], { cwd: root, timeout: 240_000 });
    ran.push(command);
  }
  const entries = unzipSync(readFileSync(join(root, DEFAULT_OUT, ZIP_NAME)));
  unpacked = mkdtempSync(join(tmpdir(), 'registry-webhooks-package-'));
  for (const [name, data] of Object.entries(entries)) {
    if (name.endsWith('/')) continue;
    mkdirSync(dirname(join(unpacked, name)), { recursive: true });
    writeFileSync(join(unpacked, name), data);
  }
  files = Object.keys(entries).filter((n) => !n.endsWith('/'));
}, 270_000);

afterAll(() => {
  if (unpacked) rmSync(unpacked, { recursive: true, force: true });
});

/** What the source tree registers: its declarations, read the way the local host reads them. */
async function sourceRegistrations(): Promise<{
  http: Record<string, unknown>;
  queue: Record<string, unknown>;
  timer: Record<string, unknown>;
}> {
  const registry = await import('../../shared/runtime/registry.js');
  registry.setRecordOnly(true);
  const dir = join(root, 'functions');
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.ts'))) await import(pathToFileURL(join(dir, f)).href);
  registry.setRecordOnly(false);
  const http: Record<string, unknown> = {};
  const queue: Record<string, unknown> = {};
  const timer: Record<string, unknown> = {};
  for (const d of registry.registeredDeclarations()) {
    if (d.kind === 'http') {
      for (const r of d.routes) http[r.name] = { route: r.route, methods: [...d.methods], authLevel: 'anonymous' };
    } else if (d.kind === 'timer') {
      timer[d.name] = { schedule: d.schedule };
    } else {
      queue[d.name] = { queueName: d.queueName, connection: QUEUE_CONNECTION };
    }
  }
  return { http, queue, timer };
}

/** The files `package.json` `main` (a glob such as dist/functions/*.js) names, as the host resolves it. */
function mainModules(dir: string, main: string): string[] {
  const folder = dirname(main);
  const pattern = new RegExp(
    `^${main
      .slice(folder.length + 1)
      .replace(/\./g, '\\.')
      .replace(/\*/g, '[^/]*')}$`,
  );
  return readdirSync(join(dir, folder))
    .filter((f) => pattern.test(f))
    .map((f) => join(dir, folder, f));
}

describe('the deployment package', () => {
  it('is built by the README deploy steps that need no Azure account', () => {
    expect(ran).toContain('npm run package');
  });

  it('holds the compiled functions and shared code, the page script, host.json, package.json, node_modules and .funcignore, and nothing else', () => {
    const top = [...new Set(files.map((f) => f.split('/')[0]))].sort();
    expect(top).toEqual(['.funcignore', 'dist', 'host.json', 'node_modules', 'package.json']);
    const own = files.filter((f) => !f.startsWith('node_modules/'));
    expect([...new Set(own.filter((f) => f.startsWith('dist/')).map((f) => f.split('/')[1]))].sort()).toEqual([
      'functions',
      'portal',
      'shared',
    ]);
    expect(own.filter((f) => f.startsWith('dist/portal/'))).toEqual(['dist/portal/portal.js']);
    // Compiled JavaScript only: no sources, no source maps, no tests.
    expect(own.filter((f) => f.startsWith('dist/') && !f.endsWith('.js'))).toEqual([]);
    expect(files.filter((f) => /\.(map|d\.ts)$/.test(f))).toEqual([]);
    expect(own.filter((f) => /(^|\/)(test|tests|__tests__|local|cli|bench)\//.test(f) || /\.test\.js$/.test(f))).toEqual([]);
    // One compiled module per registration file.
    const sources = readdirSync(join(root, 'functions')).filter((f) => f.endsWith('.ts'));
    expect(own.filter((f) => f.startsWith('dist/functions/')).sort()).toEqual(
      sources.map((f) => `dist/functions/${f.replace(/\.ts$/, '.js')}`).sort(),
    );
    expect(readFileSync(join(unpacked, 'host.json'), 'utf8')).toBe(readText('host.json'));
  });

  it('carries an empty .funcignore beside node_modules, so no azd version leaves the dependencies out', () => {
    // azd zips the staging folder (azure.yaml's dist); before 1.23.12 it dropped node_modules from it unless
    // the folder has a .funcignore. An empty one excludes nothing.
    for (const dir of [join(root, STAGING_FOLDER), unpacked]) {
      expect(readFileSync(join(dir, FUNCIGNORE), 'utf8'), dir).toBe('');
      expect(readdirSync(join(dir, 'node_modules')).length, dir).toBeGreaterThan(0);
      expect(readFileSync(join(dir, 'node_modules', '@azure', 'functions', 'package.json'), 'utf8'), dir).toContain('"name"');
    }
  });

  it('ships a package.json the host can use: the same main glob, ESM, no scripts or devDependencies', () => {
    const deployed = asObject(JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8')), 'deployed package.json');
    const source = asObject(readJson('package.json'), 'package.json');
    expect(deployed['main']).toBe(source['main']);
    expect(deployed['imports']).toEqual(source['imports']);
    expect(deployed['type']).toBe('module');
    expect(deployed['dependencies']).toEqual(source['dependencies']);
    expect(deployed).not.toHaveProperty('devDependencies');
    expect(deployed).not.toHaveProperty('scripts');
    for (const name of Object.keys(asObject(source['dependencies'], 'dependencies'))) {
      expect(files, name).toContain(`node_modules/${name}/package.json`);
    }
  });

  it('has no development dependencies', () => {
    const lock = readJson('package-lock.json');
    const installed = new Set(files.filter((f) => /^node_modules\/(@[^/]+\/)?[^/]+\/package\.json$/.test(f)).map((f) => f.slice(13, -13)));
    const devOnly = devOnlyPackageNames(lock);
    expect(devOnly.length).toBeGreaterThan(0);
    expect(devOnly.filter((name) => installed.has(name))).toEqual([]);
    // Every devDependency stays out, unless production code needs it too (the lockfile then drops `dev`).
    const devDependencies = Object.keys(asObject(asObject(readJson('package.json'), 'package.json')['devDependencies'], 'devDependencies'));
    for (const name of devDependencies.filter((n) => devOnly.includes(n))) expect(installed.has(name), name).toBe(false);
    // (`yaml` is not among them: the Azure Monitor OpenTelemetry distro's configuration package needs it.)
    for (const name of ['vitest', 'typescript', 'azurite', 'eslint', 'tsx', 'prettier', 'fflate'])
      expect(installed.has(name), name).toBe(false);
  });

  it('carries no settings files or secrets', () => {
    expect(
      files.filter((f) => /(^|\/)(local\.settings(\.sample)?\.json|\.env(\..*)?|\.npmrc)$/.test(f) && !f.startsWith('node_modules/')),
    ).toEqual([]);
    expect(files.filter((f) => /(^|\/)local\.settings\.json$/.test(f))).toEqual([]);
    const sample = asObject(asObject(readJson('local.settings.sample.json'), 'sample')['Values'], 'Values');
    const secrets = [
      String(sample['MANAGEMENT_KEYS']),
      String(sample['INGEST_KEYS']),
      'test-management-key',
      'test-ingest-key',
      'AccountKey=',
    ];
    for (const f of files.filter((f) => !f.startsWith('node_modules/'))) {
      const text = readFileSync(join(unpacked, f), 'utf8');
      for (const secret of secrets) expect(text.includes(secret), `${f} contains ${secret}`).toBe(false);
    }
  });

  it('serves the portal page with the bundled script inline, allowed by its hash', async () => {
    const pageModule = join(unpacked, 'dist', 'shared', 'portal', 'portal-page.js');
    const { renderPortalPage } = (await import(pathToFileURL(pageModule).href)) as typeof PortalPage;
    const page = renderPortalPage();
    const script = readFileSync(join(unpacked, 'dist', 'portal', 'portal.js'), 'utf8').trimEnd();
    expect(script.length).toBeGreaterThan(1000);
    expect(page.html).toContain(`<script>${script}</script>`);
    const hash = createHash('sha256').update(script, 'utf8').digest('base64');
    expect(page.contentSecurityPolicy).toContain(`script-src 'sha256-${hash}'`);
  });

  it('registers every function the source declares, with the same routes, methods, auth and queues', async () => {
    const expected = await sourceRegistrations();
    expect(Object.keys(expected.http).length).toBeGreaterThan(0);

    // The spies go on the @azure/functions the unpacked code imports: the one inside the package.
    const requireFromPackage = createRequire(join(unpacked, 'package.json'));
    expect(requireFromPackage.resolve('@azure/functions').startsWith(unpacked)).toBe(true);
    const { app } = requireFromPackage('@azure/functions') as typeof AzureFunctions;
    const http = vi.spyOn(app, 'http').mockImplementation(() => undefined);
    const queue = vi.spyOn(app, 'storageQueue').mockImplementation(() => undefined);
    const timer = vi.spyOn(app, 'timer').mockImplementation(() => undefined);

    const main = String(asObject(JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8')), 'package.json')['main']);
    const modules = mainModules(unpacked, main);
    expect(modules.length).toBe(readdirSync(join(root, 'functions')).filter((f) => f.endsWith('.ts')).length);
    for (const file of modules) await import(pathToFileURL(file).href);

    const registeredHttp = Object.fromEntries(
      http.mock.calls.map(([name, o]) => [name, { route: o.route, methods: o.methods, authLevel: o.authLevel }]),
    );
    const registeredQueue = Object.fromEntries(
      queue.mock.calls.map(([name, o]) => [name, { queueName: o.queueName, connection: o.connection }]),
    );
    expect(registeredHttp).toEqual(expected.http);
    expect(registeredQueue).toEqual(expected.queue);
    expect(Object.fromEntries(timer.mock.calls.map(([name, o]) => [name, { schedule: o.schedule }]))).toEqual(expected.timer);
    for (const [, o] of [...http.mock.calls, ...queue.mock.calls, ...timer.mock.calls]) expect(typeof o.handler).toBe('function');
    const names = [...http.mock.calls, ...queue.mock.calls, ...timer.mock.calls].map(([n]) => n);
    expect(new Set(names).size).toBe(names.length);
  });
});
