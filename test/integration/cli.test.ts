import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, MANAGEMENT_KEY, startService, type TestService } from '../helpers/service.js';
import { cliFor, runCli } from '../helpers/run-cli.js';
import { holdPort } from '../helpers/ports.js';

/*
 * The real `registry-webhooks` binary against the real local host (Azurite, functions/, a socket), the
 * management commands that exist today. ping, list-events, redeliver, rotate-secret and event send are in
 * cli-pipeline.test.ts.pending until their endpoints land.
 */
let svc: TestService;
let cli: ReturnType<typeof cliFor>;
beforeAll(async () => {
  svc = await startService({ LIST_PAGE_SIZE: '2' });
  cli = cliFor(svc.url, MANAGEMENT_KEY);
});
afterAll(async () => svc.close());

const SUB = '00000000-0000-0000-0000-000000000000';
const RG = 'registry-webhooks';
const id = (registry: string, name: string) =>
  `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ContainerRegistry/registries/${registry}/webhooks/${name}`;
const iso = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

/** What az prints for a webhook: properties lifted to the top level, resourceGroup added, keys sorted. */
function flat(registry: string, name: string, fields: Record<string, unknown> = {}) {
  return {
    actions: ['push'],
    id: id(registry, name),
    location: 'eastus',
    name,
    provisioningState: 'Succeeded',
    resourceGroup: RG,
    scope: '',
    status: 'enabled',
    systemData: { createdAt: iso, lastModifiedAt: iso },
    tags: {},
    type: 'Microsoft.ContainerRegistry/registries/webhooks',
    deliveryHealth: { consecutiveFailures: 0 },
    ...fields,
  };
}

describe('webhook create', () => {
  it('creates a webhook and prints the flattened webhook, keys sorted, without secrets', async () => {
    const run = await cli(
      'webhook', 'create', '-n', 'clihook01', '-r', 'cliregistry1', '--uri', 'https://hooks.example.com/acr?token=s3cret',
      '--actions', 'push', 'delete', '--scope', 'hello-world:*', '--headers', 'Authorization=Basic a=b=', 'X-Empty', '--tags', 'team=platform',
    ); // prettier-ignore
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const body = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(body).toEqual(
      flat('cliregistry1', 'clihook01', { actions: ['push', 'delete'], scope: 'hello-world:*', tags: { team: 'platform' } }),
    );
    expect(Object.keys(body)).toEqual([...Object.keys(body)].sort());
    expect(run.stdout).not.toMatch(/s3cret|Basic/);
    // Headers are split on the first '=' only; a key without '=' has an empty value (az's rule).
    const cfg = await cli('webhook', 'get-config', '-n', 'clihook01', '-r', 'cliregistry1');
    expect(JSON.parse(cfg.stdout)).toEqual({
      customHeaders: { Authorization: 'Basic a=b=', 'X-Empty': '' },
      serviceUri: 'https://hooks.example.com/acr?token=s3cret',
      signingSecret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{32}$/),
    });
  });

  it('takes the location from --location or REGISTRY_WEBHOOKS_LOCATION, and the status given', async () => {
    const env = cliFor(svc.url, MANAGEMENT_KEY, { REGISTRY_WEBHOOKS_LOCATION: 'westeurope' });
    let run = await env(
      'webhook',
      'create',
      '-n',
      'clihook02',
      '-r',
      'cliregistry1',
      '--uri',
      'https://e.example.com',
      '--actions',
      'push',
    );
    expect(JSON.parse(run.stdout)).toEqual(flat('cliregistry1', 'clihook02', { location: 'westeurope' }));
    run = await cli(
      'webhook', 'create', '-n', 'clihook03', '-r', 'cliregistry1', '--uri', 'https://e.example.com', '--actions', 'delete',
      '-l', 'westus', '--status', 'disabled', '-o', 'table',
    ); // prettier-ignore
    expect(run.stdout).toBe(
      [
        'NAME       LOCATION  ACTIONS  SCOPE  STATUS',
        '---------  --------  -------  -----  --------',
        'clihook03  westus    delete          disabled',
        '',
      ].join('\n'),
    );
  });

  it('refuses an unknown action or status before calling the service (exit 2)', async () => {
    const run = await cli(
      'webhook',
      'create',
      '-n',
      'clihook09',
      '-r',
      'cliregistry1',
      '--uri',
      'https://e.example.com',
      '--actions',
      'pull',
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `error: option '--actions <actions...>' argument 'pull' is invalid. Allowed choices are push, delete, quarantine, chart_push, chart_delete.`,
    );
    expect((await api(svc, '/registries/cliregistry1/webhooks/clihook09')).status).toBe(404);
  });

  it("prints the API's error message and exits 1 when the service refuses", async () => {
    const run = await cli('webhook', 'create', '-n', 'bad', '-r', 'cliregistry1', '--uri', 'https://e.example.com', '--actions', 'push');
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr:
        "ERROR: (InvalidParameter) The webhook name 'bad' is invalid: use 5-50 letters and digits only (for example 'myregistry01').\n",
    });
  });
});

describe('webhook show and list', () => {
  it('shows one webhook as json, table and tsv', async () => {
    const json = await cli('webhook', 'show', '-n', 'CLIHOOK01', '-r', 'cliregistry1');
    expect(JSON.parse(json.stdout)).toEqual(
      flat('cliregistry1', 'clihook01', { actions: ['push', 'delete'], scope: 'hello-world:*', tags: { team: 'platform' } }),
    );
    const table = await cli('webhook', 'show', '-n', 'clihook01', '-r', 'cliregistry1', '-o', 'table');
    expect(table.stdout).toBe(
      [
        'NAME       LOCATION  ACTIONS       SCOPE          STATUS   HEALTH',
        '---------  --------  ------------  -------------  -------  ---------------',
        'clihook01  eastus    push, delete  hello-world:*  enabled  no attempts yet',
        '',
      ].join('\n'),
    );
    const tsv = await cli('webhook', 'show', '-n', 'clihook01', '-r', 'cliregistry1', '-o', 'tsv');
    // az's TSV: values in key order; a list prints its length, an object an empty field.
    expect(tsv.stdout).toMatch(
      new RegExp(
        `^2\\t\\t${id('cliregistry1', 'clihook01')}\\teastus\\tclihook01\\tSucceeded\\t${RG}\\thello-world:\\*\\tenabled\\t\\t\\tMicrosoft.ContainerRegistry/registries/webhooks\\n$`,
      ),
    );
  });

  it('lists every page of a registry (the service pages by 2 here)', async () => {
    const json = await cli('webhook', 'list', '-r', 'cliregistry1');
    expect((JSON.parse(json.stdout) as { name: string }[]).map((w) => w.name)).toEqual(['clihook01', 'clihook02', 'clihook03']);
    const table = await cli('webhook', 'list', '-r', 'cliregistry1', '-o', 'table');
    expect(table.stdout).toBe(
      [
        'NAME       LOCATION    ACTIONS       SCOPE          STATUS',
        '---------  ----------  ------------  -------------  --------',
        'clihook01  eastus      push, delete  hello-world:*  enabled',
        'clihook02  westeurope  push                         enabled',
        'clihook03  westus      delete                       disabled',
        '',
      ].join('\n'),
    );
  });

  it('prints [] (json) and nothing (table) for a registry without webhooks', async () => {
    expect(await cli('webhook', 'list', '-r', 'emptyregistry')).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
    expect(await cli('webhook', 'list', '-r', 'emptyregistry', '-o', 'table')).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('reports a missing webhook with the API message', async () => {
    const run = await cli('webhook', 'show', '-n', 'nothere01', '-r', 'cliregistry1');
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr:
        "ERROR: (ResourceNotFound) The webhook 'nothere01' was not found in registry 'cliregistry1'. List the registry's webhooks to see their names.\n",
    });
  });
});

describe('webhook update', () => {
  it('--multi-arch sets properties.multiArch, shown by show; an unknown mode is refused before any request', async () => {
    await cli('webhook', 'create', '-n', 'climulti01', '-r', 'climultireg1', '--uri', 'https://hooks.example.com/m', '--actions', 'push');
    const run = await cli('webhook', 'update', '-n', 'climulti01', '-r', 'climultireg1', '--multi-arch', 'coalesced');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(flat('climultireg1', 'climulti01', { multiArch: 'coalesced' }));
    const show = await cli('webhook', 'show', '-n', 'climulti01', '-r', 'climultireg1');
    expect((JSON.parse(show.stdout) as { multiArch?: string }).multiArch).toBe('coalesced');
    const bad = await cli('webhook', 'update', '-n', 'climulti01', '-r', 'climultireg1', '--multi-arch', 'merged');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("option '--multi-arch <mode>' argument 'merged' is invalid. Allowed choices are perManifest, coalesced.");
  });

  it('--payload-format and --skip-referrers set properties.payloadFormat and skipReferrers on create and update; unknown values are refused before any request', async () => {
    const created = await cli(
      'webhook', 'create', '-n', 'cliformat01', '-r', 'cliformatreg', '--uri', 'https://hooks.example.com/f', '--actions', 'push',
      '--payload-format', 'slack', '--skip-referrers',
    ); // prettier-ignore
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(created.stdout)).toEqual(flat('cliformatreg', 'cliformat01', { payloadFormat: 'slack', skipReferrers: true }));
    const updated = await cli(
      'webhook', 'update', '-n', 'cliformat01', '-r', 'cliformatreg', '--payload-format', 'teams', '--skip-referrers', 'false',
    ); // prettier-ignore
    expect(JSON.parse(updated.stdout)).toEqual(flat('cliformatreg', 'cliformat01', { payloadFormat: 'teams', skipReferrers: false }));
    const got = (await (await api(svc, '/registries/cliformatreg/webhooks/cliformat01')).json()) as { properties: Record<string, unknown> };
    expect(got.properties).toMatchObject({ payloadFormat: 'teams', skipReferrers: false });
    const bad = await cli('webhook', 'update', '-n', 'cliformat01', '-r', 'cliformatreg', '--payload-format', 'discord');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain(
      "option '--payload-format <format>' argument 'discord' is invalid. Allowed choices are acr, cloudevents, slack, teams.",
    );
    const notBool = await cli('webhook', 'update', '-n', 'cliformat01', '-r', 'cliformatreg', '--skip-referrers', 'yes');
    expect(notBool.code).not.toBe(0);
    expect(notBool.stderr).toContain('Give true or false (or the option alone for true).');
  });

  it('--rate-limit sets properties.rateLimitPerSecond on create and update, shown by show; update --rate-limit none removes it', async () => {
    const created = await cli(
      'webhook', 'create', '-n', 'clirate01', '-r', 'cliratereg1', '--uri', 'https://hooks.example.com/r', '--actions', 'push', '--rate-limit', '20',
    ); // prettier-ignore
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(created.stdout)).toEqual(flat('cliratereg1', 'clirate01', { rateLimitPerSecond: 20 }));
    const updated = await cli('webhook', 'update', '-n', 'clirate01', '-r', 'cliratereg1', '--rate-limit', '1000');
    expect(JSON.parse(updated.stdout)).toEqual(flat('cliratereg1', 'clirate01', { rateLimitPerSecond: 1000 }));
    const show = await cli('webhook', 'show', '-n', 'clirate01', '-r', 'cliratereg1');
    expect((JSON.parse(show.stdout) as { rateLimitPerSecond?: number }).rateLimitPerSecond).toBe(1000);
    // Another update leaves the limit alone.
    const other = await cli('webhook', 'update', '-n', 'clirate01', '-r', 'cliratereg1', '--scope', 'app:*');
    expect(JSON.parse(other.stdout)).toEqual(flat('cliratereg1', 'clirate01', { scope: 'app:*', rateLimitPerSecond: 1000 }));
    const cleared = await cli('webhook', 'update', '-n', 'clirate01', '-r', 'cliratereg1', '--rate-limit', 'none');
    expect(cleared).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(cleared.stdout)).toEqual(flat('cliratereg1', 'clirate01', { scope: 'app:*' }));
    const got = (await (await api(svc, '/registries/cliratereg1/webhooks/clirate01')).json()) as { properties: Record<string, unknown> };
    expect(got.properties).not.toHaveProperty('rateLimitPerSecond');
  });

  it('refuses a --rate-limit that is not a whole number from 1 to 1000 (or none, on update) before any request (exit 2)', async () => {
    const [zero, fraction, word] = await Promise.all([
      cli('webhook', 'update', '-n', 'clirate01', '-r', 'cliratereg1', '--rate-limit', '0'),
      cli('webhook', 'create', '-n', 'clirate02', '-r', 'cliratereg1', '--uri', 'https://e.example.com', '--actions', 'push', '--rate-limit', '2.5'),
      cli('webhook', 'create', '-n', 'clirate02', '-r', 'cliratereg1', '--uri', 'https://e.example.com', '--actions', 'push', '--rate-limit', 'none'),
    ]); // prettier-ignore
    expect(zero).toMatchObject({ code: 2, stdout: '' });
    expect(zero.stderr).toContain(
      "error: option '--rate-limit <n|none>' argument '0' is invalid. Give a whole number of requests per second from 1 to 1000, or 'none' to remove the limit.",
    );
    expect(fraction).toMatchObject({ code: 2, stdout: '' });
    expect(fraction.stderr).toContain(
      "error: option '--rate-limit <n>' argument '2.5' is invalid. Give a whole number of requests per second from 1 to 1000.",
    );
    // 'none' means something only to update: a new webhook without --rate-limit has no limit.
    expect(word).toMatchObject({ code: 2, stdout: '' });
    expect(word.stderr).toContain("error: option '--rate-limit <n>' argument 'none' is invalid.");
    expect((await api(svc, '/registries/cliratereg1/webhooks/clirate02')).status).toBe(404);
  });

  it('--endpoint-type, --connection-string and --queue-ttl make a queue webhook; only get-config shows the connection string', async () => {
    const key = 'Y2xpLXNlY3JldC1hY2NvdW50LWtleS12YWx1ZS0wMDE=';
    const conn = `DefaultEndpointsProtocol=https;AccountName=contoso;AccountKey=${key};EndpointSuffix=core.windows.net`;
    const run = await cli(
      'webhook', 'create', '-n', 'cliqueue01', '-r', 'cliqueuereg1', '--endpoint-type', 'StorageQueue',
      '--uri', 'https://contoso.queue.core.windows.net/registry-events', '--actions', 'push', '--connection-string', conn, '--queue-ttl', '3600',
    ); // prettier-ignore
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(run.stdout)).toEqual(
      flat('cliqueuereg1', 'cliqueue01', { endpointType: 'StorageQueue', queueMessageTimeToLiveSeconds: 3600 }),
    );
    expect(run.stdout).not.toContain(key);
    const cfg = await cli('webhook', 'get-config', '-n', 'cliqueue01', '-r', 'cliqueuereg1');
    expect((JSON.parse(cfg.stdout) as { connectionString?: string }).connectionString).toBe(conn);
    // '' removes it (the service's managed identity sends then).
    expect((await cli('webhook', 'update', '-n', 'cliqueue01', '-r', 'cliqueuereg1', '--connection-string', '')).code).toBe(0);
    const after = await cli('webhook', 'get-config', '-n', 'cliqueue01', '-r', 'cliqueuereg1');
    expect(JSON.parse(after.stdout)).not.toHaveProperty('connectionString');
    const badTtl = await cli('webhook', 'update', '-n', 'cliqueue01', '-r', 'cliqueuereg1', '--queue-ttl', 'soon');
    expect(badTtl.code).not.toBe(0);
    expect(badTtl.stderr).toContain(
      "option '--queue-ttl <seconds>' argument 'soon' is invalid. Give whole seconds, or -1 for messages that never expire.",
    );
    const badType = await cli('webhook', 'update', '-n', 'cliqueue01', '-r', 'cliqueuereg1', '--endpoint-type', 'Kafka');
    expect(badType.stderr).toContain(
      "option '--endpoint-type <type>' argument 'Kafka' is invalid. Allowed choices are WebHook, StorageQueue, ServiceBusQueue, ServiceBusTopic, EventHub.",
    );
    // The service's own check: a Service Bus host is not a Storage Queue.
    const wrongHost = await cli(
      'webhook',
      'update',
      '-n',
      'cliqueue01',
      '-r',
      'cliqueuereg1',
      '--uri',
      'https://contoso-bus.servicebus.windows.net/q',
    );
    expect(wrongHost.stderr).toContain(
      '(InvalidParameter) A StorageQueue serviceUri must be https://{account}.queue.core.windows.net/{queue}',
    );
  });

  it('sends only what is given; --headers with a single empty item clears the headers', async () => {
    const run = await cli('webhook', 'update', '-n', 'clihook01', '-r', 'cliregistry1', '--status', 'disabled', '--headers', '');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(
      flat('cliregistry1', 'clihook01', {
        actions: ['push', 'delete'],
        scope: 'hello-world:*',
        status: 'disabled',
        tags: { team: 'platform' },
      }),
    );
    const cfg = await cli('webhook', 'get-config', '-n', 'clihook01', '-r', 'cliregistry1');
    expect(JSON.parse(cfg.stdout)).toEqual({
      customHeaders: {},
      serviceUri: 'https://hooks.example.com/acr?token=s3cret',
      signingSecret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{32}$/),
    });
  });

  it('recover: refuses a disabled webhook with the API message, and prints the count for an enabled one', async () => {
    const refused = await cli('webhook', 'recover', '-n', 'clihook01', '-r', 'cliregistry1', '--since', '2026-01-01T00:00:00Z');
    expect(refused).toEqual({
      code: 1,
      stdout: '',
      stderr:
        "ERROR: (Conflict) The webhook 'clihook01' is disabled, so recovered deliveries would only be held again. Enable it first (PATCH properties.status to 'enabled'), then recover.\n",
    });
    const table = await cli(
      'webhook',
      'recover',
      '-n',
      'clihook02',
      '-r',
      'cliregistry1',
      '--since',
      '2026-01-01T00:00:00Z',
      '-o',
      'table',
    );
    expect(table).toEqual({ code: 0, stdout: 'REDELIVERED\n-----------\n0\n', stderr: '' });
    const bad = await cli('webhook', 'recover', '-n', 'clihook02', '-r', 'cliregistry1', '--since', 'last week');
    expect(bad).toEqual({
      code: 1,
      stdout: '',
      stderr: "ERROR: --since must be an ISO 8601 time such as 2026-11-28T00:00:00Z (got 'last week').\n",
    });
  });

  it('changes the uri, actions, scope and tags', async () => {
    const run = await cli(
      'webhook', 'update', '-n', 'clihook02', '-r', 'cliregistry1', '--uri', 'https://new.example.com/hook',
      '--actions', 'push', 'chart_push', '--scope', 'team/*:*', '--tags', 'env=prod', 'owner', '-o', 'table',
    ); // prettier-ignore
    expect(run.stdout).toBe(
      [
        'NAME       LOCATION    ACTIONS           SCOPE     STATUS',
        '---------  ----------  ----------------  --------  -------',
        'clihook02  westeurope  push, chart_push  team/*:*  enabled',
        '',
      ].join('\n'),
    );
    const show = JSON.parse((await cli('webhook', 'show', '-n', 'clihook02', '-r', 'cliregistry1')).stdout) as { tags: unknown };
    expect(show.tags).toEqual({ env: 'prod', owner: '' });
    const cfg = await cli('webhook', 'get-config', '-n', 'clihook02', '-r', 'cliregistry1', '-o', 'table');
    expect(cfg.stdout).toBe(
      ['SERVICE URI                   HEADERS', '----------------------------  -------', 'https://new.example.com/hook', ''].join('\n'),
    );
  });

  it('refuses an update with nothing to change (exit 2)', async () => {
    expect(await cli('webhook', 'update', '-n', 'clihook02', '-r', 'cliregistry1')).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'ERROR: Nothing to update: give at least one of --uri, --actions, --headers, --scope, --status, --tags, --multi-arch, --rate-limit, --payload-format, --skip-referrers, --endpoint-type, --connection-string, --queue-ttl.\n',
    });
  });
});

describe('webhook get-config', () => {
  it('prints the service URI and headers as a table', async () => {
    await cli('webhook', 'update', '-n', 'clihook03', '-r', 'cliregistry1', '--headers', 'Authorization=Basic 000000', 'X-Team=a');
    const run = await cli('webhook', 'get-config', '-n', 'clihook03', '-r', 'cliregistry1', '-o', 'table');
    expect(run.stdout).toBe(
      [
        'SERVICE URI            HEADERS',
        '---------------------  --------------------------------------',
        'https://e.example.com  Authorization: Basic 000000, X-Team: a',
        '',
      ].join('\n'),
    );
  });
});

describe('webhook delete', () => {
  it('deletes silently, and is not an error when the webhook is already gone', async () => {
    expect(await cli('webhook', 'delete', '-n', 'clihook03', '-r', 'cliregistry1')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await api(svc, '/registries/cliregistry1/webhooks/clihook03')).status).toBe(404);
    expect(await cli('webhook', 'delete', '-n', 'clihook03', '-r', 'cliregistry1')).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});

describe('connection and auth', () => {
  it('takes --endpoint and --key over the environment', async () => {
    const run = await runCli(['webhook', 'list', '-r', 'cliregistry1', '-o', 'tsv', '--endpoint', svc.url, '--key', MANAGEMENT_KEY]);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('reports a missing or wrong key with the API message', async () => {
    let run = await runCli(['webhook', 'list', '-r', 'cliregistry1'], { REGISTRY_WEBHOOKS_ENDPOINT: svc.url });
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr:
        "ERROR: (AuthenticationFailed) A management key is required: send it as the 'x-functions-key' header, 'Authorization: Bearer <key>' or '?code=<key>'.\n",
    });
    run = await cliFor(svc.url, 'wrong-key-wrong-key-wrong')('webhook', 'list', '-r', 'cliregistry1');
    expect(run.stderr).toBe('ERROR: (AuthenticationFailed) The management key is not valid.\n');
  });

  it('says how to fix an endpoint that cannot be reached', async () => {
    const nothing = await holdPort();
    try {
      const { host, port } = nothing;
      const run = await cliFor(`${nothing.url}/api`, MANAGEMENT_KEY)('webhook', 'list', '-r', 'cliregistry1');
      expect(run).toEqual({
        code: 1,
        stdout: '',
        stderr: `ERROR: Cannot reach http://${host}:${port}/api (connect ECONNREFUSED ${host}:${port}). Is the service running (npm start)? Set --endpoint or REGISTRY_WEBHOOKS_ENDPOINT.\n`,
      });
    } finally {
      await nothing.release();
    }
  });

  it('takes the registry from REGISTRY_WEBHOOKS_REGISTRY and requires it otherwise', async () => {
    const run = await cliFor(svc.url, MANAGEMENT_KEY, { REGISTRY_WEBHOOKS_REGISTRY: 'cliregistry1' })(
      'webhook',
      'show',
      '-n',
      'clihook02',
      '-o',
      'tsv',
    );
    expect(run.stdout).toContain('\tclihook02\t');
    const missing = await cli('webhook', 'show', '-n', 'clihook02');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("error: required option '-r, --registry <registry>' not specified");
  });
});

// Independent of each other and of the service: run side by side.
describe.concurrent('help', () => {
  const commands = [
    ['webhook', 'create'],
    ['webhook', 'update'],
    ['webhook', 'list'],
    ['webhook', 'show'],
    ['webhook', 'delete'],
    ['webhook', 'ping'],
    ['webhook', 'list-events'],
    ['webhook', 'get-config'],
    ['webhook', 'redeliver'],
    ['webhook', 'rotate-secret'],
    ['event', 'send'],
  ];

  it.each(commands)('%s %s --help shows usage, the connection options and examples', async (group, command) => {
    const run = await runCli([group, command, '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Usage: registry-webhooks ${group} ${command} [options]`);
    expect(run.stdout).toContain('REGISTRY_WEBHOOKS_ENDPOINT');
    expect(run.stdout).toContain('Examples:');
    expect(run.stdout).toContain(`$ registry-webhooks ${group} ${command} `);
  });

  it('lists every webhook command', async () => {
    const run = await runCli(['webhook', '--help']);
    for (const [, command] of commands.filter(([g]) => g === 'webhook')) expect(run.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });
});
