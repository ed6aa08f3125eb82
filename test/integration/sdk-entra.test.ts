import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerRegistryManagementClient } from '@azure/arm-containerregistry';
import { AuthorizationManagementClient } from '@azure/arm-authorization';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { isRestError } from '@azure/core-rest-pipeline';
import { MANAGEMENT_KEY, startService, type TestService } from '../helpers/service.js';
import { startEntraIssuer, TEST_AUDIENCE, type EntraIssuer } from '../helpers/entra-issuer.js';
import { ROLE } from '../helpers/roles.js';
import { makeDevCert, type DevCert } from '../helpers/dev-cert.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

/*
 * The official SDKs, unchanged, with their real bearer-token policy: over HTTPS (the policy refuses
 * http), with a TokenCredential that hands out tokens minted by the loopback issuer and records the
 * scopes the SDK asked for. Only the trust of the dev certificate is added (the pipeline's tlsOptions).
 */

const SUB = '0b1f6471-1bf0-4dda-aec3-111122223333';
const RG = 'sdk-rg';
const REGISTRY = 'sdkentrareg1';
const { Owner: OWNER, Reader: READER } = ROLE;
const SCOPE = `${TEST_AUDIENCE}/.default`;
const registryScope = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ContainerRegistry/registries/${REGISTRY}`;

let svc: TestService;
let issuer: EntraIssuer;
let cert: DevCert;
let rx: Receiver;

/** A credential as @azure/identity's are shaped: tokens for the scopes asked, each request recorded. */
function mintingCredential(oid: string): TokenCredential & { scopes: string[][] } {
  const scopes: string[][] = [];
  return {
    scopes,
    async getToken(asked): Promise<AccessToken> {
      scopes.push(Array.isArray(asked) ? [...asked] : [asked]);
      return { token: await issuer.token(oid), expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}

const clientOptions = () => ({
  endpoint: svc.url,
  credentials: { scopes: [SCOPE] },
  tlsOptions: { ca: cert.cert.toString() },
  retryOptions: { maxRetries: 0 },
});

beforeAll(async () => {
  cert = makeDevCert();
  issuer = await startEntraIssuer();
  rx = await startReceiver();
  svc = await startService(
    { ENTRA_TENANTS: issuer.tenant, ENTRA_AUDIENCES: TEST_AUDIENCE, ENTRA_AUTHORITY: issuer.authority },
    undefined,
    {},
    { tls: { cert: cert.cert, key: cert.key } },
  );
  expect(svc.url.startsWith('https://')).toBe(true);
});

afterAll(async () => {
  await svc?.close();
  await issuer?.close();
  await rx?.close();
  cert?.remove();
});

describe('the official SDKs with Entra ID tokens over https', () => {
  it('@azure/arm-authorization (as an Owner of the subscription) creates, gets, lists and deletes an assignment', async () => {
    const owner = randomUUID();
    // The first Owner is made by the administrator (the management key), as a subscription's first owner is.
    const seedName = randomUUID();
    const seed = await fetchWithKey(`/subscriptions/${SUB}/providers/Microsoft.Authorization/roleAssignments/${seedName}`, {
      properties: { roleDefinitionId: OWNER, principalId: owner },
    });
    expect(seed).toBe(201);
    const credential = mintingCredential(owner);
    // This SDK reads its token scope from `credentialScopes` (arm-containerregistry from `credentials.scopes`).
    const client = new AuthorizationManagementClient(credential, SUB, { ...clientOptions(), credentialScopes: [SCOPE] });
    const principalId = randomUUID();
    const name = randomUUID();
    const created = await client.roleAssignments.create(registryScope, name, {
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${READER}`,
      principalId,
      principalType: 'ServicePrincipal',
    });
    expect(created).toMatchObject({
      id: `${registryScope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
      name,
      type: 'Microsoft.Authorization/roleAssignments',
      scope: registryScope,
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${READER}`,
      principalId,
      principalType: 'ServicePrincipal',
    });
    expect((await client.roleAssignments.get(registryScope, name)).principalId).toBe(principalId);
    // The form the README advises against Azure's router: no leading slash, so no '//' in the URL.
    expect((await client.roleAssignments.get(registryScope.slice(1), name)).id).toBe(created.id);
    const listed = [];
    for await (const a of client.roleAssignments.listForScope(registryScope, { filter: 'atScope()' })) listed.push(a.name);
    // At the registry and above (the subscription's Owner), as ARM lists atScope().
    expect(listed.sort()).toEqual([name, seedName].sort());
    const deleted = await client.roleAssignments.delete(registryScope, name);
    expect(deleted.name).toBe(name);
    await expect(client.roleAssignments.get(registryScope, name)).rejects.toMatchObject({
      statusCode: 404,
      code: 'RoleAssignmentNotFound',
    });
    // The SDK asked its credential for the scope it was given, and only that.
    expect(new Set(credential.scopes.map((s) => s.join(' ')))).toEqual(new Set([SCOPE]));
  });

  it('@azure/arm-containerregistry manages webhooks as a Contributor; a Reader is refused with AuthorizationFailed', async () => {
    const contributor = randomUUID();
    const reader = randomUUID();
    for (const [principalId, roleDefinitionId] of [
      [contributor, ROLE.Contributor],
      [reader, READER],
    ] as const) {
      expect(
        await fetchWithKey(`${registryScope}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}`, {
          properties: { roleDefinitionId, principalId },
        }),
      ).toBe(201);
    }
    const credential = mintingCredential(contributor);
    const client = new ContainerRegistryManagementClient(credential, SUB, clientOptions());
    const hook = await client.webhooks.beginCreateAndWait(
      RG,
      REGISTRY,
      'sdkhook01',
      { location: 'westus', serviceUri: `${rx.url}/sdk`, actions: ['push'], customHeaders: { authorization: 'secret' } },
      { updateIntervalInMs: 10 },
    );
    expect(hook).toMatchObject({ name: 'sdkhook01', status: 'enabled', actions: ['push'], provisioningState: 'Succeeded' });
    const config = await client.webhooks.getCallbackConfig(RG, REGISTRY, 'sdkhook01');
    expect(config).toEqual({ serviceUri: `${rx.url}/sdk`, customHeaders: { authorization: 'secret' } });
    const names = [];
    for await (const w of client.webhooks.list(RG, REGISTRY)) names.push(w.name);
    expect(names).toEqual(['sdkhook01']);
    expect((await client.webhooks.ping(RG, REGISTRY, 'sdkhook01')).id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(credential.scopes.map((s) => s.join(' ')))).toEqual(new Set([SCOPE]));

    const readerClient = new ContainerRegistryManagementClient(mintingCredential(reader), SUB, clientOptions());
    expect((await readerClient.webhooks.get(RG, REGISTRY, 'sdkhook01')).name).toBe('sdkhook01');
    const refused = await readerClient.webhooks.beginDeleteAndWait(RG, REGISTRY, 'sdkhook01', { updateIntervalInMs: 10 }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isRestError(refused) && refused.statusCode).toBe(403);
    expect(isRestError(refused) && refused.code).toBe('AuthorizationFailed');
    expect((await client.webhooks.get(RG, REGISTRY, 'sdkhook01')).name).toBe('sdkhook01');
  });
});

/** A management-key call over https (the administrator), trusting the dev certificate. */
async function fetchWithKey(path: string, json: unknown): Promise<number> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(json);
    const req = request(
      `${svc.url}${path}?api-version=2022-04-01`,
      { method: 'PUT', ca: cert.cert, headers: { 'x-functions-key': MANAGEMENT_KEY, 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
