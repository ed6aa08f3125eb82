import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenCredential } from '@azure/core-auth';
import { MANAGEMENT_KEY, startService, type TestService } from '../helpers/service.js';
import { startEntraIssuer, TEST_AUDIENCE, type EntraIssuer } from '../helpers/entra-issuer.js';
import { cliFor, type CliRun } from '../helpers/run-cli.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { runProgram } from '../../cli/run-program.js';

/*
 * The access commands against the real service, as a person runs them: the administrator (the
 * management key, the README's `registry-webhooks` commands) assigns roles and reads a registry's
 * ingest keys; a principal then signs in with `--auth entra` (a credential minting the loopback
 * issuer's tokens stands in for DefaultAzureCredential) and can do exactly what its role grants.
 */

const SUB = '7a2b3c4d-0000-4000-8000-0000000000c1';
const RG = 'cli-rg';
const scopeOf = (registry: string) =>
  `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ContainerRegistry/registries/${registry}`;

let svc: TestService;
let issuer: EntraIssuer;
let rx: Receiver;
let admin: ReturnType<typeof cliFor>;

beforeAll(async () => {
  issuer = await startEntraIssuer();
  rx = await startReceiver();
  svc = await startService({
    ENTRA_TENANTS: issuer.tenant,
    ENTRA_AUDIENCES: TEST_AUDIENCE,
    ENTRA_AUTHORITY: issuer.authority,
    DEFAULT_SUBSCRIPTION_ID: SUB,
    DEFAULT_RESOURCE_GROUP: RG,
  });
  admin = cliFor(svc.url, MANAGEMENT_KEY);
});

afterAll(async () => {
  await svc?.close();
  await rx?.close();
  await issuer?.close();
});

/** The CLI in process, signed in as `oid` with `--auth entra`. */
async function asPrincipal(oid: string, args: readonly string[]): Promise<CliRun & { scopes: string[] }> {
  let stdout = '';
  let stderr = '';
  const scopes: string[] = [];
  const credential: TokenCredential = {
    getToken: async (scope) => {
      scopes.push(...(Array.isArray(scope) ? scope : [scope]));
      return { token: await issuer.token(oid), expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
  const io = {
    out: (t: string) => void (stdout += t),
    err: (t: string) => void (stderr += t),
    credential: () => Promise.resolve(credential),
  };
  const code = await runProgram(
    io,
    ['node', 'registry-webhooks', ...args, '--endpoint', svc.url, '--auth', 'entra', '--scope-uri', `${TEST_AUDIENCE}/.default`],
    '0.0.0-test',
  );
  return { code, stdout, stderr, scopes };
}

describe('registry-webhooks role assignment and registry ingest-keys, end to end', () => {
  it('the administrator assigns Contributor on one registry; the principal manages that registry and is refused on another', async () => {
    const oid = randomUUID();
    // Both registries exist (homed at SUB/RG by their first webhook).
    for (const r of ['cliregone1', 'cliregtwo1']) {
      const made = await admin('webhook', 'create', '-n', 'firsthook1', '-r', r, '--uri', `${rx.url}/${r}`, '--actions', 'push');
      expect(made.code, made.stderr).toBe(0);
    }
    const created = await admin(
      'role',
      'assignment',
      'create',
      '--assignee-object-id',
      oid,
      '--role',
      'Contributor',
      '--scope',
      scopeOf('cliregone1'),
      '-o',
      'json',
    );
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ principalId: oid, roleDefinitionName: 'Contributor', scope: scopeOf('cliregone1') });
    const listed = await admin('role', 'assignment', 'list', '--scope', scopeOf('cliregone1'), '-o', 'table');
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`${oid}\\s+Contributor\\s+${scopeOf('cliregone1')}`));

    const mine = await asPrincipal(oid, [
      'webhook',
      'create',
      '-n',
      'entrahook1',
      '-r',
      'cliregone1',
      '--uri',
      `${rx.url}/entra`,
      '--actions',
      'push',
    ]);
    expect(mine.code, mine.stderr).toBe(0);
    expect(mine.scopes).toEqual([`${TEST_AUDIENCE}/.default`]);
    const shown = await asPrincipal(oid, ['webhook', 'list', '-r', 'cliregone1', '-o', 'json']);
    expect((JSON.parse(shown.stdout) as { name: string }[]).map((w) => w.name).sort()).toEqual(['entrahook1', 'firsthook1']);
    const other = await asPrincipal(oid, ['webhook', 'list', '-r', 'cliregtwo1']);
    expect(other.code).toBe(1);
    expect(other.stderr).toBe(
      `ERROR: (AuthorizationFailed) The client with object id '${oid}' does not have authorization to perform action 'Microsoft.ContainerRegistry/registries/webhooks/read' over scope '${scopeOf('cliregtwo1')}' or the scope is invalid. If access was recently granted, refresh your credentials.\n`,
    );

    const removed = await admin(
      'role',
      'assignment',
      'delete',
      '--scope',
      scopeOf('cliregone1'),
      '--assignee',
      oid,
      '--role',
      'Contributor',
    );
    expect(removed.code, removed.stderr).toBe(0);
    const after = await asPrincipal(oid, ['webhook', 'list', '-r', 'cliregone1']);
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('(AuthorizationFailed)');
  });

  it("ingest-keys list shows the registry's keys; the key sends events for that registry only; regenerate retires it", async () => {
    const keys = await admin('registry', 'ingest-keys', 'list', '-r', 'cliregone1', '-o', 'json');
    expect(keys.code, keys.stderr).toBe(0);
    const [primary] = (JSON.parse(keys.stdout) as { keys: { name: string; value: string }[] }).keys.map((k) => k.value);
    const send = (registry: string, key: string) =>
      admin('event', 'send', '-r', registry, '--ingest-key', key, '--repository', 'app', '--tag', 'v1');
    const ok = await send('cliregone1', primary!);
    expect(ok.code, ok.stderr).toBe(0);
    const refused = await send('cliregtwo1', primary!);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('ERROR: (AuthenticationFailed) The ingest key is not valid.\n');
    const renewed = await admin('registry', 'ingest-keys', 'regenerate', '-r', 'cliregone1', '--name', 'primary', '-o', 'json');
    expect(renewed.code, renewed.stderr).toBe(0);
    expect(renewed.stdout).not.toContain(primary!);
    expect((await send('cliregone1', primary!)).code).toBe(1);
  });
});
