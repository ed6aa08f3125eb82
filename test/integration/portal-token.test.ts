import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { renderPortalPage } from '../../shared/portal/portal-page.js';
import { collectPageErrors, DESKTOP, launchChromium, screenshot } from '../helpers/browser.js';
import { closeServer } from '../helpers/ports.js';
import { randomUUID } from 'node:crypto';
import { api, startService } from '../helpers/service.js';
import { startEntraIssuer, TEST_AUDIENCE } from '../helpers/entra-issuer.js';
import { ROLE } from '../helpers/roles.js';

/*
 * The page with a pasted Entra ID token (issue 19, item 7), in a real browser. The page is the one the
 * service serves (same markup, script and CSP); the management API behind it is a stand-in on a real
 * loopback socket that answers as ARM does for tokens, so this tests what the page sends and what it shows,
 * not how the service checks tokens (that has its own tests).
 */

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** Shaped like an Entra ID access token; only the stand-in reads it, and only as a string. */
const token = (oid: string) =>
  [b64url({ typ: 'JWT', alg: 'RS256', kid: 'test-kid' }), b64url({ aud: 'api://registry-webhooks', oid }), 'c2lnbmF0dXJl'].join('.');
const CONTRIBUTOR_OID = '11111111-1111-1111-1111-111111111111';
const STRANGER_OID = '22222222-2222-2222-2222-222222222222';
const CONTRIBUTOR_TOKEN = token(CONTRIBUTOR_OID);
const STRANGER_TOKEN = token(STRANGER_OID);
const EXPIRED_TOKEN = token('33333333-3333-3333-3333-333333333333');
const KEY = 'stand-in-management-key-0001';

const scopeOf = (registry: string) =>
  `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rw/providers/Microsoft.ContainerRegistry/registries/${registry}`;
/** ARM's words for a principal without the role. */
const refusal = (oid: string, registry: string) =>
  `The client with object id '${oid}' does not have authorization to perform action ` +
  `'Microsoft.ContainerRegistry/registries/webhooks/read' over scope '${scopeOf(registry)}' or the scope is invalid.`;

interface Call {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly functionsKey: string | undefined;
}

/**
 * The served page at /api/portal, and the webhooks list at /api/registries/{r}/webhooks answering by
 * credential; `calls` records every API call the page made, with the credential it sent.
 */
async function startStandIn(): Promise<{ url: string; calls: Call[]; close(): Promise<void> }> {
  const page = renderPortalPage();
  const calls: Call[] = [];
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '';
    if (path === '/api/portal') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': page.contentSecurityPolicy });
      res.end(page.html);
      return;
    }
    // The browser's own requests (the favicon) are not the page's calls.
    if (!path.startsWith('/api/')) {
      res.writeHead(404).end();
      return;
    }
    const authorization = req.headers.authorization;
    const functionsKey = req.headers['x-functions-key'];
    calls.push({
      method: req.method ?? '',
      path,
      authorization,
      functionsKey: typeof functionsKey === 'string' ? functionsKey : undefined,
    });
    const registry = /^\/api\/registries\/([^/]+)\/webhooks$/.exec(path)?.[1];
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' || registry === undefined) answer(404, { error: { code: 'NotFound', message: 'Not here.' } });
    else if (authorization === `Bearer ${CONTRIBUTOR_TOKEN}` || functionsKey === KEY) answer(200, { value: [] });
    else if (authorization === `Bearer ${EXPIRED_TOKEN}`)
      answer(
        401,
        { error: { code: 'InvalidAuthenticationToken', message: 'The access token is invalid.' } },
        { 'www-authenticate': 'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token"' },
      );
    else answer(403, { error: { code: 'AuthorizationFailed', message: refusal(STRANGER_OID, registry) } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, calls, close: () => closeServer(server) };
}

let standIn: Awaited<ReturnType<typeof startStandIn>>;
let browser: Browser;
beforeAll(async () => {
  [standIn, browser] = await Promise.all([startStandIn(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await standIn?.close();
});
beforeEach(() => {
  standIn.calls.length = 0;
});

async function openPortal(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: DESKTOP });
  const errors = collectPageErrors(page);
  await page.goto(`${standIn.url}/api/portal`);
  await page.getByRole('heading', { name: 'Connect to a registry' }).waitFor();
  return { page, errors };
}

async function connectWithToken(page: Page, registry: string, pasted: string): Promise<void> {
  await page.getByLabel('Registry name').fill(registry);
  await page.getByRole('group', { name: 'Sign in with' }).getByRole('radio', { name: 'Entra ID token' }).check();
  await page.getByLabel('Bearer token').fill(pasted);
  await page.getByRole('button', { name: 'Connect' }).click();
}

const stored = (page: Page) =>
  page.evaluate(() => ({
    registry: sessionStorage.getItem('rw.registry'),
    key: sessionStorage.getItem('rw.key'),
    token: sessionStorage.getItem('rw.token'),
    kept: localStorage.length,
  }));

describe('signing in with a bearer token', () => {
  it('sends Authorization: Bearer on every call instead of the key, keeps the token in this tab, and forgets it for a key', async () => {
    const { page, errors } = await openPortal();
    // The key is the default; choosing a token swaps the key's field for the token's.
    expect(await page.getByRole('radio', { name: 'Key' }).isChecked()).toBe(true);
    expect(await page.getByLabel('Bearer token').isHidden()).toBe(true);
    await page.getByRole('radio', { name: 'Entra ID token' }).check();
    expect(await page.getByLabel('Management key').isHidden()).toBe(true);
    expect(await page.getByLabel('Bearer token').isVisible()).toBe(true);
    await screenshot(page, 'desktop-8-connect-token');

    // Pasted as a terminal wraps it, with the scheme in front: sent as the token alone.
    await connectWithToken(page, 'tokenreg1', `Bearer ${CONTRIBUTOR_TOKEN.slice(0, 50)}\n${CONTRIBUTOR_TOKEN.slice(50)}\n`);
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await expect.poll(() => page.getByText('No webhooks yet.').isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => page.getByRole('status').innerText()).toBe('Webhooks refreshed.');
    const list = {
      method: 'GET',
      path: '/api/registries/tokenreg1/webhooks',
      authorization: `Bearer ${CONTRIBUTOR_TOKEN}`,
      functionsKey: undefined,
    };
    expect(standIn.calls).toEqual([list, list]);
    expect(await stored(page)).toEqual({ registry: 'tokenreg1', key: null, token: CONTRIBUTOR_TOKEN, kept: 0 });

    // Back to the form, which remembers the choice but not the token; a key now replaces the token.
    await page.getByRole('button', { name: 'Change registry or token' }).click();
    await page.getByRole('heading', { name: 'Connect to a registry' }).waitFor();
    expect(await stored(page)).toEqual({ registry: null, key: null, token: null, kept: 0 });
    expect(await page.getByRole('radio', { name: 'Entra ID token' }).isChecked()).toBe(true);
    expect(await page.getByLabel('Bearer token').inputValue()).toBe('');
    expect(await page.getByLabel('Registry name').inputValue()).toBe('tokenreg1');
    await page.getByRole('radio', { name: 'Key' }).check();
    await page.getByLabel('Management key').fill(KEY);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Change registry or key' }).waitFor();
    expect(standIn.calls.slice(2)).toEqual([{ ...list, authorization: undefined, functionsKey: KEY }]);
    expect(await stored(page)).toEqual({ registry: 'tokenreg1', key: KEY, token: null, kept: 0 });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows the service's 401 and 403 as it words them, and lets the person paste another token", async () => {
    const { page, errors } = await openPortal();
    await connectWithToken(page, 'tokenreg2', EXPIRED_TOKEN);
    await expect
      .poll(() => page.getByRole('alert').innerText())
      .toBe('The access token is invalid. Use "Change registry or token" to paste another token.');

    await page.getByRole('button', { name: 'Change registry or token' }).click();
    await connectWithToken(page, 'tokenreg2', STRANGER_TOKEN);
    // A token without the role: the refusal names the principal, the action and the scope, word for word.
    await expect.poll(() => page.getByRole('alert').innerText()).toBe(refusal(STRANGER_OID, 'tokenreg2'));
    expect(await page.getByText('No webhooks yet.').isHidden()).toBe(true);
    await screenshot(page, 'desktop-9-token-refused');

    await page.getByRole('button', { name: 'Change registry or token' }).click();
    await connectWithToken(page, 'tokenreg2', CONTRIBUTOR_TOKEN);
    await expect.poll(() => page.getByText('No webhooks yet.').isVisible()).toBe(true);
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(standIn.calls.map((c) => [c.path, c.authorization, c.functionsKey])).toEqual(
      [EXPIRED_TOKEN, STRANGER_TOKEN, CONTRIBUTOR_TOKEN].map((t) => ['/api/registries/tokenreg2/webhooks', `Bearer ${t}`, undefined]),
    );
    expect(errors).toEqual([]);
    await page.close();
  });

  it('checks what was pasted before sending anything', async () => {
    const { page, errors } = await openPortal();
    const field = page.getByLabel('Bearer token');
    await connectWithToken(page, 'tokenreg3', '');
    await expect.poll(() => page.locator('#connect-token-error').innerText()).toBe('Paste an access token.');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await field.evaluate((e) => e === document.activeElement)).toBe(true);

    // The whole JSON that `az account get-access-token` prints, rather than its accessToken.
    await field.fill(JSON.stringify({ accessToken: CONTRIBUTOR_TOKEN, tokenType: 'Bearer' }, null, 2));
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect
      .poll(() => page.locator('#connect-token-error').innerText())
      .toBe('Paste the access token alone: letters, digits and - . _ ~ + / only.');

    await field.fill('x'.repeat(12_289));
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect
      .poll(() => page.locator('#connect-token-error').innerText())
      .toBe('This is longer than an access token (12288 characters at most).');

    // Going back to the key drops the token's message; nothing was sent or kept.
    await page.getByRole('radio', { name: 'Key' }).check();
    expect(await page.locator('#connect-token-error').innerText()).toBe('');
    expect(standIn.calls).toEqual([]);
    expect(await stored(page)).toEqual({ registry: null, key: null, token: null, kept: 0 });
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('signing in with a token against the real service', () => {
  it("a Reader's minted token lists the registry's webhooks; a token without an assignment gets the service's 403", async () => {
    const issuer = await startEntraIssuer();
    const svc = await startService({ ENTRA_TENANTS: issuer.tenant, ENTRA_AUDIENCES: TEST_AUDIENCE, ENTRA_AUTHORITY: issuer.authority });
    try {
      const created = await api(svc, '/registries/portalreal1/webhooks/realhook01', {
        method: 'PUT',
        json: { location: 'westus', properties: { serviceUri: 'https://example.com/hook', actions: ['push'] } },
      });
      expect(created.status).toBe(201);
      const reader = randomUUID();
      const scope = `/subscriptions/${svc.config.defaultSubscriptionId}/resourceGroups/${svc.config.defaultResourceGroup}/providers/Microsoft.ContainerRegistry/registries/portalreal1`;
      const assigned = await api(svc, `${scope}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?api-version=2022-04-01`, {
        method: 'PUT',
        json: { properties: { roleDefinitionId: ROLE.Reader, principalId: reader } },
      });
      expect(assigned.status).toBe(201);

      const page = await browser.newPage({ viewport: DESKTOP });
      const errors = collectPageErrors(page);
      await page.goto(`${svc.url}/portal`);
      await page.getByRole('heading', { name: 'Connect to a registry' }).waitFor();
      await connectWithToken(page, 'portalreal1', await issuer.token(reader));
      await expect.poll(() => page.getByText('realhook01').first().isVisible()).toBe(true);

      await page.getByRole('button', { name: 'Change registry or token' }).click();
      const stranger = randomUUID();
      await connectWithToken(page, 'portalreal1', await issuer.token(stranger));
      await expect
        .poll(() => page.getByRole('alert').innerText())
        .toBe(
          `The client with object id '${stranger}' does not have authorization to perform action 'Microsoft.ContainerRegistry/registries/webhooks/read' over scope '${scope}' or the scope is invalid. If access was recently granted, refresh your credentials.`,
        );
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await svc.close();
      await issuer.close();
    }
  });
});
