/*
 * npm run bench:storage-bytes — what a delivery costs storage in bytes (issue 24, item 2). For each payload
 * format, BENCH_EVENTS (20) ACR push events × BENCH_WEBHOOKS (100) webhooks go through the local host, with
 * Azurite in its own process and the receiver in another. Prints, per format, after one warm-up event (not
 * counted), from the first ingest until every queue is empty: the table service's request body bytes
 * (their content-length: every entity written, transactions included) per delivery and the table calls
 * per delivery; then the rows kept in the registry's partitions: the mean serialized size of a delivery row
 * and of an event row, and all of them per delivery. BENCH_FORMATS picks the formats (default
 * acr,cloudevents,slack,teams); BENCH_SHOW_ROW=1 prints one delivery row of each.
 */
import type { TableEntityResult } from '@azure/data-tables';
import { bootBenchHost, INGEST_KEY, MANAGEMENT_KEY } from './lib/boot-bench-host.js';
import { startBenchStorage } from './lib/bench-storage.js';
import { fmt } from './lib/figures.js';
import { pool } from './lib/pool.js';
import { pushEvent } from './lib/push-event.js';
import { closePosts, post } from './lib/post.js';
import { forkReceiver } from './lib/receiver-process.js';
import { drained } from '../test/helpers/drained.js';
import { createTableClient } from '../shared/storage/clients.js';

const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 20);
const WEBHOOKS = Number(process.env['BENCH_WEBHOOKS'] ?? 100);
const FORMATS = (process.env['BENCH_FORMATS'] ?? 'acr,cloudevents,slack,teams').split(',');

const receiver = await forkReceiver();
const storage = await startBenchStorage('child');
const host = await bootBenchHost(storage.connectionString);
const events = createTableClient(host.config.storage, 'events');

async function waitForArrivals(count: number, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await receiver.counts()).count < count) {
    if (Date.now() > deadline) throw new Error(`only ${(await receiver.counts()).count} of ${count} deliveries arrived`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** An ACR push as ACR sends it (test/fixtures/acr/push.json's shape), its id and tag made unique. */
const acrPush = (id: string) =>
  pushEvent(
    id,
    {
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      size: 524,
      digest: 'sha256:80f0d5c8786bb9e621a45ece0db56d11cdc624ad20da9fe62e9d25490f331d7d',
      length: 524,
      repository: 'hello-world',
    },
    {
      id: `${id}-request`,
      host: 'myregistry.azurecr.io',
      method: 'PUT',
      useragent:
        'docker/17.09.0-ce go/go1.8.3 git-commit/afdb6d4 kernel/4.10.0-27-generic os/linux arch/amd64 UpstreamClient(Docker-Client/17.09.0-ce \\(linux\\))',
    },
  );

/** A row's properties as JSON (without the service's etag and timestamp): what it keeps. */
const rowBytes = (e: TableEntityResult<Record<string, unknown>>) => {
  const { etag, timestamp, ...props } = e;
  void [etag, timestamp];
  return Buffer.byteLength(JSON.stringify(props, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
};

async function scenario(format: string, registry = `bytes${format}`) {
  await pool(Array.from({ length: WEBHOOKS }), 8, async (_, i) => {
    const body = JSON.stringify({
      location: 'westus',
      properties: { serviceUri: `${receiver.url}/${registry}/${i}`, actions: ['push'], payloadFormat: format },
    });
    const status = await post(
      `${host.url}/registries/${registry}/webhooks/hook${String(i).padStart(4, '0')}`,
      body,
      {
        'x-functions-key': MANAGEMENT_KEY,
      },
      'PUT',
    );
    if (status !== 201) throw new Error(`create webhook: ${status}`);
  });
  // Warm-up, not counted: one event through every webhook (connections to the receiver open, code warm).
  const warmup = `${registry}-warmup`;
  const status = await post(`${host.url}/registries/${registry}/events`, JSON.stringify(acrPush(warmup)), {
    'x-functions-key': INGEST_KEY,
  });
  if (status !== 202) throw new Error(`ingest: ${status}`);
  await waitForArrivals(WEBHOOKS);
  await drained(storage.connectionString, 60_000);
  await receiver.take();
  const before = await storage.requestCounts();
  await pool(
    Array.from({ length: EVENTS }, (_, i) => `${registry}-${i}`),
    EVENTS,
    async (id) => {
      const status = await post(`${host.url}/registries/${registry}/events`, JSON.stringify(acrPush(id)), {
        'x-functions-key': INGEST_KEY,
      });
      if (status !== 202) throw new Error(`ingest: ${status}`);
    },
  );
  await waitForArrivals(EVENTS * WEBHOOKS);
  await drained(storage.connectionString, 60_000);
  const after = await storage.requestCounts();
  const deliveries = (await receiver.take()).length;
  const rows = { del: [] as number[], evt: [] as number[] };
  const filter = `PartitionKey ge '${registry}|' and PartitionKey lt '${registry}}'`;
  for await (const e of events.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
    const kind = (e.rowKey ?? '').slice(0, 3);
    if (e.rowKey?.endsWith(`|${warmup}`)) continue;
    if (kind === 'del' || kind === 'evt') rows[kind].push(rowBytes(e));
    if (kind === 'del' && rows.del.length === 1 && process.env['BENCH_SHOW_ROW']) console.log(e);
  }
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  return {
    format,
    deliveries,
    written: (after.tableBytes - before.tableBytes) / deliveries,
    calls: (after.table - before.table) / deliveries,
    delRow: sum(rows.del) / rows.del.length,
    evtRow: sum(rows.evt) / rows.evt.length,
    kept: (sum(rows.del) + sum(rows.evt)) / deliveries,
  };
}

console.log(`storage bytes per delivery: ${EVENTS} events × ${WEBHOOKS} webhooks, Azurite in its own process`);
console.log('format       deliveries  table bytes written/delivery  table calls/delivery  delivery row  event row  rows kept/delivery');
// A whole scenario first, not reported: the first one through a cold process hands more attempts off (written twice).
await scenario('acr', 'byteswarmup');
for (const format of FORMATS) {
  const r = await scenario(format);
  console.log(
    `${r.format.padEnd(12)} ${String(r.deliveries).padStart(10)}  ${fmt(r.written).padStart(28)}  ${fmt(r.calls, 3).padStart(20)}  ${fmt(r.delRow).padStart(12)}  ${fmt(r.evtRow).padStart(9)}  ${fmt(r.kept).padStart(18)}`,
  );
}

await host.close();
await storage.close();
receiver.stop();
closePosts();
