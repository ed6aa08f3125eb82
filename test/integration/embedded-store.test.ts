import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_ACCOUNT, DEV_KEY } from '../../local/azurite.js';
import { boot, type Booted } from '../../local/boot.js';
import { trimHistory } from '../../shared/pipeline/retention.js';
import { invertedMs } from '../../shared/storage/event-keys.js';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';
import { api, INGEST_KEY, MANAGEMENT_KEY, root, startService, type TestService } from '../helpers/service.js';
import { spawnStart } from '../helpers/spawn-start.js';

/*
 * npm start's embedded storage (issue 24): its history kept to a window of the newest finished
 * deliveries (unfinished ones always stay, with the events they read), and with DATA_DIR a file per
 * table, so a management write saves what it wrote and not the history.
 */
let ok: Receiver;
let failing: Receiver;
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'rw-embedded-'));
  dirs.push(dir);
  return dir;
};
beforeAll(async () => {
  ok = await startReceiver();
  failing = await startReceiver();
  failing.answer = { status: 503, body: 'down for now' };
});
afterAll(async () => {
  await ok.close();
  await failing.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

type Listed = { id: string; eventRequestMessage: { content: unknown }; delivery: { state: string; attempts: number } };

async function hook(svc: { url: string }, registry: string, name: string, serviceUri: string, status = 'enabled') {
  const res = await api(svc, `/registries/${registry}/webhooks/${name}`, {
    method: 'PUT',
    json: { location: 'westus', properties: { serviceUri, actions: ['push'], status } },
  });
  expect(res.status).toBe(201);
}
const eventOf = (id: string) => ({ id, timestamp: '2026-12-01T10:00:00Z', action: 'push', target: { repository: 'app', tag: id } });
async function push(svc: { url: string }, registry: string, id: string) {
  const res = await api(svc, `/registries/${registry}/events`, { method: 'POST', key: INGEST_KEY, json: eventOf(id) });
  expect(res.status).toBe(202);
  return (await res.json()) as { accepted: { id: string }[]; duplicates: { id: string }[] };
}
async function listed(svc: { url: string }, registry: string, name: string): Promise<Listed[]> {
  const res = await api(svc, `/registries/${registry}/webhooks/${name}/listEvents`, { method: 'POST' });
  expect(res.status).toBe(200);
  return ((await res.json()) as { value: Listed[] }).value;
}
const settled = (svc: { url: string }, registry: string, name: string, count: number, state: string) =>
  eventually(
    async () => {
      const items = await listed(svc, registry, name);
      return items.length === count && items.every((i) => i.delivery.state === state) ? items : undefined;
    },
    20_000,
    `${count} ${state} deliveries to ${name}`,
  );

describe("the embedded store's window on history", () => {
  let svc: TestService;
  beforeAll(async () => {
    // A failed first attempt waits an hour for its retry: it stays pending for the whole test.
    svc = await startService({ DELIVERY_RETRY_SCHEDULE: '3600' });
  });
  afterAll(async () => {
    await svc.close();
  });

  it('keeps the newest finished deliveries with their bodies, every unfinished one, and the events they read', async () => {
    // An older registry whose deliveries all fall out of the window, then one with pending and held deliveries.
    await hook(svc, 'windowreg01', 'gonehook1', `${ok.url}/gone`);
    for (const id of ['old-1', 'old-2', 'old-3']) await push(svc, 'windowreg01', id);
    await settled(svc, 'windowreg01', 'gonehook1', 3, 'succeeded');
    await hook(svc, 'windowreg02', 'okhook001', `${ok.url}/ok`);
    await hook(svc, 'windowreg02', 'failhook1', `${failing.url}/failing`);
    await hook(svc, 'windowreg02', 'offhook01', `${ok.url}/off`, 'disabled');
    const ids = ['new-1', 'new-2', 'new-3', 'new-4', 'new-5', 'new-6'];
    for (const id of ids) await push(svc, 'windowreg02', id);
    await settled(svc, 'windowreg02', 'okhook001', 6, 'succeeded');
    await settled(svc, 'windowreg02', 'failhook1', 6, 'pending');
    await settled(svc, 'windowreg02', 'offhook01', 6, 'held');

    // An hour on, so no event row stays for being recent: the window of 2 keeps new-6 and new-5 to okhook001.
    const later = () => new Date(Date.now() + 3_600_000);
    expect(await trimHistory({ history: svc.deps.history, now: later }, 2)).toEqual({ deleted: 4 + 3 + 3 });

    const kept = await listed(svc, 'windowreg02', 'okhook001');
    expect(kept.map((k) => [k.id, k.delivery.state, k.eventRequestMessage.content])).toEqual([
      ['new-6', 'succeeded', eventOf('new-6')],
      ['new-5', 'succeeded', eventOf('new-5')],
    ]);
    const pending = await listed(svc, 'windowreg02', 'failhook1');
    expect(pending.map((p) => [p.id, p.delivery.state, p.delivery.attempts, p.eventRequestMessage.content])).toEqual(
      [...ids].reverse().map((id) => [id, 'pending', 1, eventOf(id)]),
    );
    expect((await listed(svc, 'windowreg02', 'offhook01')).map((h) => [h.id, h.delivery.state])).toEqual(
      [...ids].reverse().map((id) => [id, 'held']),
    );
    expect(await listed(svc, 'windowreg01', 'gonehook1')).toEqual([]);
    // The events the pending and held deliveries read are still there (a duplicate), those of the gone ones are not.
    expect((await push(svc, 'windowreg02', 'new-1')).duplicates.map((d) => d.id)).toEqual(['new-1']);
    expect((await push(svc, 'windowreg01', 'old-1')).accepted.map((a) => a.id)).toEqual(['old-1']);
    await settled(svc, 'windowreg01', 'gonehook1', 1, 'succeeded');
    // Another trim: old-1's new delivery is the newest, so new-5's goes; the rest is as it was.
    expect(await trimHistory({ history: svc.deps.history, now: later }, 2)).toEqual({ deleted: 1 });
    expect((await listed(svc, 'windowreg02', 'okhook001')).map((k) => k.id)).toEqual(['new-6']);
    expect(await listed(svc, 'windowreg02', 'failhook1')).toHaveLength(6);
  });

  it('is applied by npm start itself, every 10 s', async () => {
    const booted: Booted = await boot({
      env: { MANAGEMENT_KEYS: MANAGEMENT_KEY, INGEST_KEYS: INGEST_KEY, ALLOW_PRIVATE_TARGETS: 'true' },
      functionsDir: join(root, 'functions'),
      hostJsonPath: join(root, 'host.json'),
      port: 0,
      historyWindow: 2,
    });
    try {
      await hook(booted, 'windowreg03', 'autohook1', `${ok.url}/auto`);
      for (const id of ['auto-1', 'auto-2', 'auto-3', 'auto-4']) await push(booted, 'windowreg03', id);
      await eventually(
        async () => {
          const items = await listed(booted, 'windowreg03', 'autohook1');
          return items.length === 2 ? items : undefined;
        },
        25_000,
        'the window to trim autohook1 to its 2 newest deliveries',
      ).then((items) => expect(items.map((i) => i.id)).toEqual(['auto-4', 'auto-3']));
    } finally {
      await booted.close();
    }
  }, 40_000);

  it('npm start refuses a LOCAL_HISTORY_DELIVERIES that is not a whole number from 0, and says why', async () => {
    await Promise.all([
      expect(spawnStart({ LOCAL_HISTORY_DELIVERIES: 'many' })).rejects.toThrow(
        /start exited with 1:\ninvalid local setting:\n {2}- LOCAL_HISTORY_DELIVERIES: .*expected number/,
      ),
      expect(spawnStart({ LOCAL_HISTORY_DELIVERIES: '-5' })).rejects.toThrow(
        /start exited with 1:\ninvalid local setting:\n {2}- LOCAL_HISTORY_DELIVERIES: Too small: expected number to be >=0/,
      ),
      expect(spawnStart({ LOCAL_HISTORY_DELIVERIES: '2.5' })).rejects.toThrow(/- LOCAL_HISTORY_DELIVERIES: Invalid input: expected int/),
    ]);
  });
});

describe('a data folder (DATA_DIR)', () => {
  const tableFile = (dir: string, table: string) => join(dir, 'azurite-tables', `devstoreaccount1%24${table}.ndjson`);
  const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');

  it("saves a webhook PUT's table before answering, and not the history's", async () => {
    const dir = tempDir();
    const booted = await boot({
      env: { MANAGEMENT_KEYS: MANAGEMENT_KEY, INGEST_KEYS: INGEST_KEY, ALLOW_PRIVATE_TARGETS: 'true' },
      functionsDir: join(root, 'functions'),
      hostJsonPath: join(root, 'host.json'),
      port: 0,
      dataDir: dir,
    });
    try {
      const events = TableClient.fromConnectionString(booted.azurite!.connectionString, 'events', { allowInsecureConnection: true });
      const eventsFile = tableFile(dir, 'events');
      // A history row, written by Azurite's autosave (every 5 s; nothing is ingested, so it is the only
      // writer of this file). Right after it, the next is ~5 s away.
      await events.createEntity({ partitionKey: 'probe', rowKey: 'probe-1' });
      await eventually(() => Promise.resolve(read(eventsFile).includes('probe-1') ? true : undefined), 10_000, 'the autosave');
      const before = statSync(eventsFile);
      // The history changes, then a webhook is created: its answer waits for its table's file, not for history's.
      await events.createEntity({ partitionKey: 'probe', rowKey: 'probe-2' });
      await hook(booted, 'filesreg01', 'filehook1', `${ok.url}/files`);
      expect(read(tableFile(dir, 'webhooks'))).toContain('"RowKey":"filehook1"');
      const after = statSync(eventsFile);
      expect([after.mtimeMs, after.size]).toEqual([before.mtimeMs, before.size]);
      expect(read(eventsFile)).not.toContain('probe-2');
      // The history's change is saved by the next autosave, not lost.
      await eventually(() => Promise.resolve(read(eventsFile).includes('probe-2') ? true : undefined), 10_000, 'the next autosave');
    } finally {
      await booted.close();
    }
  }, 30_000);

  it('converts a folder of the single-file layout (Azurite with --location) at start, keeping its webhooks and history', async () => {
    const dir = tempDir();
    // Azurite itself, as the previous version of npm start kept it: one LokiJS file for all the tables.
    const azurite = spawn(
      process.execPath,
      [
        join(root, 'node_modules', 'azurite', 'dist', 'src', 'azurite.js'),
        ...['--location', dir, '--silent', '--skipApiVersionCheck', '--disableTelemetry'],
        ...['--blobPort', '0', '--queuePort', '0', '--tablePort', '0'],
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    azurite.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise((r) => azurite.once('exit', r));
    const at = (service: string) => new RegExp(`${service} service is successfully listening at (\\S+)`).exec(out)?.[1];
    const [queue, table] = await eventually(
      () => Promise.resolve(at('Queue') && at('Table') ? [at('Queue')!, at('Table')!] : undefined),
      15_000,
      'Azurite to listen',
    );
    const storage =
      `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};` +
      `QueueEndpoint=${queue}/${DEV_ACCOUNT};TableEndpoint=${table}/${DEV_ACCOUNT};`;
    const svc = await startService({ AzureWebJobsStorage: storage });
    try {
      await hook(svc, 'legacyreg1', 'legacyhk1', `${ok.url}/legacy`);
      for (const id of ['legacy-1', 'legacy-2', 'legacy-3']) await push(svc, 'legacyreg1', id);
      await settled(svc, 'legacyreg1', 'legacyhk1', 3, 'succeeded');
      // And a delivery from a version before the shards, in the registry's own partition: the first start moves it.
      const at = '2026-11-01T10:00:00.000Z';
      await TableClient.fromConnectionString(storage, 'events', { allowInsecureConnection: true }).createEntity({
        partitionKey: 'legacyreg1',
        rowKey: `del|legacyhk1|${invertedMs(Date.parse(at))}|legacy-0`,
        ...{ webhook: 'legacyhk1', eventId: 'legacy-0', action: 'push', image: 'app:legacy-0', body: JSON.stringify(eventOf('legacy-0')) },
        ...{ requestHeaders: '{}', requestUri: `${ok.url}/legacy`, state: 'succeeded', attempts: 1, responseStatus: 200 },
        ...{ responseHeaders: '{}', responseBody: 'ok', createdAt: at, updatedAt: at },
      });
    } finally {
      await svc.close();
      azurite.kill('SIGTERM'); // Azurite saves its files as it closes
      await exited;
    }
    expect(existsSync(join(dir, '__azurite_db_table__.json'))).toBe(true);

    const started = await spawnStart({ DATA_DIR: dir, MANAGEMENT_KEYS: MANAGEMENT_KEY, INGEST_KEYS: INGEST_KEY });
    try {
      const got = await api(started, '/registries/legacyreg1/webhooks/legacyhk1');
      expect(got.status).toBe(200);
      expect(((await got.json()) as { name: string }).name).toBe('legacyhk1');
      expect(
        (await listed(started, 'legacyreg1', 'legacyhk1')).map((e) => [e.id, e.delivery.state, e.eventRequestMessage.content]),
      ).toEqual(['legacy-3', 'legacy-2', 'legacy-1', 'legacy-0'].map((id) => [id, 'succeeded', eventOf(id)]));
      // A duplicate still: the accepted events came along too.
      expect((await push(started, 'legacyreg1', 'legacy-1')).duplicates.map((d) => d.id)).toEqual(['legacy-1']);
      expect(existsSync(join(dir, '__azurite_db_table__.json'))).toBe(false);
      // Done once for this folder: later starts skip the scan for such rows.
      expect(existsSync(join(dir, 'rows-moved-to-shards'))).toBe(true);
      expect(read(tableFile(dir, 'webhooks'))).toContain('"RowKey":"legacyhk1"');
    } finally {
      expect(await started.stop()).toBe(0);
    }
  }, 90_000);
});
