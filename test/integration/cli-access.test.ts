import { describe, expect, it, type TestContext } from 'vitest';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { runCli, type CliRun } from '../helpers/run-cli.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { runProgram } from '../../cli/run-program.js';
import { ROLE } from '../helpers/roles.js';

/*
 * The CLI's access commands (issue 19, item 6): `role assignment create | list | delete`, `registry
 * ingest-keys list | regenerate` and `--auth entra`. The service here is a loopback HTTP server answering
 * canned ARM-shaped JSON and recording each request, so these tests pin what the CLI sends and prints on
 * their own; the end-to-end tests against the real routes live with the server.
 *
 * Key-auth runs are the real binary with only the environment given (run-cli.ts). `--auth entra` runs are
 * in process (runProgram), with a TokenCredential the test controls in place of DefaultAzureCredential;
 * they pass every option on the command line, so nothing from the developer's shell is read.
 */

const SUB = 'a3c1e5f7-1111-4222-8333-944455556666';
const SUB_SCOPE = `/subscriptions/${SUB}`;
const RG_SCOPE = `${SUB_SCOPE}/resourceGroups/myrg`;
const REG_SCOPE = `${RG_SCOPE}/providers/Microsoft.ContainerRegistry/registries/myregistry`;
const ALICE = '6a1c1f0e-58f1-4a43-9e55-0b1f9c1d2e3f';
const BOB = '0c2d4e6f-8a9b-4c1d-9e2f-3a4b5c6d7e8f';
const SENDER_SP = '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a';
const KEY = 'management-key-management-key-0001';
const TOKEN_SCOPE = 'api://registry-webhooks/.default';
const CREATED = '2026-03-01T10:00:00.000Z';

const roleDefinitionId = (guid: string) => `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
const assignmentsPath = (scope: string, rest = '') => `/api${scope}/providers/Microsoft.Authorization/roleAssignments${rest}`;

/** A role assignment as ARM answers it (Microsoft.Authorization 2022-04-01). */
function assignment(name: string, scope: string, role: string, principalId: string, principalType = 'User') {
  return {
    id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
    name,
    type: 'Microsoft.Authorization/roleAssignments',
    properties: { scope, roleDefinitionId: roleDefinitionId(role), principalId, principalType, createdOn: CREATED, updatedOn: CREATED },
  };
}

/** What `-o json` prints for one: flattened as az does, with `roleDefinitionName` and `resourceGroup`, keys sorted. */
function printed(a: ReturnType<typeof assignment>, roleDefinitionName: string) {
  const resourceGroup = /\/resourceGroups\/([^/]+)\//.exec(a.id)?.[1];
  return {
    createdOn: CREATED,
    id: a.id,
    name: a.name,
    principalId: a.properties.principalId,
    principalType: a.properties.principalType,
    ...(resourceGroup === undefined ? {} : { resourceGroup }),
    roleDefinitionId: a.properties.roleDefinitionId,
    roleDefinitionName,
    scope: a.properties.scope,
    type: 'Microsoft.Authorization/roleAssignments',
    updatedOn: CREATED,
  };
}
const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
const table = (...lines: string[]) => [...lines, ''].join('\n');

const A1 = assignment('11111111-aaaa-4bbb-8ccc-000000000001', REG_SCOPE, ROLE.Contributor, ALICE);
const A2 = assignment('11111111-aaaa-4bbb-8ccc-000000000002', RG_SCOPE, ROLE.Reader, BOB, 'Group');
const A3 = assignment('11111111-aaaa-4bbb-8ccc-000000000003', SUB_SCOPE, ROLE.EventSender, SENDER_SP, 'ServicePrincipal');

/** An answer of the canned service: a status and a JSON body (none when `json` is undefined). */
type Answer = { readonly status: number; readonly json?: unknown };
interface CannedService extends Receiver {
  /** The base URL the CLI is given, with the route prefix. */
  readonly endpoint: string;
  /** Queues more answers (for those that name the service's own URL, as a nextLink does). */
  reply(...answers: Answer[]): void;
}

/** A canned service: answers in the order given, then 500; every request recorded. */
async function service(ctx: TestContext, ...answers: Answer[]): Promise<CannedService> {
  const receiver = await startReceiver();
  ctx.onTestFinished(() => receiver.close());
  receiver.answer = { status: 500, body: 'no answer scripted for this request' };
  const reply = (...more: Answer[]) => {
    for (const a of more) {
      receiver.script.push({
        status: a.status,
        headers: { 'content-type': 'application/json' },
        ...(a.json === undefined ? {} : { body: JSON.stringify(a.json) }),
      });
    }
  };
  reply(...answers);
  return Object.assign(receiver, { endpoint: `${receiver.url}/api`, reply });
}

/** Each request as the CLI sent it: method, path with query, authentication, content type and JSON body. */
function sent(receiver: Receiver) {
  return receiver.requests.map((r) => ({
    method: r.method,
    path: r.path,
    key: r.headers['x-functions-key'],
    authorization: r.headers.authorization,
    contentType: r.headers['content-type'],
    body: r.body === '' ? undefined : (JSON.parse(r.body) as unknown),
  }));
}
const GET = (path: string) => ({ method: 'GET', path, key: KEY, authorization: undefined, contentType: undefined, body: undefined });
const DELETE = (path: string) => ({ ...GET(path), method: 'DELETE' });
const withBody = (method: string, path: string, body?: unknown) => ({
  ...GET(path),
  method,
  contentType: body === undefined ? undefined : 'application/json',
  body,
});

/** The real binary, key auth, against the canned service. */
const cli = (endpoint: string, ...args: string[]) => runCli(args, { REGISTRY_WEBHOOKS_ENDPOINT: endpoint, REGISTRY_WEBHOOKS_KEY: KEY });

describe.concurrent('role assignment create', () => {
  it("PUTs ARM's body at the scope, the role name (any case) mapped to its GUID, and prints the assignment as az does", async (ctx) => {
    const svc = await service(ctx, { status: 201, json: A1 });
    const run = await cli(
      svc.endpoint, 'role', 'assignment', 'create', '--assignee-object-id', ALICE.toUpperCase(), '--role', 'contributor',
      '--scope', REG_SCOPE, '--assignee-principal-type', 'User', '--name', A1.name,
    ); // prettier-ignore
    expect(sent(svc)).toEqual([
      withBody('PUT', assignmentsPath(REG_SCOPE, `/${A1.name}?api-version=2022-04-01`), {
        properties: { roleDefinitionId: roleDefinitionId(ROLE.Contributor), principalId: ALICE, principalType: 'User' },
      }),
    ]);
    expect(run).toEqual({
      code: 0,
      stderr: '',
      stdout: json({
        createdOn: CREATED,
        id: `${REG_SCOPE}/providers/Microsoft.Authorization/roleAssignments/${A1.name}`,
        name: A1.name,
        principalId: ALICE,
        principalType: 'User',
        resourceGroup: 'myrg',
        roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${ROLE.Contributor}`,
        roleDefinitionName: 'Contributor',
        scope: REG_SCOPE,
        type: 'Microsoft.Authorization/roleAssignments',
        updatedOn: CREATED,
      }),
    });
  });

  it('names the assignment with a new GUID when --name is not given, and sends no principalType unless given', async (ctx) => {
    const svc = await service(ctx, { status: 201, json: A3 });
    const run = await cli(
      svc.endpoint, 'role', 'assignment', 'create', '--assignee-object-id', SENDER_SP, '--role', 'Registry Webhooks Event Sender',
      '--scope', `${SUB_SCOPE}/`, '-o', 'table',
    ); // prettier-ignore
    const [put] = sent(svc);
    expect(put).toEqual({
      ...withBody('PUT', '', { properties: { roleDefinitionId: roleDefinitionId(ROLE.EventSender), principalId: SENDER_SP } }),
      path: expect.stringMatching(/\?api-version=2022-04-01$/),
    });
    const name = new RegExp(`^${assignmentsPath(SUB_SCOPE)}/([0-9a-f-]{36})\\?`).exec(put?.path ?? '')?.[1];
    expect(name).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(run).toEqual({
      code: 0,
      stderr: '',
      stdout: table(
        'Principal                             Role                            Scope',
        `------------------------------------  ------------------------------  ${'-'.repeat(SUB_SCOPE.length)}`,
        `${SENDER_SP}  Registry Webhooks Event Sender  ${SUB_SCOPE}`,
      ),
    });
  });

  it('takes a role definition id or a GUID; a GUID the CLI does not know goes through and is shown as is', async (ctx) => {
    const unknown = '4c1d9e2f-0000-4000-8000-00000000beef';
    const svc = await service(
      ctx,
      { status: 201, json: assignment(A2.name, RG_SCOPE, ROLE.Reader, BOB, 'Group') },
      { status: 201, json: assignment(A2.name, RG_SCOPE, unknown, BOB, 'Group') },
    );
    const common = ['role', 'assignment', 'create', '--assignee-object-id', BOB, '--scope', RG_SCOPE, '--name', A2.name, '-o', 'tsv'];
    const byId = await cli(svc.endpoint, ...common, '--role', `/providers/Microsoft.Authorization/roleDefinitions/${ROLE.Reader}`);
    const byGuid = await cli(svc.endpoint, ...common, '--role', unknown.toUpperCase());
    const path = assignmentsPath(RG_SCOPE, `/${A2.name}?api-version=2022-04-01`);
    expect(sent(svc)).toEqual([
      withBody('PUT', path, { properties: { roleDefinitionId: roleDefinitionId(ROLE.Reader), principalId: BOB } }),
      withBody('PUT', path, { properties: { roleDefinitionId: roleDefinitionId(unknown), principalId: BOB } }),
    ]);
    // az's TSV: the values in key order.
    const tsv = (role: string, name: string) =>
      [CREATED, `${RG_SCOPE}/providers/Microsoft.Authorization/roleAssignments/${A2.name}`, A2.name, BOB, 'Group', 'myrg']
        .concat(roleDefinitionId(role), name, RG_SCOPE, 'Microsoft.Authorization/roleAssignments', CREATED)
        .join('\t') + '\n';
    expect(byId).toEqual({ code: 0, stderr: '', stdout: tsv(ROLE.Reader, 'Reader') });
    expect(byGuid).toEqual({ code: 0, stderr: '', stdout: tsv(unknown, unknown) });
  });

  const REQUIRED = ['--assignee-object-id', ALICE, '--role', 'Reader', '--scope', REG_SCOPE] as const;
  const replace = (option: string, value: string) => REQUIRED.map((v, i) => (REQUIRED[i - 1] === option ? value : v));
  it.for([
    {
      why: 'a scope that is not a subscription, resource group or registry',
      args: replace('--scope', `${REG_SCOPE}/webhooks/myhook01`),
      stderr: `ERROR: --scope must be /subscriptions/{id}, /subscriptions/{id}/resourceGroups/{name} or /subscriptions/{id}/resourceGroups/{name}/providers/Microsoft.ContainerRegistry/registries/{name} (got '${REG_SCOPE}/webhooks/myhook01').\n`,
    },
    {
      why: 'a subscription that is not a GUID',
      args: replace('--scope', '/subscriptions/my-subscription'),
      stderr: `ERROR: --scope must be /subscriptions/{id}, /subscriptions/{id}/resourceGroups/{name} or /subscriptions/{id}/resourceGroups/{name}/providers/Microsoft.ContainerRegistry/registries/{name} (got '/subscriptions/my-subscription').\n`,
    },
    {
      why: 'a role the CLI does not know by name',
      args: replace('--role', 'AcrPush'),
      stderr:
        "ERROR: --role must be one of 'Reader', 'Contributor', 'Owner', 'Registry Webhooks Event Sender', or a role definition GUID (got 'AcrPush').\n",
    },
    {
      why: 'an assignee given by name rather than object id',
      args: replace('--assignee-object-id', 'alice@example.com'),
      stderr:
        "ERROR: --assignee-object-id must be a GUID such as 00000000-0000-0000-0000-000000000000 (got 'alice@example.com'): the principal's object id, e.g. from 'az ad signed-in-user show --query id -o tsv'.\n",
    },
    {
      why: 'an assignment name that is not a GUID',
      args: [...REQUIRED, '--name', 'my-assignment'],
      stderr: "ERROR: --name must be a GUID such as 00000000-0000-0000-0000-000000000000 (got 'my-assignment').\n",
    },
    {
      why: 'an unknown principal type',
      args: [...REQUIRED, '--assignee-principal-type', 'Device'],
      stderr:
        "error: option '--assignee-principal-type <type>' argument 'Device' is invalid. Allowed choices are User, Group, ServicePrincipal.\n(add --help for usage)\n",
    },
    {
      why: 'no --scope',
      args: REQUIRED.slice(0, 4),
      stderr: "error: required option '--scope <scope>' not specified\n(add --help for usage)\n",
    },
  ])('refuses $why before any request (exit 2)', async ({ args, stderr }, ctx) => {
    const svc = await service(ctx);
    expect(await cli(svc.endpoint, 'role', 'assignment', 'create', ...args)).toEqual({ code: 2, stdout: '', stderr });
    expect(svc.requests).toEqual([]);
  });

  it("prints the service's refusal as the webhook commands do (exit 1)", async (ctx) => {
    const message = `The client '${ALICE}' does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/write' over scope '${REG_SCOPE}'.`;
    const svc = await service(ctx, { status: 403, json: { error: { code: 'AuthorizationFailed', message } } });
    const run = await cli(svc.endpoint, 'role', 'assignment', 'create', ...REQUIRED);
    expect(run).toEqual({ code: 1, stdout: '', stderr: `ERROR: (AuthorizationFailed) ${message}\n` });
  });
});

describe.concurrent('role assignment list', () => {
  it('follows nextLink (an absolute URL) to the last page, and prints Principal, Role, Scope as az does', async (ctx) => {
    const svc = await service(ctx);
    const next = `${svc.endpoint}${RG_SCOPE}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$skiptoken=2`;
    for (let run = 0; run < 2; run++)
      svc.reply({ status: 200, json: { value: [A1, A2], nextLink: next } }, { status: 200, json: { value: [A3] } });
    const asTable = await cli(svc.endpoint, 'role', 'assignment', 'list', '--scope', RG_SCOPE, '-o', 'table');
    const asJson = await cli(svc.endpoint, 'role', 'assignment', 'list', '--scope', RG_SCOPE);
    const first = GET(assignmentsPath(RG_SCOPE, '?api-version=2022-04-01'));
    const second = GET(assignmentsPath(RG_SCOPE, '?api-version=2022-04-01&$skiptoken=2'));
    expect(sent(svc)).toEqual([first, second, first, second]);
    expect(asTable).toEqual({
      code: 0,
      stderr: '',
      stdout: table(
        'Principal                             Role                            Scope',
        `------------------------------------  ------------------------------  ${'-'.repeat(REG_SCOPE.length)}`,
        `${ALICE}  Contributor                     ${REG_SCOPE}`,
        `${BOB}  Reader                          ${RG_SCOPE}`,
        `${SENDER_SP}  Registry Webhooks Event Sender  ${SUB_SCOPE}`,
      ),
    });
    expect(asJson).toEqual({
      code: 0,
      stderr: '',
      stdout: json([printed(A1, 'Contributor'), printed(A2, 'Reader'), printed(A3, 'Registry Webhooks Event Sender')]),
    });
  });

  it("--assignee asks for principalId eq '<oid>'; without --scope the scope is --subscription (REGISTRY_WEBHOOKS_SUBSCRIPTION, else the service's default)", async (ctx) => {
    const svc = await service(ctx, { status: 200, json: { value: [A1] } }, { status: 200, json: { value: [] } });
    const env = { REGISTRY_WEBHOOKS_ENDPOINT: svc.endpoint, REGISTRY_WEBHOOKS_KEY: KEY };
    const mine = await runCli(['role', 'assignment', 'list', '--assignee', ALICE.toUpperCase(), '-o', 'tsv'], {
      ...env,
      REGISTRY_WEBHOOKS_SUBSCRIPTION: SUB,
    });
    const none = await runCli(['role', 'assignment', 'list', '-o', 'table'], env);
    expect(sent(svc)).toEqual([
      GET(assignmentsPath(SUB_SCOPE, `?api-version=2022-04-01&$filter=principalId%20eq%20%27${ALICE}%27`)),
      GET(assignmentsPath('/subscriptions/00000000-0000-0000-0000-000000000000', '?api-version=2022-04-01')),
    ]);
    expect(mine).toEqual({
      code: 0,
      stderr: '',
      stdout: [CREATED, A1.id, A1.name, ALICE, 'User', 'myrg', roleDefinitionId(ROLE.Contributor), 'Contributor', REG_SCOPE]
        .concat('Microsoft.Authorization/roleAssignments', CREATED)
        .join('\t')
        .concat('\n'),
    });
    // An empty list prints nothing as a table, as az does.
    expect(none).toEqual({ code: 0, stderr: '', stdout: '' });
  });

  it('--at-scope-only asks for atScope() and keeps what was assigned at exactly the scope (with --assignee, that principal)', async (ctx) => {
    const alsoAlice = assignment('11111111-aaaa-4bbb-8ccc-000000000004', RG_SCOPE, ROLE.Owner, ALICE);
    const atOrAbove = { value: [alsoAlice, A2, A3] };
    const svc = await service(ctx, { status: 200, json: atOrAbove }, { status: 200, json: atOrAbove });
    const all = await cli(svc.endpoint, 'role', 'assignment', 'list', '--scope', RG_SCOPE.toLowerCase(), '--at-scope-only');
    const alice = await cli(svc.endpoint, 'role', 'assignment', 'list', '--scope', RG_SCOPE, '--at-scope-only', '--assignee', ALICE);
    const atScope = (scope: string) => GET(assignmentsPath(scope, '?api-version=2022-04-01&$filter=atScope()'));
    // The scope is sent as given; the match against the assignments' scopes ignores case, as ARM ids do.
    expect(sent(svc)).toEqual([atScope(RG_SCOPE.toLowerCase()), atScope(RG_SCOPE)]);
    expect(all).toEqual({ code: 0, stderr: '', stdout: json([printed(alsoAlice, 'Owner'), printed(A2, 'Reader')]) });
    expect(alice).toEqual({ code: 0, stderr: '', stdout: json([printed(alsoAlice, 'Owner')]) });
  });

  it('refuses an --assignee that is not an object id, and a bad --subscription, before any request (exit 2)', async (ctx) => {
    const svc = await service(ctx);
    expect(await cli(svc.endpoint, 'role', 'assignment', 'list', '--assignee', 'bob')).toEqual({
      code: 2,
      stdout: '',
      stderr: "ERROR: --assignee must be a GUID such as 00000000-0000-0000-0000-000000000000 (got 'bob').\n",
    });
    expect(await cli(svc.endpoint, 'role', 'assignment', 'list', '--subscription', 'prod')).toEqual({
      code: 2,
      stdout: '',
      stderr: "ERROR: --subscription must be a GUID such as 00000000-0000-0000-0000-000000000000 (got 'prod').\n",
    });
    expect(svc.requests).toEqual([]);
  });
});

describe.concurrent('role assignment delete', () => {
  it('--ids deletes each in turn and prints nothing, whether the service answers 200 with the assignment or 204', async (ctx) => {
    const svc = await service(ctx, { status: 200, json: A1 }, { status: 204 });
    const run = await cli(svc.endpoint, 'role', 'assignment', 'delete', '--ids', A1.id, A3.id);
    expect(sent(svc)).toEqual([
      DELETE(assignmentsPath(REG_SCOPE, `/${A1.name}?api-version=2022-04-01`)),
      DELETE(assignmentsPath(SUB_SCOPE, `/${A3.name}?api-version=2022-04-01`)),
    ]);
    expect(run).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('--scope with --name deletes that assignment', async (ctx) => {
    const svc = await service(ctx, { status: 204 });
    const run = await cli(svc.endpoint, 'role', 'assignment', 'delete', '--scope', RG_SCOPE, '--name', A2.name.toUpperCase());
    expect(sent(svc)).toEqual([DELETE(assignmentsPath(RG_SCOPE, `/${A2.name}?api-version=2022-04-01`))]);
    expect(run).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('--assignee and --role delete only the matches made at exactly --scope, as az does; none matching is a warning', async (ctx) => {
    const aliceReader = assignment('11111111-aaaa-4bbb-8ccc-000000000005', REG_SCOPE, ROLE.Reader, ALICE);
    const aliceAbove = assignment('11111111-aaaa-4bbb-8ccc-000000000006', RG_SCOPE, ROLE.Contributor, ALICE);
    const bobHere = assignment('11111111-aaaa-4bbb-8ccc-000000000007', REG_SCOPE, ROLE.Contributor, BOB);
    const atOrAbove = { value: [A1, aliceReader, aliceAbove, bobHere] };
    const svc = await service(ctx, { status: 200, json: atOrAbove }, { status: 200, json: A1 }, { status: 200, json: atOrAbove });
    const args = ['role', 'assignment', 'delete', '--scope', REG_SCOPE, '--assignee', ALICE];
    const deleted = await cli(svc.endpoint, ...args, '--role', 'Contributor');
    const nothing = await cli(svc.endpoint, ...args, '--role', 'Owner');
    const list = GET(assignmentsPath(REG_SCOPE, '?api-version=2022-04-01&$filter=atScope()'));
    expect(sent(svc)).toEqual([list, DELETE(assignmentsPath(REG_SCOPE, `/${A1.name}?api-version=2022-04-01`)), list]);
    expect(deleted).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(nothing).toEqual({ code: 0, stdout: '', stderr: `WARNING: No role assignment at ${REG_SCOPE} matched; nothing was deleted.\n` });
  });

  it.for([
    {
      why: '--ids with --scope',
      args: ['--ids', A1.id, '--scope', REG_SCOPE],
      stderr: "error: option '--ids <ids...>' cannot be used with option '--scope <scope>'\n(add --help for usage)\n",
    },
    {
      why: '--name with --role',
      args: ['--scope', REG_SCOPE, '--name', A1.name, '--role', 'Reader'],
      stderr: "error: option '--name <guid>' cannot be used with option '--role <role>'\n(add --help for usage)\n",
    },
    {
      why: '--scope alone (which would delete everything there)',
      args: ['--scope', REG_SCOPE],
      stderr: 'ERROR: Give --ids, or --scope with --name, --assignee or --role.\n',
    },
    {
      why: '--assignee without --scope',
      args: ['--assignee', ALICE],
      stderr: 'ERROR: Give --ids, or --scope with --name, --assignee or --role.\n',
    },
    {
      why: 'an id that is not a role assignment',
      args: ['--ids', `${REG_SCOPE}/webhooks/myhook01`],
      stderr: `ERROR: --ids takes role assignment ids, {scope}/providers/Microsoft.Authorization/roleAssignments/{guid}, as 'role assignment list' prints them (got '${REG_SCOPE}/webhooks/myhook01').\n`,
    },
  ])('refuses $why before any request (exit 2)', async ({ args, stderr }, ctx) => {
    const svc = await service(ctx);
    expect(await cli(svc.endpoint, 'role', 'assignment', 'delete', ...args)).toEqual({ code: 2, stdout: '', stderr });
    expect(svc.requests).toEqual([]);
  });

  it("stops at the service's refusal and prints it (exit 1)", async (ctx) => {
    const message = `The client '${BOB}' does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/delete' over scope '${REG_SCOPE}'.`;
    const svc = await service(ctx, { status: 403, json: { error: { code: 'AuthorizationFailed', message } } });
    const run = await cli(svc.endpoint, 'role', 'assignment', 'delete', '--ids', A1.id, A3.id);
    expect(sent(svc)).toEqual([DELETE(assignmentsPath(REG_SCOPE, `/${A1.name}?api-version=2022-04-01`))]);
    expect(run).toEqual({ code: 1, stdout: '', stderr: `ERROR: (AuthorizationFailed) ${message}\n` });
  });
});

describe.concurrent('registry ingest-keys', () => {
  const keys = {
    keys: [
      { name: 'primary', value: 'rk1_0f9e8d7c6b5a49382716f5e4d3c2b1a0' },
      { name: 'secondary', value: 'rk2_a1b2c3d4e5f60718293a4b5c6d7e8f90' },
    ],
  };

  it("list POSTs listIngestKeys on the registry's path and prints the pair as json and as a NAME VALUE table", async (ctx) => {
    const svc = await service(ctx, { status: 200, json: keys }, { status: 200, json: keys });
    const asJson = await cli(svc.endpoint, 'registry', 'ingest-keys', 'list', '-r', 'myregistry');
    const asTable = await cli(svc.endpoint, 'registry', 'ingest-keys', 'list', '-r', 'myregistry', '-o', 'table');
    const post = withBody('POST', '/api/registries/myregistry/listIngestKeys');
    expect(sent(svc)).toEqual([post, post]);
    expect(asJson).toEqual({ code: 0, stderr: '', stdout: json(keys) });
    expect(asTable).toEqual({
      code: 0,
      stderr: '',
      stdout: table(
        'NAME       VALUE',
        '---------  ------------------------------------',
        'primary    rk1_0f9e8d7c6b5a49382716f5e4d3c2b1a0',
        'secondary  rk2_a1b2c3d4e5f60718293a4b5c6d7e8f90',
      ),
    });
  });

  it('regenerate POSTs the name of the key to replace and prints the new pair', async (ctx) => {
    const renewed = { keys: [keys.keys[0], { name: 'secondary', value: 'rk2_ffffffffffffffffffffffffffffffff' }] };
    const svc = await service(ctx, { status: 200, json: renewed });
    const run = await runCli(['registry', 'ingest-keys', 'regenerate', '--name', 'secondary', '-o', 'tsv'], {
      REGISTRY_WEBHOOKS_ENDPOINT: svc.endpoint,
      REGISTRY_WEBHOOKS_KEY: KEY,
      REGISTRY_WEBHOOKS_REGISTRY: 'myregistry',
    });
    expect(sent(svc)).toEqual([withBody('POST', '/api/registries/myregistry/regenerateIngestKey', { name: 'secondary' })]);
    // az's TSV of an object holding a list: the list's length.
    expect(run).toEqual({ code: 0, stderr: '', stdout: '2\n' });
  });

  it('regenerate refuses a key name other than primary or secondary, and needs one (exit 2)', async (ctx) => {
    const svc = await service(ctx);
    expect(await cli(svc.endpoint, 'registry', 'ingest-keys', 'regenerate', '-r', 'myregistry', '--name', 'password2')).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "error: option '--name <name>' argument 'password2' is invalid. Allowed choices are primary, secondary.\n(add --help for usage)\n",
    });
    expect(await cli(svc.endpoint, 'registry', 'ingest-keys', 'regenerate', '-r', 'myregistry')).toEqual({
      code: 2,
      stdout: '',
      stderr: "error: required option '--name <name>' not specified\n(add --help for usage)\n",
    });
    expect(svc.requests).toEqual([]);
  });

  it("prints the service's refusal (exit 1) and never a key", async (ctx) => {
    const message = `The client '${BOB}' does not have authorization to perform action 'Microsoft.ContainerRegistry/registries/listIngestKeys/action' over scope '${REG_SCOPE}'.`;
    const svc = await service(ctx, { status: 403, json: { error: { code: 'AuthorizationFailed', message } } });
    const run = await cli(svc.endpoint, 'registry', 'ingest-keys', 'list', '-r', 'myregistry');
    expect(run).toEqual({ code: 1, stdout: '', stderr: `ERROR: (AuthorizationFailed) ${message}\n` });
  });
});

/** A credential that hands out one fixed token and records the scopes it was asked for. */
function fixedCredential(token: string, lifetimeMs = 3_600_000) {
  const scopes: (string | string[])[] = [];
  const credential: TokenCredential = {
    getToken: (scope) => {
      scopes.push(scope);
      return Promise.resolve<AccessToken>({ token, expiresOnTimestamp: Date.now() + lifetimeMs });
    },
  };
  return { credential, scopes };
}

/** The program in process with `credential` standing in for DefaultAzureCredential. */
async function runWithCredential(credential: TokenCredential, args: readonly string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io = {
    out: (t: string) => void (stdout += t),
    err: (t: string) => void (stderr += t),
    credential: () => Promise.resolve(credential),
  };
  const code = await runProgram(io, ['node', 'registry-webhooks', ...args], '0.0.0-test');
  return { code, stdout, stderr };
}
const ENTRA = ['--auth', 'entra', '--scope-uri', TOKEN_SCOPE] as const;
const bearer = (token: string) => ({ key: undefined, authorization: `Bearer ${token}` });

describe.concurrent('--auth entra', () => {
  it('sends a bearer token for --scope-uri instead of the key, one token for every page', async (ctx) => {
    const svc = await service(ctx);
    const next = `${svc.endpoint}${REG_SCOPE}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$skiptoken=1`;
    svc.reply({ status: 200, json: { value: [A1], nextLink: next } }, { status: 200, json: { value: [] } });
    const { credential, scopes } = fixedCredential('eyJ.token.one');
    const run = await runWithCredential(credential, [
      'role', 'assignment', 'list', '--scope', REG_SCOPE, '-o', 'table', '--endpoint', svc.endpoint, '--key', KEY, ...ENTRA,
    ]); // prettier-ignore
    expect(sent(svc)).toEqual([
      { ...GET(assignmentsPath(REG_SCOPE, '?api-version=2022-04-01')), ...bearer('eyJ.token.one') },
      { ...GET(assignmentsPath(REG_SCOPE, '?api-version=2022-04-01&$skiptoken=1')), ...bearer('eyJ.token.one') },
    ]);
    expect(scopes).toEqual([TOKEN_SCOPE]);
    expect(run).toEqual({
      code: 0,
      stderr: '',
      stdout: table(
        'Principal                             Role         Scope',
        `------------------------------------  -----------  ${'-'.repeat(REG_SCOPE.length)}`,
        `${ALICE}  Contributor  ${REG_SCOPE}`,
      ),
    });
  });

  it('fetches a new token when the one it has is about to expire', async (ctx) => {
    // Two requests in one run: a list whose first page links to a second.
    const svc = await service(ctx);
    const next = `${svc.endpoint}${SUB_SCOPE}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$skiptoken=1`;
    svc.reply({ status: 200, json: { value: [], nextLink: next } }, { status: 200, json: { value: [] } });
    // Within two minutes of its expiry, as the SDKs' bearer policy refreshes.
    const { credential, scopes } = fixedCredential('short-lived', 60_000);
    const run = await runWithCredential(credential, [
      'role',
      'assignment',
      'list',
      '--scope',
      SUB_SCOPE,
      '--endpoint',
      svc.endpoint,
      ...ENTRA,
    ]);
    expect(run).toEqual({ code: 0, stderr: '', stdout: json([]) });
    expect(svc.requests.map((r) => r.headers.authorization)).toEqual(['Bearer short-lived', 'Bearer short-lived']);
    expect(scopes).toEqual([TOKEN_SCOPE, TOKEN_SCOPE]);
  });

  it('works for the ingest-key commands and for event send (an Event Sender token in place of the ingest key)', async (ctx) => {
    const svc = await service(ctx, { status: 200, json: { keys: [] } }, { status: 202 });
    const { credential, scopes } = fixedCredential('eyJ.token.two');
    const keysRun = await runWithCredential(credential, [
      'registry',
      'ingest-keys',
      'list',
      '-r',
      'myregistry',
      '--endpoint',
      svc.endpoint,
      ...ENTRA,
    ]);
    const sendRun = await runWithCredential(credential, [
      'event', 'send', '-r', 'myregistry', '--repository', 'hello-world', '--tag', 'v1', '--ingest-key', 'ingest-key-not-sent',
      '--endpoint', svc.endpoint, ...ENTRA,
    ]); // prettier-ignore
    expect(keysRun).toEqual({ code: 0, stderr: '', stdout: json({ keys: [] }) });
    expect(sendRun).toMatchObject({ code: 0, stderr: '' });
    const event = JSON.parse(sendRun.stdout) as Record<string, unknown>;
    expect(event).toMatchObject({ action: 'push', target: { repository: 'hello-world', tag: 'v1' } });
    expect(sent(svc)).toEqual([
      { ...withBody('POST', '/api/registries/myregistry/listIngestKeys'), ...bearer('eyJ.token.two') },
      { ...withBody('POST', '/api/registries/myregistry/events', event), ...bearer('eyJ.token.two') },
    ]);
    expect(scopes).toEqual([TOKEN_SCOPE, TOKEN_SCOPE]);
  });

  it('refuses to send a token over plain http to a host that is not loopback, before asking for one', async () => {
    const { credential, scopes } = fixedCredential('never-sent');
    const run = await runWithCredential(credential, [
      'registry', 'ingest-keys', 'list', '-r', 'myregistry', '--endpoint', 'http://webhooks.example.com/api', ...ENTRA,
    ]); // prettier-ignore
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'ERROR: Refusing to send an Entra ID token over http to webhooks.example.com: use an https endpoint (plain http is for loopback addresses only).\n',
    });
    expect(scopes).toEqual([]);
  });

  it("reports a credential's failure in one readable block, without a stack trace, and sends nothing", async (ctx) => {
    const svc = await service(ctx);
    const failing: TokenCredential = {
      getToken: () =>
        Promise.reject(
          new Error(
            'AzureCliCredential authentication failed.\nAADSTS500011: The resource principal named api://registry-webhooks was not found in the tenant.\nTrace ID: 0000',
          ),
        ),
    };
    const noToken: TokenCredential = { getToken: () => Promise.resolve(null) };
    const args = ['registry', 'ingest-keys', 'list', '-r', 'myregistry', '--endpoint', svc.endpoint, ...ENTRA];
    const advice = `ERROR: Cannot get an Entra ID token for ${TOKEN_SCOPE}. Sign in with 'az login', set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, or run with a managed identity; or use --auth key.`;
    expect(await runWithCredential(failing, args)).toEqual({
      code: 1,
      stdout: '',
      stderr: `${advice}\n  AzureCliCredential authentication failed. AADSTS500011: The resource principal named api://registry-webhooks was not found in the tenant. Trace ID: 0000\n`,
    });
    expect(await runWithCredential(noToken, args)).toEqual({
      code: 1,
      stdout: '',
      stderr: `${advice}\n  The credential returned no token.\n`,
    });
    expect(svc.requests).toEqual([]);
  });

  it('needs --scope-uri or REGISTRY_WEBHOOKS_SCOPE (exit 2, before any request); --auth takes key or entra', async (ctx) => {
    const svc = await service(ctx);
    const noScope = await runCli(['registry', 'ingest-keys', 'list', '-r', 'myregistry'], {
      REGISTRY_WEBHOOKS_ENDPOINT: svc.endpoint,
      REGISTRY_WEBHOOKS_AUTH: 'entra',
    });
    expect(noScope).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "ERROR: --auth entra needs the token's scope: set --scope-uri or REGISTRY_WEBHOOKS_SCOPE to the service's App ID URI followed by /.default (for example api://registry-webhooks/.default).\n",
    });
    const badAuth = await runCli(['registry', 'ingest-keys', 'list', '-r', 'myregistry', '--auth', 'certificate'], {
      REGISTRY_WEBHOOKS_ENDPOINT: svc.endpoint,
    });
    expect(badAuth).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "error: option '--auth <method>' argument 'certificate' is invalid. Allowed choices are key, entra.\n(add --help for usage)\n",
    });
    expect(svc.requests).toEqual([]);
  });

  it('with the real DefaultAzureCredential and no sign-in anywhere, fails at once with a clear message', async (ctx) => {
    const svc = await service(ctx);
    // The chain limited to the environment's service principal (AZURE_TOKEN_CREDENTIALS, read by
    // @azure/identity), which is not set: it fails without network or child processes (the run takes the
    // CLI's start-up, ~1 s), whatever az login or managed identity the machine running the tests has.
    const run = await runCli(['registry', 'ingest-keys', 'list', '-r', 'myregistry'], {
      REGISTRY_WEBHOOKS_ENDPOINT: svc.endpoint,
      REGISTRY_WEBHOOKS_AUTH: 'entra',
      REGISTRY_WEBHOOKS_SCOPE: TOKEN_SCOPE,
      AZURE_TOKEN_CREDENTIALS: 'EnvironmentCredential',
    });
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: expect.stringMatching(
        new RegExp(
          `^ERROR: Cannot get an Entra ID token for api://registry-webhooks/\\.default\\. Sign in with 'az login', set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, or run with a managed identity; or use --auth key\\.\\n  EnvironmentCredential is unavailable\\. [^\\n]+\\n$`,
        ),
      ),
    });
    expect(svc.requests).toEqual([]);
  });
});

describe.concurrent('help', () => {
  it.each([
    ['role', 'assignment', 'create'],
    ['role', 'assignment', 'list'],
    ['role', 'assignment', 'delete'],
    ['registry', 'ingest-keys', 'list'],
    ['registry', 'ingest-keys', 'regenerate'],
  ])('%s %s %s --help shows usage, the connection and auth options and examples', async (...command) => {
    const run = await runCli([...command, '--help']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain(`Usage: registry-webhooks ${command.join(' ')} [options]`);
    for (const env of ['REGISTRY_WEBHOOKS_ENDPOINT', 'REGISTRY_WEBHOOKS_AUTH', 'REGISTRY_WEBHOOKS_SCOPE'])
      expect(run.stdout).toContain(env);
    expect(run.stdout).toContain('Examples:');
    expect(run.stdout).toContain(`$ registry-webhooks ${command.join(' ')} `);
  });

  it('the program lists the role and registry groups and explains --auth entra', async () => {
    const run = await runCli(['--help']);
    expect(run.stdout).toMatch(/^ {2}role +Manage who may do what/m);
    expect(run.stdout).toMatch(/^ {2}registry +Manage container registries/m);
    expect(run.stdout).toContain('--auth entra (REGISTRY_WEBHOOKS_AUTH=entra): an Entra ID token from DefaultAzureCredential');
    expect(run.stdout).toContain(
      '$ registry-webhooks role assignment create --assignee-object-id <your object id> --role Contributor \\\n',
    );
  });
});
