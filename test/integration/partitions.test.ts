import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { api, INGEST_KEY, startService, type TestService } from '../helpers/service.js';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';
import { drained } from '../helpers/drained.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { invertedMs, Rows, shardOfRow } from '../../shared/storage/event-keys.js';
import { migrateLegacyRows } from '../../shared/storage/legacy-rows.js';
import { root } from '../helpers/service.js';

/*
 * The events table's layout: a registry's events and deliveries are spread over shards by a hash of the
 * event id, and a webhook's history is read back across all of them. Rows written before the shards (in
 * one partition per registry) are moved to their shards once, by `npm run migrate` or at start-up.
 */

let svc: TestService;
let rx: Receiver;
let table: TableClient;
beforeAll(async () => {
  rx = await startReceiver();
  svc = await startService({ LIST_PAGE_SIZE: '7', DELIVERY_RETRY_SCHEDULE: 'none' });
  table = TableClient.fromConnectionString(svc.azurite.connectionString, 'events', { allowInsecureConnection: true });
});
afterAll(async () => {
  await svc.close();
  await rx.close();
});

async function createHook(registry: string, name: string) {
  const res = await api(svc, `/registries/${registry}/webhooks/${name}`, {
    method: 'PUT',
    json: { location: 'westus', properties: { serviceUri: `${rx.url}/${name}`, actions: ['push'] } },
  });
  expect(res.status).toBe(201);
}

type Page = { value: { id: string; eventRequestMessage: { content: { id: string } }; delivery?: { state: string } }[]; nextLink?: string };

/** Every page of a webhook's history, as a client pages it (POST, then GET each nextLink). */
async function allPages(registry: string, name: string, skipToken?: string): Promise<Page[]> {
  const pages: Page[] = [];
  const first = `/registries/${registry}/webhooks/${name}/listEvents${skipToken ? `?$skipToken=${skipToken}` : ''}`;
  let res = await api(svc, first, { method: 'POST' });
  for (;;) {
    expect(res.status).toBe(200);
    const page = (await res.json()) as Page;
    pages.push(page);
    if (!page.nextLink) return pages;
    res = await api(svc, page.nextLink.replace(svc.url, ''), { method: 'GET' });
  }
}

const ids = (pages: readonly Page[]) => pages.flatMap((p) => p.value.map((e) => e.eventRequestMessage.content.id));

describe('events table shards', () => {
  it("spreads a registry's deliveries over its shards and lists a webhook's history across them, newest first, page by page", async () => {
    await createHook('shardreg1', 'shardhook1');
    const posted: string[] = [];
    for (let i = 0; i < 30; i++) {
      const id = `shard-event-${i}`;
      const res = await api(svc, '/registries/shardreg1/events', {
        method: 'POST',
        key: INGEST_KEY,
        json: { id, timestamp: new Date().toISOString(), action: 'push', target: { repository: 'app', tag: `v${i}` } },
      });
      expect(res.status).toBe(202);
      posted.push(id);
      // A delivery's row key carries its event's ingest time in ms: let the clock move on, so the order is strict.
      const at = Date.now();
      while (Date.now() <= at) await new Promise((r) => setImmediate(r));
    }
    await eventually(() => Promise.resolve(rx.forPath('/shardhook1').length >= 30 ? true : undefined), 20_000, '30 deliveries');
    await drained(svc.azurite.connectionString);
    await eventually(
      async () => {
        for (const id of posted) if ((await svc.deps.claims.readClaim('shardreg1', id))?.state !== 'fannedout') return undefined;
        return true;
      },
      10_000,
      'every event recorded',
    );

    const pages = await allPages('shardreg1', 'shardhook1');
    expect(pages.map((p) => p.value.length)).toEqual([7, 7, 7, 7, 2]);
    expect(ids(pages)).toEqual([...posted].reverse());

    // Where the rows are: in many partitions, none in the registry's own, each delivery beside its event's row.
    const rows: { partitionKey: string; rowKey: string; eventId: string }[] = [];
    for await (const e of table.listEntities<{ eventId: string }>({
      queryOptions: { filter: "PartitionKey ge 'shardreg1' and PartitionKey lt 'shardreg1}' and RowKey ge 'del|' and RowKey lt 'del}'" },
    }))
      rows.push({ partitionKey: e.partitionKey!, rowKey: e.rowKey!, eventId: e.eventId });
    expect(rows).toHaveLength(30);
    expect(rows.some((r) => r.partitionKey === 'shardreg1')).toBe(false);
    expect(new Set(rows.map((r) => r.partitionKey)).size).toBeGreaterThanOrEqual(10);
    for (const r of rows) {
      const evt = await table.getEntity<{ state: string }>(r.partitionKey, `evt|${r.eventId}`);
      expect(evt.state).toBe('fannedout');
    }
  });

  it("a $skipToken naming another range cannot widen a webhook's list", async () => {
    await createHook('shardreg1', 'aaaahook1');
    expect((await api(svc, '/registries/shardreg1/webhooks/aaaahook1/ping', { method: 'POST' })).status).toBe(200);
    // A token from before both webhooks' ranges: the list still starts at shardhook1's own first row.
    const token = Buffer.from(JSON.stringify({ after: 'del|' }), 'utf8').toString('base64url');
    const listed = ids(await allPages('shardreg1', 'shardhook1', token));
    expect(listed).toHaveLength(30);
    expect(listed.every((id) => id.startsWith('shard-event-'))).toBe(true);
    // A token past the range: nothing, not the next webhook's history.
    const past = Buffer.from(JSON.stringify({ after: 'del|shardhook1}' }), 'utf8').toString('base64url');
    expect(ids(await allPages('shardreg1', 'shardhook1', past))).toEqual([]);
    const forged = await api(svc, '/registries/shardreg1/webhooks/shardhook1/listEvents?$skipToken=bm90LWEtdG9rZW4', { method: 'POST' });
    expect(forged.status).toBe(400);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe('InvalidParameter');
  });

  it('moves history written before the shards (one partition per registry) with `npm run migrate`; it then lists, recovers and delivers as before', async () => {
    await createHook('legacyreg1', 'legacyhk1');
    const receivedMs = Date.now() - 60_000;
    const { rowKey } = await writeLegacy('legacyreg1', 'legacyhk1', 'old-event-1', receivedMs);

    const run = await promisify(execFile)('npm', ['run', '--silent', 'migrate'], {
      cwd: root,
      env: { PATH: process.env['PATH'] ?? '', AzureWebJobsStorage: svc.azurite.connectionString },
    });
    expect(run.stdout.trim()).toBe('moved 2 rows written before the shards to their shards');
    expect(await where('legacyreg1', rowKey)).toEqual({ legacy: 404, shard: 'failed' });
    expect((await table.getEntity<{ state: string }>(shardOfRow('legacyreg1', 'evt|old-event-1'), 'evt|old-event-1')).state).toBe(
      'fannedout',
    );

    const before = ids(await allPages('legacyreg1', 'legacyhk1'));
    expect(before).toEqual(['old-event-1']);

    const res = await api(svc, '/registries/legacyreg1/webhooks/legacyhk1/recover', {
      method: 'POST',
      json: { since: new Date(receivedMs - 1000).toISOString() },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ redelivered: 1 });
    const [sent] = await eventually(
      () => {
        const got = rx.forPath('/legacyhk1');
        return Promise.resolve(got.length > 0 ? got : undefined);
      },
      15_000,
      'the old delivery sent again',
    );
    expect(JSON.parse(sent!.body)).toMatchObject({ id: 'old-event-1' });
    expect(sent!.headers['webhook-id']).toBe('old-event-1');

    // Listed once, as it is now: succeeded.
    const after = await eventually(
      async () => {
        const pages = await allPages('legacyreg1', 'legacyhk1');
        const all = pages.flatMap((p) => p.value);
        return all.length === 1 && all[0]!.delivery?.state === 'succeeded' ? all : undefined;
      },
      10_000,
      () => 'the recovered delivery listed once, succeeded',
    );
    expect(after.map((e) => e.eventRequestMessage.content.id)).toEqual(['old-event-1']);
  });

  it('moves them at start-up too, and a move run twice at once, or again, moves each row once', async () => {
    const receivedMs = Date.now() - 120_000;
    const old = await Promise.all(['old-a', 'old-b', 'old-c'].map((id, i) => writeLegacy('legacyreg2', 'legacyhk2', id, receivedMs + i)));
    // A row moved by an earlier run that died before deleting the old one: the shard's copy stands.
    await table.createEntity({
      partitionKey: shardOfRow('legacyreg2', old[0]!.rowKey),
      rowKey: old[0]!.rowKey,
      state: 'succeeded',
      marker: 'newer',
    });
    const runs = await Promise.all([migrateLegacyRows(table), migrateLegacyRows(table)]);
    expect(runs[0] + runs[1]).toBe(6);
    expect(await migrateLegacyRows(table)).toBe(0);
    expect(await where('legacyreg2', old[0]!.rowKey)).toEqual({ legacy: 404, shard: 'succeeded' });
    for (const o of old.slice(1)) expect(await where('legacyreg2', o.rowKey)).toEqual({ legacy: 404, shard: 'failed' });

    // `npm start` (the local host's boot) runs the same step before it serves.
    const { rowKey } = await writeLegacy('legacyreg3', 'legacyhk3', 'old-d', receivedMs);
    const second = await startService({}, svc.azurite);
    try {
      expect(await where('legacyreg3', rowKey)).toEqual({ legacy: 404, shard: 'failed' });
      expect(second.logs).toContain('information storage: moved 2 rows written before the shards to their shards');
    } finally {
      await second.close();
    }
  });
});

describe('a deploy', () => {
  it('delivers a deliveries message the previous version queued, which named each delivery by its row key', async () => {
    await createHook('compatreg1', 'compathk1');
    const receivedMs = Date.now() - 5_000;
    const event = {
      id: 'compat-1',
      timestamp: new Date(receivedMs).toISOString(),
      action: 'push',
      target: { repository: 'app', tag: 'v1' },
    };
    const at = new Date(receivedMs).toISOString();
    // A first attempt handed off by the previous version: its row pending in its shard, its message on the queue.
    const rowKey = Rows.delivery('compathk1', receivedMs, event.id);
    await table.createEntity({
      partitionKey: shardOfRow('compatreg1', rowKey),
      rowKey,
      webhook: 'compathk1',
      eventId: event.id,
      action: 'push',
      image: 'app:v1',
      body: JSON.stringify(event),
      requestHeaders: '{}',
      requestUri: `${rx.url}/compathk1`,
      state: 'pending',
      attempts: 0,
      responseHeaders: '{}',
      responseBody: '',
      createdAt: at,
      updatedAt: at,
    });
    const old = { v: 1, type: 'deliveries', registry: 'compatreg1', items: [{ webhook: 'compathk1', rowKey, attempt: 1 }] };
    const queue = new QueueClient(svc.azurite.connectionString, 'webhook-deliveries');
    await queue.sendMessage(Buffer.from(JSON.stringify(old)).toString('base64'));

    const [sent] = await rx.waitFor(1, 10_000, '/compathk1');
    expect(JSON.parse(sent!.body)).toEqual(event);
    expect(sent!.headers['webhook-id']).toBe('compat-1');
    const listed = await eventually(
      async () => {
        const all = (await allPages('compatreg1', 'compathk1')).flatMap((p) => p.value);
        return all.length === 1 && all[0]!.delivery?.state === 'succeeded' ? all : undefined;
      },
      10_000,
      () => 'the delivery listed once, succeeded',
    );
    expect(listed.map((e) => e.id)).toEqual(['compat-1']);
  });
});

/** A failed delivery and its event's row as the layout before the shards wrote them: in the registry's own partition. */
async function writeLegacy(registry: string, webhook: string, eventId: string, receivedMs: number) {
  const rowKey = `del|${webhook}|${invertedMs(receivedMs)}|${eventId}`;
  const event = { id: eventId, timestamp: new Date(receivedMs).toISOString(), action: 'push', target: { repository: 'app', tag: 'old' } };
  const at = new Date(receivedMs).toISOString();
  await table.createEntity({
    partitionKey: registry,
    rowKey: `evt|${eventId}`,
    payload: JSON.stringify(event),
    state: 'fannedout',
    receivedAt: at,
  });
  await table.createEntity({
    partitionKey: registry,
    rowKey,
    webhook,
    eventId,
    action: 'push',
    image: 'app:old',
    body: JSON.stringify(event),
    requestHeaders: JSON.stringify({ 'Content-Type': 'application/json' }),
    requestUri: `${rx.url}/${webhook}`,
    state: 'failed',
    attempts: 1,
    lastError: 'HTTP 500',
    responseStatus: 500,
    responseHeaders: '{}',
    responseBody: '',
    createdAt: at,
    updatedAt: at,
  });
  return { rowKey };
}

/** Where a delivery row is: the old partition's answer (404 once moved) and the state of its shard's copy. */
async function where(registry: string, rowKey: string) {
  const status = (err: { statusCode?: number }) => err.statusCode;
  return {
    legacy: await table.getEntity<{ state: string }>(registry, rowKey).then((e) => e.state, status),
    shard: await table.getEntity<{ state: string }>(shardOfRow(registry, rowKey), rowKey).then((e) => e.state, status),
  };
}
