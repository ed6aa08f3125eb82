import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { asArray, asObject, readJson, readText, readmeDeploySection, root } from './helpers.js';

/** The Node major infra/main.json deploys (functionAppConfig.runtime.version). */
function deployedNodeMajor(): number {
  const resources = asArray(asObject(readJson('infra/main.json'), 'main.json')['resources'], 'resources');
  const site = resources.map((r) => asObject(r, 'resource')).find((r) => r['type'] === 'Microsoft.Web/sites');
  const fac = asObject(asObject(site?.['properties'], 'site.properties')['functionAppConfig'], 'functionAppConfig');
  return Number(asObject(fac['runtime'], 'runtime')['version']);
}

/** The oldest Node major package.json's engines allow (`>=20`). */
function oldestSupportedNodeMajor(): number {
  const engines = asObject(asObject(readJson('package.json'), 'package.json')['engines'], 'engines');
  const match = /^>=\s*(\d+)$/.exec(String(engines['node']));
  if (!match) throw new Error(`package.json engines.node is not ">=N": ${String(engines['node'])}`);
  return Number(match[1]);
}

/** The lowest azd version azure.yaml accepts (`>= x.y.z`). */
function minimumAzd(): string {
  const required = asObject(asObject(parseYaml(readText('azure.yaml')), 'azure.yaml')['requiredVersions'], 'requiredVersions');
  const match = /^>=\s*(\d+\.\d+\.\d+)$/.exec(String(required['azd']));
  if (!match?.[1]) throw new Error(`azure.yaml requiredVersions.azd is not ">= x.y.z": ${String(required['azd'])}`);
  return match[1];
}

const run = promisify(execFile);
const shellScripts = readdirSync(join(root, 'scripts')).filter((f) => f.endsWith('.sh'));

describe('deploy scripts', () => {
  it('there is at least the ACR subscription script', () => {
    expect(shellScripts).toContain('subscribe-acr.sh');
  });

  it.each(shellScripts)('%s parses, is strict, and explains itself with --help', async (script) => {
    const path = join(root, 'scripts', script);
    expect(readText(`scripts/${script}`)).toMatch(/^set -euo pipefail$/m);
    await run('bash', ['-n', path]);
    const { stdout } = await run('bash', [path, '--help']);
    expect(stdout).toMatch(/^Usage: /);
  });

  it('subscribe-acr.sh subscribes the ingest URL to the four ACR event types, in the Event Grid schema', async () => {
    const key = 'ingest-key-0123456789abcdef';
    const { stdout } = await run('bash', [
      join(root, 'scripts', 'subscribe-acr.sh'),
      '--registry',
      'myregistry',
      '--app-url',
      'https://func-rw-abc.azurewebsites.net/api/',
      '--ingest-key',
      key,
      '--dry-run',
    ]);
    expect(stdout).toContain('az eventgrid event-subscription create');
    expect(stdout).toContain('--endpoint-type webhook');
    expect(stdout).toContain('https://func-rw-abc.azurewebsites.net/api/registries/myregistry/events\\?code=***');
    expect(stdout).not.toContain(key); // the key is masked in what it prints
    expect(stdout).toContain('--event-delivery-schema eventgridschema');
    for (const type of ['ImagePushed', 'ImageDeleted', 'ChartPushed', 'ChartDeleted']) {
      expect(stdout).toContain(`Microsoft.ContainerRegistry.${type}`);
    }
    expect(stdout).toContain('/providers/Microsoft.ContainerRegistry/registries/myregistry');
  });

  it('subscribe-acr.sh refuses to run without its required arguments', async () => {
    await expect(run('bash', [join(root, 'scripts', 'subscribe-acr.sh'), '--registry', 'myregistry'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('missing: --app-url --ingest-key'),
    });
  });
});

describe('README deploy section', () => {
  it('states the minimum azd and the Node version deployed', () => {
    const { text } = readmeDeploySection();
    expect(minimumAzd()).toBe('1.23.12');
    expect(text).toContain(`azd ${minimumAzd()} or later`);
    expect(deployedNodeMajor()).toBe(22);
    expect(text).toContain(`Node ${String(deployedNodeMajor())}`);
    // The "What gets created" row for the app names it too.
    const appRow = text.split('\n').find((l) => l.startsWith('| Function App'));
    expect(appRow).toContain(`Node ${String(deployedNodeMajor())},`);
  });

  it("the CNCF registry snippet is valid YAML, posts to the ingest route, and lists the key header's values", () => {
    const { yamlBlocks } = readmeDeploySection();
    const config = asObject(parseYaml(yamlBlocks[0] ?? ''), 'config.yml');
    const endpoint = asObject(asArray(asObject(config['notifications'], 'notifications')['endpoints'], 'endpoints')[0], 'endpoint');
    expect(String(endpoint['url'])).toMatch(/^https:\/\/<app>\.azurewebsites\.net\/api\/registries\/<registryname>\/events$/);
    // distribution's config reads header values as lists; a plain string fails to load.
    expect(asObject(endpoint['headers'], 'headers')['x-functions-key']).toEqual(['<ingest key>']);
  });
});

describe('.github/workflows/ci.yml', () => {
  const workflow = asObject(parseYaml(readText('.github/workflows/ci.yml')), 'ci.yml');
  const jobs = asObject(workflow['jobs'], 'jobs');

  it('runs .ci/run on push and pull request', () => {
    const on = asObject(workflow['on'], 'on');
    expect(on).toHaveProperty('pull_request');
    expect(asObject(on['push'], 'push')['tags']).toEqual(['v*']);
    const steps = asArray(asObject(jobs['test'], 'test')['steps'], 'steps').map((s) => asObject(s, 'step'));
    expect(steps.some((s) => typeof s['run'] === 'string' && s['run'].includes('.ci/run'))).toBe(true);
  });

  it('tests on the oldest Node that engines allow and on the Node that is deployed', () => {
    const test = asObject(jobs['test'], 'test');
    const strategy = asObject(test['strategy'], 'strategy');
    expect(strategy['fail-fast']).toBe(false);
    const versions = asArray(asObject(strategy['matrix'], 'matrix')['node'], 'matrix.node').map(Number);
    expect(oldestSupportedNodeMajor()).toBe(20);
    expect(versions).toEqual(expect.arrayContaining([oldestSupportedNodeMajor(), deployedNodeMajor()]));
    const setup = asArray(test['steps'], 'steps')
      .map((s) => asObject(s, 'step'))
      .find((s) => String(s['uses']).startsWith('actions/setup-node@'));
    expect(asObject(setup?.['with'], 'with')['node-version']).toBe('${{ matrix.node }}');
  });

  it('deploys with azd on a v* tag, after the tests, signed in with OIDC', () => {
    const deploy = asObject(jobs['deploy'], 'deploy');
    expect(deploy['if']).toBe("startsWith(github.ref, 'refs/tags/v')");
    expect(deploy['needs']).toBe('test');
    expect(asObject(deploy['permissions'], 'permissions')['id-token']).toBe('write');
    const env = asObject(deploy['env'], 'env');
    for (const name of ['AZURE_CLIENT_ID', 'AZURE_TENANT_ID', 'AZURE_SUBSCRIPTION_ID', 'AZURE_ENV_NAME', 'AZURE_LOCATION']) {
      expect(env[name]).toBe(`\${{ vars.${name} }}`);
    }
    const runs = asArray(deploy['steps'], 'steps')
      .map((s) => asObject(s, 'step')['run'])
      .filter((r): r is string => typeof r === 'string')
      .join('\n');
    expect(runs).toContain('--federated-credential-provider github');
    expect(runs).toContain('azd up --no-prompt');
    // azd up packages with the Node that runs on Azure.
    const setup = asArray(deploy['steps'], 'steps')
      .map((s) => asObject(s, 'step'))
      .find((s) => String(s['uses']).startsWith('actions/setup-node@'));
    expect(Number(asObject(setup?.['with'], 'with')['node-version'])).toBe(deployedNodeMajor());
  });
});
