import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, base64url } from 'jose';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, INGEST_KEY, root, startService, type TestService } from '../helpers/service.js';
import { ROLE } from '../helpers/roles.js';
import { startEntraIssuer, TEST_AUDIENCE, type EntraIssuer } from '../helpers/entra-issuer.js';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';

/*
 * Who may touch which registry, end to end through the local host: tokens minted by a loopback issuer
 * (its JWKS fetched by the service over a real socket), role assignments made through the API, and
 * every refused token and cross-registry attempt answered with ARM's status and code.
 */

const SUB = '6f1c2a3b-0000-4000-8000-00000000a001';
const OTHER_SUB = '6f1c2a3b-0000-4000-8000-00000000b002';
const RG = 'team-rg';
const { Reader: READER, Contributor: CONTRIBUTOR, Owner: OWNER, EventSender: EVENT_SENDER } = ROLE;
const V = '?api-version=2022-04-01';

const registryScope = (registry: string, sub = SUB, rg = RG) =>
  `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.ContainerRegistry/registries/${registry}`;

let svc: TestService;
let issuer: EntraIssuer;
let rx: Receiver;

beforeAll(async () => {
  issuer = await startEntraIssuer();
  rx = await startReceiver();
  svc = await startService({
    ENTRA_TENANTS: issuer.tenant,
    // ARM's audience is listed on purpose: it must still be refused.
    ENTRA_AUDIENCES: `${TEST_AUDIENCE},https://management.azure.com/`,
    ENTRA_AUTHORITY: issuer.authority,
    DEFAULT_SUBSCRIPTION_ID: SUB,
    DEFAULT_RESOURCE_GROUP: RG,
  });
  // Two registries, homed at SUB/RG by their first webhook (made with the management key).
  for (const registry of ['registrya01', 'registryb01']) await createHook(registry, 'firsthook01', null);
});

afterAll(async () => {
  await svc?.close();
  await rx?.close();
  await issuer?.close();
});

function createHook(registry: string, name: string, token: string | null, path?: string) {
  return api(svc, path ?? `/registries/${registry}/webhooks/${name}`, {
    method: 'PUT',
    ...(token ? { key: null, headers: { authorization: `Bearer ${token}` } } : {}),
    json: { location: 'westus', properties: { serviceUri: `${rx.url}/${name}`, actions: ['push'] } },
  }).then((res) => {
    if (token === null) expect(res.status).toBe(201);
    return res;
  });
}

const asToken = (token: string) => ({ key: null, headers: { authorization: `Bearer ${token}` } });

async function assign(scope: string, principalId: string, roleId: string, name: string = randomUUID()): Promise<string> {
  const res = await api(svc, `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}${V}`, {
    method: 'PUT',
    json: {
      properties: { roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`, principalId },
    },
  });
  expect(res.status).toBe(201);
  return name;
}

function pushEvent(registry: string) {
  return {
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    action: 'push',
    target: {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 1,
      digest: `sha256:${'a'.repeat(64)}`,
      length: 1,
      repository: 'app',
      tag: 'v1',
    },
    request: { id: randomUUID(), host: `${registry}.azurecr.io`, method: 'PUT', useragent: 'test' },
  };
}

function ingest(registry: string, auth: { key?: string | null; headers?: Record<string, string> }) {
  return api(svc, `/registries/${registry}/events`, {
    method: 'POST',
    ...auth,
    headers: { 'content-type': 'application/json', ...auth.headers },
    body: JSON.stringify(pushEvent(registry)),
  });
}

const forbidden = (oid: string, action: string, scope: string) => ({
  error: {
    code: 'AuthorizationFailed',
    message: `The client with object id '${oid}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, refresh your credentials.`,
  },
});

describe('Entra ID tokens: every refusal is 401 InvalidAuthenticationToken with a challenge, never a 500', () => {
  const oid = randomUUID();
  beforeAll(async () => {
    await assign(registryScope('registrya01'), oid, READER);
  });

  it('accepts a valid v2 token of an assigned principal, and a v1 token (sts.windows.net issuer)', async () => {
    const v2 = await api(svc, '/registries/registrya01/webhooks', asToken(await issuer.token(oid)));
    expect(v2.status).toBe(200);
    expect(((await v2.json()) as { value: { name: string }[] }).value.map((w) => w.name)).toEqual(['firsthook01']);
    const v1 = await issuer.token(oid, { iss: `https://sts.windows.net/${issuer.tenant}/`, ver: '1.0' });
    expect((await api(svc, '/registries/registrya01/webhooks', asToken(v1))).status).toBe(200);
  });

  const now = () => Math.floor(Date.now() / 1000);
  const cases: [string, () => Promise<string>, string][] = [
    [
      'a wrong audience',
      () => issuer.token(oid, { aud: 'api://someone-else' }),
      "The access token's audience is not valid for this service.",
    ],
    [
      "ARM's own audience, though configured",
      () => issuer.token(oid, { aud: 'https://management.azure.com/' }),
      "The access token's audience is not valid for this service.",
    ],
    ['a foreign tenant', () => issuer.token(oid, { tid: randomUUID() }), 'The access token is from a tenant this service does not trust.'],
    [
      'an issuer of another tenant',
      () => issuer.token(oid, { iss: `https://sts.windows.net/${randomUUID()}/` }),
      "The access token's issuer is not valid.",
    ],
    ['an expired token (past the 5 minutes of skew)', () => issuer.token(oid, { exp: now() - 400 }), 'The access token has expired.'],
    ['nbf in the future (past the skew)', () => issuer.token(oid, { nbf: now() + 600 }), 'The access token is not valid yet (nbf).'],
    [
      'alg: none',
      async () => {
        const [, payload] = (await issuer.token(oid)).split('.');
        return `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${payload}.`;
      },
      'The access token must be signed with RS256.',
    ],
    [
      'HS256 signed with the public key as the secret',
      async () => {
        const res = await fetch(`${issuer.authority}/${issuer.tenant}/discovery/v2.0/keys`);
        const secret = new TextEncoder().encode(JSON.stringify(((await res.json()) as { keys: unknown[] }).keys[0]));
        return new SignJWT({ tid: issuer.tenant, oid })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer(`${issuer.authority}/${issuer.tenant}/v2.0`)
          .setAudience(TEST_AUDIENCE)
          .setExpirationTime('1h')
          .sign(secret);
      },
      'The access token must be signed with RS256.',
    ],
    [
      'an unknown kid',
      async () => {
        const other = await issuer.newKey();
        return issuer.token(oid, {}, { kid: other.kid, key: other.privateKey });
      },
      "The access token's signing key is not known.",
    ],
    [
      'a tampered signature',
      async () => {
        const [h, p, s] = (await issuer.token(oid)).split('.');
        return `${h}.${p}.${s!.slice(0, 10)}${s![10] === 'A' ? 'B' : 'A'}${s!.slice(11)}`;
      },
      "The access token's signature is not valid.",
    ],
    [
      'a tampered payload (another oid)',
      async () => {
        const [h, , s] = (await issuer.token(oid)).split('.');
        const forged = base64url.encode(JSON.stringify({ tid: issuer.tenant, oid: randomUUID(), aud: TEST_AUDIENCE, exp: now() + 600 }));
        return `${h}.${forged}.${s}`;
      },
      "The access token's signature is not valid.",
    ],
    ['a 14 KB token', () => Promise.resolve(`eyJ${'a'.repeat(14_000)}.eyJ.sig`), 'The access token is too large.'],
    ['a token without an object id', () => issuer.token(oid, { oid: undefined }), "The access token's 'oid' claim is not valid."],
  ];

  it.each(cases)('refuses %s', async (_what, make, message) => {
    const res = await api(svc, '/registries/registrya01/webhooks', asToken(await make()));
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: 'InvalidAuthenticationToken', message } });
    expect(res.headers.get('www-authenticate')).toMatch(
      new RegExp(`^Bearer authorization_uri="${issuer.authority}/${issuer.tenant}", error="invalid_token", error_description=".+"$`),
    );
  });

  it('refuses a 100 KB token at the host: 431, before any parsing', async () => {
    const res = await api(svc, '/registries/registrya01/webhooks', asToken(`eyJ${'a'.repeat(100_000)}.eyJ.sig`));
    expect(res.status).toBe(431);
    expect(await res.json()).toEqual({
      error: { code: 'RequestHeaderFieldsTooLarge', message: 'The request line and headers are larger than the host accepts (16 KiB).' },
    });
  });

  it('without any credential answers 401 naming both ways in', async () => {
    const res = await api(svc, '/registries/registrya01/webhooks', { key: null });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: {
        code: 'AuthenticationFailed',
        message:
          "A management key or an Entra ID access token is required: send 'Authorization: Bearer <token>', or the key as the 'x-functions-key' header or '?code=<key>'.",
      },
    });
  });
});

describe('role assignments decide, at the registry and above', () => {
  it('a Reader on registry A reads A; writing A, reading secrets and touching B are 403 naming the action and scope', async () => {
    const oid = randomUUID();
    await assign(registryScope('registrya01'), oid, READER);
    const token = await issuer.token(oid);
    expect((await api(svc, '/registries/registrya01/webhooks/firsthook01', asToken(token))).status).toBe(200);
    const write = await createHook('registrya01', 'readerhook1', token);
    expect(write.status).toBe(403);
    expect(await write.json()).toEqual(
      forbidden(oid, 'Microsoft.ContainerRegistry/registries/webhooks/write', registryScope('registrya01')),
    );
    const secrets = await api(svc, '/registries/registrya01/webhooks/firsthook01/getCallbackConfig', { method: 'POST', ...asToken(token) });
    expect(await secrets.json()).toEqual(
      forbidden(oid, 'Microsoft.ContainerRegistry/registries/webhooks/getCallbackConfig/action', registryScope('registrya01')),
    );
    const other = await api(svc, '/registries/registryb01/webhooks', asToken(token));
    expect(other.status).toBe(403);
    expect(await other.json()).toEqual(
      forbidden(oid, 'Microsoft.ContainerRegistry/registries/webhooks/read', registryScope('registryb01')),
    );
    // Nothing was written by the refused calls.
    expect((await api(svc, '/registries/registrya01/webhooks/readerhook1')).status).toBe(404);
  });

  it('a Contributor on registry A manages A, not B, and cannot send events or assign roles', async () => {
    const oid = randomUUID();
    await assign(registryScope('registrya01'), oid, CONTRIBUTOR);
    const token = await issuer.token(oid);
    expect((await createHook('registrya01', 'contribhook1', token)).status).toBe(201);
    expect(
      (await api(svc, '/registries/registrya01/webhooks/contribhook1/getCallbackConfig', { method: 'POST', ...asToken(token) })).status,
    ).toBe(200);
    expect((await createHook('registryb01', 'contribhook1', token)).status).toBe(403);
    expect((await api(svc, '/registries/registryb01/webhooks/contribhook1')).status).toBe(404);
    const send = await ingest('registrya01', asToken(token));
    expect(await send.json()).toEqual(
      forbidden(oid, 'Microsoft.ContainerRegistry/registries/events/send/action', registryScope('registrya01')),
    );
    const grant = await api(svc, `${registryScope('registrya01')}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}${V}`, {
      method: 'PUT',
      ...asToken(token),
      json: { properties: { roleDefinitionId: OWNER, principalId: oid } },
    });
    expect(await grant.json()).toEqual(forbidden(oid, 'Microsoft.Authorization/roleAssignments/write', registryScope('registrya01')));
  });

  it('an Event Sender on registry A posts events for A only, and manages nothing', async () => {
    const oid = randomUUID();
    await assign(registryScope('registrya01'), oid, EVENT_SENDER);
    const token = await issuer.token(oid);
    const event = pushEvent('registrya01');
    const sent = await api(svc, '/registries/registrya01/events', {
      method: 'POST',
      key: null,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(event),
    });
    expect(sent.status).toBe(202);
    // Accepted means delivered: the registry's webhook receives that very event.
    await eventually(
      () => Promise.resolve(rx.forPath('/firsthook01').find((r) => (JSON.parse(r.body) as { id: string }).id === event.id)),
      10_000,
      'the delivery',
    );
    const other = await ingest('registryb01', asToken(token));
    expect(await other.json()).toEqual(
      forbidden(oid, 'Microsoft.ContainerRegistry/registries/events/send/action', registryScope('registryb01')),
    );
    const list = await api(svc, '/registries/registrya01/webhooks', asToken(token));
    expect(await list.json()).toEqual(forbidden(oid, 'Microsoft.ContainerRegistry/registries/webhooks/read', registryScope('registrya01')));
    expect((await api(svc, '/metrics', asToken(token))).status).toBe(403);
  });

  it('an Owner of the subscription manages every registry below it and assigns roles; a new assignment works at once, a deleted one stops', async () => {
    const owner = randomUUID();
    await assign(`/subscriptions/${SUB}`, owner, OWNER);
    const ownerToken = await issuer.token(owner);
    expect((await api(svc, '/registries/registryb01/webhooks', asToken(ownerToken))).status).toBe(200);
    const reader = randomUUID();
    const readerToken = await issuer.token(reader);
    expect((await api(svc, '/registries/registryb01/webhooks', asToken(readerToken))).status).toBe(403);
    const name = randomUUID();
    const put = await api(svc, `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Authorization/roleAssignments/${name}${V}`, {
      method: 'PUT',
      ...asToken(ownerToken),
      json: { properties: { roleDefinitionId: READER, principalId: reader, principalType: 'ServicePrincipal' } },
    });
    expect(put.status).toBe(201);
    expect((await api(svc, '/registries/registryb01/webhooks', asToken(readerToken))).status).toBe(200);
    const del = await api(svc, `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Authorization/roleAssignments/${name}${V}`, {
      method: 'DELETE',
      ...asToken(ownerToken),
    });
    expect(del.status).toBe(200);
    expect((await api(svc, '/registries/registryb01/webhooks', asToken(readerToken))).status).toBe(403);
    // The service-wide routes stay the management key's.
    expect((await api(svc, '/deadletters', asToken(ownerToken))).status).toBe(403);
  });

  it('an assignment in another subscription opens nothing here: the short path is 403, an ARM path naming that subscription is 404', async () => {
    const oid = randomUUID();
    await assign(`/subscriptions/${OTHER_SUB}`, oid, OWNER);
    const token = await issuer.token(oid);
    const short = await api(svc, '/registries/registrya01/webhooks', asToken(token));
    expect(await short.json()).toEqual(
      forbidden(oid, 'Microsoft.ContainerRegistry/registries/webhooks/read', registryScope('registrya01')),
    );
    const armPath = `${registryScope('registrya01', OTHER_SUB)}/webhooks?api-version=2025-11-01`;
    const viaOther = await api(svc, armPath, asToken(token));
    expect(viaOther.status).toBe(404);
    expect(((await viaOther.json()) as { error: { code: string } }).error.code).toBe('ResourceNotFound');
    const write = await createHook(
      'registrya01',
      'squathook01',
      token,
      `${registryScope('registrya01', OTHER_SUB)}/webhooks/squathook01?api-version=2025-11-01`,
    );
    expect(write.status).toBe(404);
    expect((await api(svc, '/registries/registrya01/webhooks/squathook01')).status).toBe(404);
    // Without rights on the path it names, the same ARM path is 403 (the registry's real home is not revealed).
    const stranger = randomUUID();
    const refused = await api(svc, armPath, asToken(await issuer.token(stranger)));
    expect(await refused.json()).toEqual(
      forbidden(stranger, 'Microsoft.ContainerRegistry/registries/webhooks/read', registryScope('registrya01', OTHER_SUB)),
    );
  });
});

describe('Event Grid delivering with Entra ID (no key in the URL)', () => {
  it("answers the subscription validation and takes ImagePushed events posted with an Event Sender's v1 app token", async () => {
    // Event Grid's first-party app, as a service principal of the tenant, holds Event Sender on the registry.
    const eventGrid = randomUUID();
    await assign(registryScope('registryb01'), eventGrid, EVENT_SENDER);
    // What Event Grid sends with `--azure-active-directory-application-id-or-uri`: an app-only token (v1 when the app asks for it).
    const token = await issuer.token(eventGrid, {
      iss: `https://sts.windows.net/${issuer.tenant}/`,
      ver: '1.0',
      appid: '4962773b-9cdb-44cf-a8bf-237846a00ab7',
    });
    const post = (body: unknown, type: string) =>
      fetch(`${svc.url}/registries/registryb01/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'aeg-event-type': type },
        body: JSON.stringify(body),
      });
    const validation = JSON.parse(readFileSync(join(root, 'test/fixtures/eventgrid/subscription-validation.json'), 'utf8')) as unknown;
    const handshake = await post(validation, 'SubscriptionValidation');
    expect(handshake.status).toBe(200);
    expect(await handshake.json()).toEqual({ validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' });
    const events = JSON.parse(readFileSync(join(root, 'test/fixtures/eventgrid/eventgrid-schema.json'), 'utf8')) as {
      id: string;
      data: { id: string };
    }[];
    const fresh = events.map((e) => ({ ...e, id: randomUUID(), data: { ...e.data, id: randomUUID() } }));
    const sent = await post(fresh, 'Notification');
    // Event Grid counts only 200 as delivered; the report names what was accepted.
    expect(sent.status).toBe(200);
    expect(await sent.json()).toMatchObject({ accepted: fresh.map((e) => ({ id: e.data.id })), rejected: [] });
    // The same token cannot post for registry A.
    const elsewhere = await fetch(`${svc.url}/registries/registrya01/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'aeg-event-type': 'SubscriptionValidation' },
      body: JSON.stringify(validation),
    });
    expect(elsewhere.status).toBe(403);
  });
});

describe('role assignments in ARM shape', () => {
  it('the same PUT twice at once: one 201, one 200; two names for one principal, role and scope at once: one 201, one 409', async () => {
    const scope = registryScope('registryb01');
    const principalId = randomUUID();
    const name = randomUUID();
    const body = { properties: { roleDefinitionId: READER, principalId } };
    const put = (n: string) =>
      api(svc, `${scope}/providers/Microsoft.Authorization/roleAssignments/${n}${V}`, { method: 'PUT', json: body });
    const same = await Promise.all([put(name), put(name)]);
    expect(same.map((r) => r.status).sort()).toEqual([200, 201]);
    const other = randomUUID();
    const principal2 = randomUUID();
    const two = await Promise.all(
      [randomUUID(), other].map((n) =>
        api(svc, `${scope}/providers/Microsoft.Authorization/roleAssignments/${n}${V}`, {
          method: 'PUT',
          json: { properties: { roleDefinitionId: CONTRIBUTOR, principalId: principal2 } },
        }),
      ),
    );
    expect(two.map((r) => r.status).sort()).toEqual([201, 409]);
    const conflict = two.find((r) => r.status === 409)!;
    expect(await conflict.json()).toEqual({ error: { code: 'RoleAssignmentExists', message: 'The role assignment already exists.' } });
    const changed = await api(svc, `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}${V}`, {
      method: 'PUT',
      json: { properties: { roleDefinitionId: OWNER, principalId } },
    });
    expect(changed.status).toBe(409);
    expect(((await changed.json()) as { error: { code: string } }).error.code).toBe('RoleAssignmentUpdateNotPermitted');
  });

  it('lists at, above and below a scope; atScope() leaves out below; principalId filters; pages with nextLink', async () => {
    const principalId = randomUUID();
    const atSub = await assign(`/subscriptions/${SUB}`, principalId, READER);
    const atReg = await assign(registryScope('registrya01'), principalId, CONTRIBUTOR);
    const list = async (scope: string, filter: string) => {
      const names: string[] = [];
      let url: string | undefined =
        `${svc.url}${scope}/providers/Microsoft.Authorization/roleAssignments${V}&$filter=${encodeURIComponent(filter)}&$top=1`;
      while (url) {
        const res: Response = await api({ url: '' }, url);
        expect(res.status).toBe(200);
        const page = (await res.json()) as { value: { name: string; properties: { scope: string } }[]; nextLink?: string };
        names.push(...page.value.map((a) => a.name));
        url = page.nextLink;
      }
      return names;
    };
    expect((await list(`/subscriptions/${SUB}`, `principalId eq '${principalId}'`)).sort()).toEqual([atSub, atReg].sort());
    expect(await list(`/subscriptions/${SUB}`, `atScope() and principalId eq '${principalId}'`)).toEqual([atSub]);
    expect((await list(registryScope('registrya01'), `atScope() and assignedTo('${principalId}')`)).sort()).toEqual([atSub, atReg].sort());
    const bad = await api(svc, `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleAssignments${V}&$filter=roleName eq 'x'`);
    expect(bad.status).toBe(400);
    const unknownRole = await api(svc, `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}${V}`, {
      method: 'PUT',
      json: { properties: { roleDefinitionId: randomUUID(), principalId } },
    });
    expect(unknownRole.status).toBe(400);
    expect(((await unknownRole.json()) as { error: { code: string } }).error.code).toBe('InvalidRoleDefinitionId');
    const noVersion = await api(svc, `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleAssignments`);
    expect(((await noVersion.json()) as { error: { code: string } }).error.code).toBe('MissingApiVersionParameter');
  });

  it('role definitions are the built-ins by their GUIDs, with the Event Sender; az looks one up by roleName', async () => {
    const oid = randomUUID();
    const res = await api(svc, `/providers/Microsoft.Authorization/roleDefinitions${V}`, asToken(await issuer.token(oid)));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { value: { name: string; properties: { roleName: string } }[] };
    expect(body.value.map((r) => [r.name, r.properties.roleName])).toEqual([
      [READER, 'Reader'],
      [CONTRIBUTOR, 'Contributor'],
      [OWNER, 'Owner'],
      [EVENT_SENDER, 'Registry Webhooks Event Sender'],
    ]);
    const byName = await api(
      svc,
      `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions${V}&$filter=${encodeURIComponent("roleName eq 'Registry Webhooks Event Sender'")}`,
    );
    expect(((await byName.json()) as { value: { name: string }[] }).value.map((r) => r.name)).toEqual([EVENT_SENDER]);
  });
});

describe('a key per registry', () => {
  const keysOf = async (res: Response) => {
    expect(res.status).toBe(200);
    const body = (await res.json()) as { keys: { name: string; value: string }[] };
    expect(body.keys.map((k) => k.name)).toEqual(['primary', 'secondary']);
    return body.keys.map((k) => k.value) as [string, string];
  };

  it('opens only POST /registries/{r}/events of its registry; regenerating retires the old key; the global ingest key still works', async () => {
    const [primary, secondary] = await keysOf(await api(svc, '/registries/registrya01/listIngestKeys', { method: 'POST' }));
    // The same keys on the next call (made once), and on the ARM path.
    expect(
      await keysOf(await api(svc, `${registryScope('registrya01')}/listIngestKeys?api-version=2025-11-01`, { method: 'POST' })),
    ).toEqual([primary, secondary]);
    expect((await ingest('registrya01', { key: primary })).status).toBe(202);
    expect((await ingest('registrya01', { key: null })).status).toBe(401);
    expect(
      (
        await api(svc, `/registries/registrya01/events?code=${secondary}`, {
          method: 'POST',
          key: null,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(pushEvent('registrya01')),
        })
      ).status,
    ).toBe(202);
    const cross = await ingest('registryb01', { key: primary });
    expect(cross.status).toBe(401);
    expect(await cross.json()).toEqual({ error: { code: 'AuthenticationFailed', message: 'The ingest key is not valid.' } });
    for (const [method, path] of [
      ['GET', '/registries/registrya01/webhooks'],
      ['POST', '/registries/registrya01/listIngestKeys'],
      ['POST', '/registries/registrya01/webhooks/firsthook01/getCallbackConfig'],
    ] as const) {
      const res = await api(svc, path, { method, key: primary });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
    expect((await ingest('registrya01', { key: INGEST_KEY })).status).toBe(202);
    const [newPrimary, sameSecondary] = await keysOf(
      await api(svc, '/registries/registrya01/regenerateIngestKey', { method: 'POST', json: { name: 'primary' } }),
    );
    expect(newPrimary).not.toBe(primary);
    expect(sameSecondary).toBe(secondary);
    expect((await ingest('registrya01', { key: primary })).status).toBe(401);
    expect((await ingest('registrya01', { key: newPrimary })).status).toBe(202);
    const bad = await api(svc, '/registries/registrya01/regenerateIngestKey', { method: 'POST', json: { name: 'tertiary' } });
    expect(bad.status).toBe(400);
  });

  it('two first listIngestKeys at once make one pair: both answers name the same keys, and both keys work', async () => {
    const listKeys = () => api(svc, '/registries/registryc01/listIngestKeys', { method: 'POST' });
    const [first, second] = await Promise.all([listKeys(), listKeys()]);
    const [a, b] = await Promise.all([keysOf(first), keysOf(second)]);
    expect(a).toEqual(b);
    expect((await ingest('registryc01', { key: a[1] })).status).toBe(202);
  });

  it('listIngestKeys needs Contributor on the registry (a Reader is refused), and keys never appear in other answers', async () => {
    const reader = randomUUID();
    await assign(registryScope('registryb01'), reader, READER);
    const refused = await api(svc, '/registries/registryb01/listIngestKeys', { method: 'POST', ...asToken(await issuer.token(reader)) });
    expect(await refused.json()).toEqual(
      forbidden(reader, 'Microsoft.ContainerRegistry/registries/listIngestKeys/action', registryScope('registryb01')),
    );
    const contributor = randomUUID();
    await assign(registryScope('registryb01'), contributor, CONTRIBUTOR);
    const [primary] = await keysOf(
      await api(svc, '/registries/registryb01/listIngestKeys', { method: 'POST', ...asToken(await issuer.token(contributor)) }),
    );
    const list = await (await api(svc, '/registries/registryb01/webhooks')).text();
    expect(list).not.toContain(primary);
    expect(svc.logs.join('\n')).not.toContain(primary);
  });
});

describe('the signing keys endpoint', () => {
  it('going down after start keeps known keys working; an unknown kid is then 401, never 500', async () => {
    const oid = randomUUID();
    await assign(registryScope('registrya01'), oid, READER);
    const token = await issuer.token(oid);
    expect((await api(svc, '/registries/registrya01/webhooks', asToken(token))).status).toBe(200);
    await issuer.close();
    expect((await api(svc, '/registries/registrya01/webhooks', asToken(await issuer.token(oid)))).status).toBe(200);
    const other = await issuer.newKey();
    const unknown = await api(
      svc,
      '/registries/registrya01/webhooks',
      asToken(await issuer.token(oid, {}, { kid: other.kid, key: other.privateKey })),
    );
    expect(unknown.status).toBe(401);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('InvalidAuthenticationToken');
  });
});
