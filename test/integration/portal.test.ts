import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { api, INGEST_KEY, MANAGEMENT_KEY, startService, type TestService } from '../helpers/service.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { drained } from '../helpers/drained.js';
import { collectPageErrors, DESKTOP, launchChromium, PHONE, screenshot } from '../helpers/browser.js';

/*
 * The portal page in a real browser against the real local host and a real receiver. The Ping ->
 * "200 OK" flow is in cli-pipeline.test.ts.
 */
let svc: TestService;
let browser: Browser;
let rx: Receiver;
beforeAll(async () => {
  [svc, browser, rx] = await Promise.all([startService({ DELIVERY_RETRY_SCHEDULE: 'none' }), launchChromium(), startReceiver()]);
});
afterAll(async () => {
  await browser?.close();
  await svc?.close();
  await rx?.close();
});

/** `pausedClock`: the page's timers run only when the test moves its clock (Playwright's `page.clock`). */
async function openPortal(viewport = DESKTOP, { pausedClock = false } = {}): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport });
  const errors = collectPageErrors(page);
  if (pausedClock) {
    const start = Date.parse('2026-05-01T13:00:00Z');
    await page.clock.install({ time: start });
    await page.clock.pauseAt(start + 60_000);
  }
  await page.goto(`${svc.url}/portal`);
  return { page, errors };
}

async function connect(page: Page, registry: string): Promise<void> {
  await page.getByLabel('Registry name').fill(registry);
  await page.getByLabel('Management key').fill(MANAGEMENT_KEY);
  await page.getByLabel('Management key').press('Enter');
  await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
}

const rowsOf = (page: Page, table: string) =>
  page
    .locator(`#${table} tbody tr`)
    .evaluateAll((rows) => rows.map((r) => Array.from(r.querySelectorAll('td'), (td) => td.innerText.trim())));

describe('GET /api/portal', () => {
  it('serves one static page, anonymous, with a strict hash-based CSP and no secret in it', async () => {
    const res = await fetch(`${svc.url}/portal`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toMatch(
      /^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/]{43}='; style-src 'sha256-[A-Za-z0-9+/]{43}='; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'$/,
    );
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    for (const secret of [...svc.config.managementKeys, ...svc.config.ingestKeys]) expect(html).not.toContain(secret);
  });
});

describe('the Webhooks blade', () => {
  it('connects, creates through the form (client and server errors shown), lists, disables, reveals config, deletes', async () => {
    const { page, errors } = await openPortal();
    await page.getByRole('heading', { name: 'Connect to a registry' }).waitFor();
    await screenshot(page, 'desktop-1-connect');

    await connect(page, 'portalreg1');
    // The key is kept for this tab only.
    expect(await page.evaluate(() => [sessionStorage.getItem('rw.key'), localStorage.length])).toEqual([MANAGEMENT_KEY, 0]);
    await expect.poll(() => page.locator('#list-empty').isVisible()).toBe(true);

    await page.getByRole('link', { name: 'Add' }).click();
    await page.getByRole('heading', { name: 'Create webhook' }).waitFor();
    const name = page.getByLabel('Webhook name');
    expect(await name.evaluate((e) => e === document.activeElement)).toBe(true);

    // Checked as you type.
    await name.pressSequentially('Bad');
    await expect.poll(() => page.locator('#add-name-error').innerText()).toBe('Use 5-50 lowercase letters and digits only.');
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Service URI').fill('ftp://example.com/hook');
    await page.getByLabel('push', { exact: true }).check();
    await page.getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => page.locator('#add-error').innerText()).toBe('Fix the highlighted fields.');
    await screenshot(page, 'desktop-2-add-client-error');
    expect((await api(svc, '/registries/portalreg1/webhooks')).status).toBe(200);
    expect(await (await api(svc, '/registries/portalreg1/webhooks')).json()).toEqual({ value: [] });

    await name.fill('portalhook1');
    await name.dispatchEvent('input');
    await expect.poll(() => page.locator('#add-name-error').innerText()).toBe('');
    await page.getByLabel('Custom headers').fill('Authorization: Basic 000000\nX-Team: a');
    await page.getByLabel('delete', { exact: true }).check();
    await page.getByLabel('Scope').fill('hello-world:*');
    await page.getByRole('button', { name: 'Create' }).click();
    // The service refuses the ftp: URI; its message is shown on the form and on the field.
    await expect
      .poll(() => page.locator('#add-error').innerText())
      .toBe(
        'The request is invalid. properties.serviceUri: serviceUri must be an absolute http or https URL, for example https://example.com/hook.',
      );
    expect(await page.getByLabel('Service URI').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'desktop-3-add-server-error');

    await page.getByLabel('Service URI').fill('https://example.com/hook');
    // Multi-arch coalescing is off unless asked for.
    const multiArch = page.getByLabel('One event per multi-arch image');
    expect(await multiArch.isChecked()).toBe(false);
    await multiArch.check();
    // The rate limit is empty (no limit) unless given; the page refuses what the service would.
    const rateLimit = page.getByLabel('Rate limit (requests per second)');
    expect(await rateLimit.inputValue()).toBe('');
    await rateLimit.fill('2.5');
    await page.getByRole('button', { name: 'Create' }).click();
    await expect
      .poll(() => page.locator('#add-rate-limit-error').innerText())
      .toBe('Enter a whole number from 1 to 1000, or leave it empty for no limit.');
    expect(await rateLimit.getAttribute('aria-invalid')).toBe('true');
    expect(await (await api(svc, '/registries/portalreg1/webhooks')).json()).toEqual({ value: [] });
    await rateLimit.fill('25');
    // ACR's payload and every event unless asked otherwise.
    const format = page.getByLabel('Payload format');
    expect(await format.inputValue()).toBe('acr');
    await format.selectOption({ label: 'Microsoft Teams card' });
    const skip = page.getByLabel('Skip them');
    expect(await skip.isChecked()).toBe(false);
    await skip.check();
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'portalhook1', level: 1 }).waitFor();
    await expect.poll(() => page.locator('#prop-multi-arch').innerText()).toBe('One event per image (coalesced)');
    await expect.poll(() => page.locator('#prop-rate-limit').innerText()).toBe('25 requests per second');
    await expect.poll(() => page.locator('#prop-payload-format').innerText()).toBe('Microsoft Teams card');
    await expect.poll(() => page.locator('#prop-skip-referrers').innerText()).toBe('Skipped (listed, not sent)');
    expect(
      (
        (await (await api(svc, '/registries/portalreg1/webhooks/portalhook1')).json()) as {
          properties: { multiArch?: string; rateLimitPerSecond?: number };
        }
      ).properties,
    ).toMatchObject({ multiArch: 'coalesced', rateLimitPerSecond: 25, payloadFormat: 'teams', skipReferrers: true });
    expect(await page.getByRole('status').innerText()).toBe("Webhook 'portalhook1' created.");
    expect(await (await api(svc, '/registries/portalreg1/webhooks/portalhook1/getCallbackConfig', { method: 'POST' })).json()).toEqual({
      serviceUri: 'https://example.com/hook',
      customHeaders: { Authorization: 'Basic 000000', 'X-Team': 'a' },
      signingSecret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{32}$/),
    });

    // The list, with az's columns.
    await page.getByRole('link', { name: '← Webhooks' }).click();
    await expect
      .poll(() => rowsOf(page, 'webhooks-table'))
      .toEqual([['portalhook1', 'eastus', 'push, delete', 'hello-world:*', 'enabled', 'no attempts']]);
    expect((await page.locator('#webhooks-table thead').innerText()).trim()).toBe('NAME\tLOCATION\tACTIONS\tSCOPE\tSTATUS\tHEALTH');
    await screenshot(page, 'desktop-4-list');

    // The webhook's page: disable, configuration on request.
    await page.getByRole('link', { name: 'portalhook1' }).click();
    await page.getByRole('heading', { name: 'portalhook1', level: 1 }).waitFor();
    expect((await page.locator('#events-table thead').innerText()).trim()).toBe('ID\tACTION\tIMAGE\tHTTP STATUS\tTIMESTAMP');
    expect(await page.locator('#config').isHidden()).toBe(true);
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('button', { name: 'Enable' }).waitFor();
    await expect.poll(() => page.locator('#prop-status').innerText()).toBe('disabled');
    expect(
      ((await (await api(svc, '/registries/portalreg1/webhooks/portalhook1')).json()) as { properties: { status: string } }).properties
        .status,
    ).toBe('disabled');
    await page.getByRole('button', { name: 'Show configuration' }).click();
    await expect.poll(() => page.locator('#config-uri').innerText()).toBe('https://example.com/hook');
    await expect.poll(() => page.locator('#config-headers').innerText()).toBe('Authorization: Basic 000000\nX-Team: a');
    expect(await page.getByRole('button', { name: 'Hide configuration' }).getAttribute('aria-expanded')).toBe('true');
    await screenshot(page, 'desktop-5-detail');

    // Delete asks first; Cancel keeps it.
    await page.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete webhook' });
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain("Delete the webhook 'portalhook1'?");
    await screenshot(page, 'desktop-6-delete-confirm');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await api(svc, '/registries/portalreg1/webhooks/portalhook1')).status).toBe(200);
    await page.getByRole('button', { name: 'Delete' }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await expect.poll(() => page.getByRole('status').innerText()).toBe("Webhook 'portalhook1' deleted.");
    expect((await api(svc, '/registries/portalreg1/webhooks/portalhook1')).status).toBe(404);
    await expect.poll(() => page.locator('#list-empty').isVisible()).toBe(true);

    expect(errors).toEqual([]);
    await page.close();
  });

  it("sends to a queue: the 'Endpoint type' select shows the connection string and TTL fields, and the webhook's page its type", async () => {
    const { page, errors } = await openPortal();
    await connect(page, 'portalreg6');
    await page.getByRole('link', { name: 'Add' }).click();
    await page.getByRole('heading', { name: 'Create webhook' }).waitFor();
    const type = page.getByLabel('Endpoint type');
    expect(await type.inputValue()).toBe('WebHook');
    expect(await page.getByLabel('Connection string').isHidden()).toBe(true);
    await type.selectOption({ label: 'Storage Queue' });
    expect(await page.getByLabel('Service URI').getAttribute('placeholder')).toBe('https://myaccount.queue.core.windows.net/myqueue');
    await page.getByLabel('Webhook name').fill('portalqueue');
    await page.getByLabel('Service URI').fill(`${svc.azurite.queueEndpoint}/portal-events`);
    await page.getByLabel('Connection string').fill('UseDevelopmentStorage=true');
    await page.getByLabel('Message time to live (seconds)').fill('soon');
    await page.getByLabel('push', { exact: true }).check();
    await page.getByRole('button', { name: 'Create' }).click();
    await expect
      .poll(() => page.locator('#add-queue-ttl-error').innerText())
      .toBe('Enter whole seconds, or -1 for messages that never expire.');
    await page.getByLabel('Message time to live (seconds)').fill('3600');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'portalqueue', level: 1 }).waitFor();
    await expect.poll(() => page.locator('#prop-endpoint-type').innerText()).toBe('Storage Queue');
    const hook = (await (await api(svc, '/registries/portalreg6/webhooks/portalqueue')).json()) as { properties: Record<string, unknown> };
    expect(hook.properties).toMatchObject({ endpointType: 'StorageQueue', queueMessageTimeToLiveSeconds: 3600 });
    await page.getByRole('button', { name: 'Show configuration' }).click();
    await expect.poll(() => page.locator('#config-connection').innerText()).toBe('UseDevelopmentStorage=true');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('refuses a name that exists and shows a wrong key as the service says', async () => {
    await api(svc, '/registries/portalreg2/webhooks/taken0001', {
      method: 'PUT',
      json: { location: 'westus', properties: { serviceUri: 'https://e.example.com', actions: ['push'] } },
    });
    const { page } = await openPortal();
    await page.getByLabel('Registry name').fill('portalreg2');
    await page.getByLabel('Management key').fill('wrong-key-wrong-key-wrong');
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect
      .poll(() => page.locator('#list-error').innerText())
      .toBe('The management key is not valid. Use "Change registry or key" to enter another key.');
    await page.getByRole('button', { name: 'Change registry or key' }).click();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await connect(page, 'portalreg2');
    await page.getByRole('link', { name: 'Add' }).click();
    await page.getByLabel('Webhook name').pressSequentially('taken0001');
    // The page checks the name against the list it loaded: wait for the message rather than read it at once.
    await expect.poll(() => page.locator('#add-name-error').innerText()).toBe("A webhook named 'taken0001' already exists.");
    await page.close();
  });
});

describe('the events table', () => {
  it('shows real deliveries as az lays them out, opens request and response on click, redelivers, and refreshes', async () => {
    await api(svc, '/registries/portalreg4/webhooks/eventhook1', {
      method: 'PUT',
      json: { location: 'westus', properties: { serviceUri: `${rx.url}/hook`, actions: ['push', 'delete'] } },
    });
    const push = {
      id: 'portal-push-1',
      timestamp: '2026-05-01T12:34:56.789Z',
      action: 'push',
      target: { repository: 'hello-world', tag: 'v1', digest: 'sha256:' + 'a'.repeat(64) },
    };
    const del = {
      id: 'portal-delete-1',
      timestamp: '2026-05-01T12:40:00.000Z',
      action: 'delete',
      target: { repository: 'hello-world', digest: 'sha256:' + 'a'.repeat(64) },
    };
    const ingest = (event: unknown) => api(svc, '/registries/portalreg4/events', { method: 'POST', key: INGEST_KEY, json: event });
    rx.script.push({ status: 200, body: 'ok' }, { status: 503, headers: { 'retry-after': '30' }, body: 'upstream unavailable' });
    expect((await ingest(push)).status).toBe(202);
    await rx.waitFor(1, 10_000, '/hook');
    expect((await ingest(del)).status).toBe(202);
    await rx.waitFor(2, 10_000, '/hook');

    const { page, errors } = await openPortal(DESKTOP, { pausedClock: true });
    // Observed, not answered: the page's requests go to the real host.
    let listCalls = 0;
    page.on('request', (r) => {
      if (r.url().includes('/webhooks/eventhook1/listEvents')) listCalls++;
    });
    await connect(page, 'portalreg4');
    await page.getByRole('link', { name: 'eventhook1' }).click();
    // Made without a rate limit: the page says there is none.
    await expect.poll(() => page.locator('#prop-rate-limit').innerText()).toBe('No limit');
    await expect
      .poll(() => rowsOf(page, 'events-table'), { timeout: 10_000 })
      .toEqual([
        ['portal-delete-1', 'delete', 'hello-world', '503 Service Unavailable', '2026-05-01T12:40:00.000Z'],
        ['portal-push-1', 'push', 'hello-world:v1', '200 OK', '2026-05-01T12:34:56.789Z'],
      ]);
    // Keyboard: the event id is a button.
    await page.getByRole('button', { name: 'Show request and response of event portal-delete-1' }).press('Enter');
    await page.getByRole('heading', { name: 'Event portal-delete-1' }).waitFor();
    const response = await page.locator('#event-response').innerText();
    expect(response.split('\n')[0]).toBe('503 Service Unavailable');
    expect(response).toContain('retry-after: 30');
    expect(response.endsWith('upstream unavailable')).toBe(true);
    const request = (await page.locator('#event-request').innerText()).split('\n');
    expect(request[0]).toBe(`POST ${rx.url}/hook`);
    expect(request).toContain('content-type: application/json');
    expect(request).toContain('webhook-signature: ***');
    expect(JSON.parse(request.slice(request.indexOf('') + 1).join('\n'))).toEqual(del);
    await screenshot(page, 'desktop-7-event');

    rx.script.push({ status: 200, body: 'ok now' });
    await page.getByRole('button', { name: 'Redeliver' }).click();
    await expect.poll(() => page.getByRole('status').innerText()).toBe('Event portal-delete-1 sent again: succeeded.');
    expect(rx.forPath('/hook')).toHaveLength(3);
    expect(JSON.parse(rx.forPath('/hook')[2]!.body)).toEqual(del);
    await expect.poll(() => rowsOf(page, 'events-table').then((rows) => rows[0]?.[3])).toBe('200 OK');
    // The table refreshes by itself every 5 s: a delivery recorded after the page loaded its table shows
    // up when the page's clock reaches 5 s, with no click and exactly one more listEvents.
    const later = { ...push, id: 'portal-push-2', timestamp: '2026-05-01T12:50:00.000Z', target: { ...push.target, tag: 'v2' } };
    expect((await ingest(later)).status).toBe(202);
    await rx.waitFor(4, 10_000, '/hook');
    await drained(svc.azurite.connectionString); // its record is final
    const before = listCalls;
    await page.clock.runFor(4_999);
    expect((await rowsOf(page, 'events-table')).map((r) => r[0])).not.toContain('portal-push-2');
    await page.clock.runFor(1);
    await expect
      .poll(() => rowsOf(page, 'events-table').then((rows) => rows[0]))
      .toEqual(['portal-push-2', 'push', 'hello-world:v2', '200 OK', '2026-05-01T12:50:00.000Z']);
    expect(listCalls).toBe(before + 1);
    expect(await page.locator('#event-detail').isVisible()).toBe(true);
    await page.setViewportSize(PHONE);
    await screenshot(page, 'phone-5-event');
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('delivery health and recover', () => {
  it('shows a failing webhook with its badge on the list and its page, links the API reference, and recovers from the page', async () => {
    const res = await api(svc, '/registries/portalheal1/webhooks/portalheal', {
      method: 'PUT',
      json: { location: 'westus', properties: { serviceUri: `${rx.url}/portalheal`, actions: ['push'] } },
    });
    expect(res.status).toBe(201);
    rx.script.push({ status: 500 });
    const event = {
      id: `heal-${Date.now()}`,
      timestamp: new Date().toISOString(),
      action: 'push',
      target: { repository: 'app', tag: 'v1' },
    };
    expect((await api(svc, '/registries/portalheal1/events', { method: 'POST', key: INGEST_KEY, json: event })).status).toBe(202);
    await expect
      .poll(
        async () =>
          (
            (await (await api(svc, '/registries/portalheal1/webhooks/portalheal')).json()) as {
              properties: { deliveryHealth: { failingSince?: string } };
            }
          ).properties.deliveryHealth.failingSince,
        { timeout: 10_000 },
      )
      .toBeDefined();

    const { page, errors } = await openPortal();
    await connect(page, 'portalheal1');
    await expect.poll(() => rowsOf(page, 'webhooks-table')).toEqual([['portalheal', 'westus', 'push', 'All events', 'enabled', 'failing']]);
    expect(await page.getByRole('link', { name: 'API reference (OpenAPI)' }).getAttribute('href')).toBe('openapi.json');
    await page.getByRole('link', { name: 'portalheal' }).click();
    await page.getByRole('heading', { name: 'portalheal', level: 1 }).waitFor();
    await expect
      .poll(() => page.locator('#prop-health').innerText())
      .toMatch(/^failing 1 failed attempts in a row since \S+; last failure \S+$/);

    // Recover from an hour ago: the failed delivery goes again (the receiver answers 200 now).
    const anHourAgo = await page.evaluate(() =>
      new Date(Date.now() - 3_600_000 - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 19),
    );
    await page.getByLabel('Received since').fill(anHourAgo);
    await page.getByRole('button', { name: 'Recover' }).click();
    await expect.poll(() => page.getByRole('status').innerText()).toBe("Recover: 1 delivery of 'portalheal' queued again.");
    const sent = await rx.waitFor(2, 10_000, '/portalheal');
    expect(sent.map((r) => r.headers['webhook-id'])).toEqual([event.id, event.id]);
    await expect.poll(() => rowsOf(page, 'events-table').then((rows) => rows[0]?.[3]), { timeout: 10_000 }).toBe('200 OK');
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('on a phone', () => {
  it('shows the list as cards, and the form and the webhook page in one column', async () => {
    await api(svc, '/registries/portalreg3/webhooks/phonehook1', {
      method: 'PUT',
      json: { location: 'westus', properties: { serviceUri: 'https://e.example.com', actions: ['push', 'delete'], scope: 'team/app:*' } },
    });
    const { page, errors } = await openPortal(PHONE);
    await screenshot(page, 'phone-1-connect');
    await connect(page, 'portalreg3');
    await expect
      .poll(() => rowsOf(page, 'webhooks-table'))
      .toEqual([['phonehook1', 'westus', 'push, delete', 'team/app:*', 'enabled', 'no attempts']]);
    // No horizontal scrolling at phone width.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await screenshot(page, 'phone-2-list');
    await page.getByRole('link', { name: 'Add' }).click();
    await page.getByRole('heading', { name: 'Create webhook' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await screenshot(page, 'phone-3-add');
    await page.goto(`${svc.url}/portal#/webhooks/phonehook1`);
    await page.getByRole('heading', { name: 'phonehook1', level: 1 }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await screenshot(page, 'phone-4-detail');
    expect(errors).toEqual([]);
    await page.close();
  });
});
