import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { asArray, asObject, readText, readmeDeploySection, root } from './helpers.js';

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
  });
});
