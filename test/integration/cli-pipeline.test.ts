import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { api, INGEST_KEY, MANAGEMENT_KEY, startService, type TestService } from '../helpers/service.js';
import { cliFor } from '../helpers/run-cli.js';
import { collectPageErrors, DESKTOP, launchChromium, screenshot } from '../helpers/browser.js';

/* The CLI and the page against the delivery pipeline: ping, list-events, redeliver, rotate-secret, event send. */
const PIPELINE_SETTINGS: Record<string, string> = { ALLOW_PRIVATE_TARGETS: 'true' };

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

/** A fake receiver: records each POST and answers 200 with a small JSON body. */
function startReceiver(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(text) as unknown });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received }),
    ),
  );
}

let svc: TestService;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let cli: ReturnType<typeof cliFor>;
beforeAll(async () => {
  [svc, receiver] = await Promise.all([startService(PIPELINE_SETTINGS), startReceiver()]);
  cli = cliFor(svc.url, MANAGEMENT_KEY, { REGISTRY_WEBHOOKS_INGEST_KEY: INGEST_KEY });
  const run = await cli(
    'webhook',
    'create',
    '-n',
    'pipehook01',
    '-r',
    'piperegistry',
    '--uri',
    receiver.url,
    '--actions',
    'push',
    'delete',
  );
  expect(run.code).toBe(0);
});
afterAll(async () => {
  await new Promise((resolve) => receiver.server.close(resolve));
  await svc.close();
});

const uuidish = /^[0-9A-Za-z-]{8,}$/;

async function eventsTable(): Promise<string[]> {
  const run = await cli('webhook', 'list-events', '-n', 'pipehook01', '-r', 'piperegistry', '-o', 'table');
  expect(run.stderr).toBe('');
  return run.stdout.split('\n').filter(Boolean);
}

describe('webhook ping', () => {
  it('prints the id (json and table) and the ping shows up in list-events as 200 OK', async () => {
    const json = await cli('webhook', 'ping', '-n', 'pipehook01', '-r', 'piperegistry');
    expect(json.code).toBe(0);
    const { id } = JSON.parse(json.stdout) as { id: string };
    expect(id).toMatch(uuidish);
    const table = await cli('webhook', 'ping', '-n', 'pipehook01', '-r', 'piperegistry', '-o', 'table');
    expect(table.stdout).toMatch(/^ID\s*\n-+\n\S+\n$/);
    await expect
      .poll(async () => (await eventsTable()).find((line) => line.startsWith(id)), { timeout: 15_000 })
      .toMatch(new RegExp(`^${id}\\s+ping\\s+200 OK\\s+\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$`));
    expect((await eventsTable()).slice(0, 2)).toEqual([
      expect.stringMatching(/^ID\s+ACTION\s+IMAGE\s+HTTP STATUS\s+TIMESTAMP$/),
      expect.stringMatching(/^-+\s+-+\s+-+\s+-+\s+-+$/),
    ]);
  });
});

describe('event send', () => {
  it('posts an ACR push event that is delivered and listed as repo:tag', async () => {
    const run = await cli('event', 'send', '-r', 'piperegistry', '--repository', 'hello-world', '--tag', 'v1');
    expect(run.code).toBe(0);
    const sent = JSON.parse(run.stdout) as { id: string; target: { digest: string } };
    await expect
      .poll(() => receiver.received.find((r) => (r.body as { action?: string }).action === 'push')?.body, { timeout: 15_000 })
      .toEqual({
        id: expect.any(String),
        timestamp: expect.any(String),
        action: 'push',
        target: {
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          size: 524,
          digest: sent.target.digest,
          length: 524,
          repository: 'hello-world',
          tag: 'v1',
        },
        request: { id: expect.any(String), host: 'piperegistry.azurecr.io', method: 'PUT', useragent: 'registry-webhooks-cli' },
      });
    await expect
      .poll(async () => (await eventsTable()).some((line) => /\spush\s+hello-world:v1\s+200 OK\s/.test(line)), { timeout: 15_000 })
      .toBe(true);
  });

  it('posts a delete event, listed by repository alone', async () => {
    const run = await cli('event', 'send', '-r', 'piperegistry', '--action', 'delete', '--repository', 'hello-world', '-o', 'table');
    expect(run.stdout).toMatch(/^ID\s+ACTION\s+IMAGE\n-+\s+-+\s+-+\n\S+\s+delete\s+hello-world\n$/);
    await expect
      .poll(async () => (await eventsTable()).some((line) => /\sdelete\s+hello-world\s+200 OK\s/.test(line)), { timeout: 15_000 })
      .toBe(true);
  });

  it('refuses a wrong ingest key with the API message', async () => {
    const run = await cliFor(svc.url, MANAGEMENT_KEY, { REGISTRY_WEBHOOKS_INGEST_KEY: 'wrong-key-wrong-key-wrong' })(
      'event',
      'send',
      '-r',
      'piperegistry',
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('ERROR: (AuthenticationFailed) The ingest key is not valid.\n');
  });
});

describe('webhook list-events, redeliver', () => {
  it('lists events newest first as az does, and redelivers one', async () => {
    const run = await cli('webhook', 'list-events', '-n', 'pipehook01', '-r', 'piperegistry');
    const events = JSON.parse(run.stdout) as {
      id: string;
      eventRequestMessage: { content: { timestamp: string } };
      eventResponseMessage: { statusCode: string };
    }[];
    expect(events.length).toBeGreaterThanOrEqual(3);
    const times = events.map((e) => e.eventRequestMessage.content.timestamp);
    expect(times).toEqual([...times].sort().reverse());
    expect(events[0]?.eventResponseMessage.statusCode).toBe('200');
    const before = receiver.received.length;
    const redo = await cli('webhook', 'redeliver', '-n', 'pipehook01', '-r', 'piperegistry', '--event-id', events[0]?.id ?? '');
    expect(redo.code).toBe(0);
    expect(JSON.parse(redo.stdout)).toMatchObject({
      id: events[0]?.id,
      eventResponseMessage: { statusCode: '200' },
      delivery: { state: 'succeeded', attempts: 1 },
    });
    await expect.poll(() => receiver.received.length, { timeout: 15_000 }).toBeGreaterThan(before);
  });

  it('reports an unknown event id with the API message', async () => {
    const run = await cli('webhook', 'redeliver', '-n', 'pipehook01', '-r', 'piperegistry', '--event-id', 'no-such-event');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^ERROR: \(\w+\) .+\n$/);
  });
});

describe('webhook rotate-secret', () => {
  it('succeeds, and the next delivery is signed with the new secret', async () => {
    const run = await cli('webhook', 'rotate-secret', '-n', 'pipehook01', '-r', 'piperegistry');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const before = receiver.received.length;
    await cli('webhook', 'ping', '-n', 'pipehook01', '-r', 'piperegistry');
    await expect.poll(() => receiver.received.length, { timeout: 15_000 }).toBeGreaterThan(before);
    expect(receiver.received.at(-1)?.headers['webhook-signature']).toMatch(/^v1,/);
  });
});

describe('portal: Ping', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => browser.close());

  it('pings from the webhook page and the events table shows 200 OK', async () => {
    const page = await browser.newPage({ viewport: DESKTOP });
    const errors = collectPageErrors(page);
    await page.goto(`${svc.url}/portal`);
    await page.getByLabel('Registry name').fill('piperegistry');
    await page.getByLabel('Management key').fill(MANAGEMENT_KEY);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('link', { name: 'pipehook01' }).click();
    await page.getByRole('button', { name: 'Ping' }).click();
    await expect.poll(() => page.getByRole('status').innerText()).toMatch(/^Ping sent to 'pipehook01' \(event .+\)\.$/);
    // The table refreshes by itself until the delivery is recorded.
    await expect
      .poll(
        () =>
          page
            .locator('#events-table tbody tr')
            .first()
            .evaluate((r) => Array.from(r.querySelectorAll('td'), (td) => td.innerText.trim())),
        { timeout: 15_000 },
      )
      .toEqual([expect.any(String), 'ping', '', '200 OK', expect.any(String)]);
    await page.locator('#events-table tbody tr').first().getByRole('button').click();
    expect(await page.locator('#event-response').innerText()).toMatch(/^200 OK\n/);
    await screenshot(page, 'desktop-8-ping');
    expect((await api(svc, '/registries/piperegistry/webhooks/pipehook01')).status).toBe(200);
    expect(errors).toEqual([]);
    await page.close();
  });
});
