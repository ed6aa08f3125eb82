/*
 * npm run bench:multi-arch — what the multi-arch window costs in storage calls. N multi-arch pushes (two
 * platform manifests by digest, then the index by tag, as `skopeo copy --all` sends them, in ACR's event
 * format with the platforms in the event so no registry is read) go through the local host (real Azurite
 * in this process) to two webhooks, twice: both perManifest (the baseline: ACR's behaviour), then one
 * perManifest and one coalesced. Prints the table and queue calls per event of each run, measured by
 * Azurite's request counters from the first ingest until every delivery arrived, the events queue is
 * empty (window ends included) and no push is held; the difference is what the window adds.
 */
import http from 'node:http';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { startAzurite } from '../local/azurite.js';
import { boot } from '../local/boot.js';
import { createTableClient } from '../shared/storage/clients.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const KEY = 'bench-management-key-00000001';
const INGEST = 'bench-ingest-key-000000000001';
const N = Number(process.env['BENCH_IMAGES'] ?? 40);
const fmt = (n: number, d = 2) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

let arrived = 0;
const rx = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    arrived++;
    res.end('ok');
  });
});
await new Promise<void>((r) => rx.listen(0, '127.0.0.1', r));
const rxUrl = `http://127.0.0.1:${(rx.address() as AddressInfo).port}`;

const azurite = await startAzurite();
const host = await boot({
  env: {
    AzureWebJobsStorage: azurite.connectionString,
    MANAGEMENT_KEYS: KEY,
    INGEST_KEYS: INGEST,
    ALLOW_PRIVATE_TARGETS: 'true',
    MULTI_ARCH_WINDOW_SECONDS: '1',
  },
  functionsDir: join(root, 'functions'),
  hostJsonPath: join(root, 'host.json'),
  port: 0,
  log: (level, fn, message) => {
    if (level === 'error') console.error(`${fn}: ${message}`);
  },
});
const deps = host.services;
const eventsTable = createTableClient(host.config.storage, 'events');

async function call(path: string, method: string, body: unknown, key = KEY): Promise<number> {
  const res = await fetch(`${host.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-functions-key': key },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

const hex = (run: string, i: number, c: string) => `sha256:${(run + c + i.toString(16)).padEnd(64, '0')}`;
function image(run: string, i: number) {
  const child = (c: string, architecture: string) => ({
    id: `${run}-${i}-${c}`,
    timestamp: new Date().toISOString(),
    action: 'push',
    target: {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 500,
      digest: hex(run, i, c),
      length: 500,
      repository: 'team/app',
    },
    request: { id: `${run}-${i}`, host: 'bench.azurecr.io', method: 'PUT', useragent: 'bench' },
    architecture,
  });
  const a = child('a', 'amd64');
  const b = child('b', 'arm64');
  const index = {
    id: `${run}-${i}-i`,
    timestamp: new Date().toISOString(),
    action: 'push',
    target: {
      mediaType: 'application/vnd.oci.image.index.v1+json',
      size: 300,
      digest: hex(run, i, 'f'),
      length: 300,
      repository: 'team/app',
      tag: `v${i}`,
      platforms: [a, b].map((c) => ({ digest: c.target.digest, os: 'linux', architecture: c.architecture })),
    },
    request: { id: `${run}-${i}`, host: 'bench.azurecr.io', method: 'PUT', useragent: 'bench' },
  };
  const strip = ({ architecture, ...e }: typeof a) => (void architecture, e);
  return [strip(a), strip(b), index];
}

async function drained(registry: string, expected: number) {
  const holds = `PartitionKey eq '${registry}' and RowKey ge 'hold|' and RowKey lt 'hold}'`;
  for (;;) {
    const props = await deps.queues.events.getProperties();
    let held = 0;
    for await (const _ of eventsTable.listEntities({ queryOptions: { filter: holds } })) held++;
    if (arrived >= expected && (props.approximateMessagesCount ?? 0) === 0 && held === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function run(registry: string, second: 'perManifest' | 'coalesced') {
  for (const [name, multiArch] of [
    ['hookone', 'perManifest'],
    ['hooktwo', second],
  ] as const) {
    await call(`/registries/${registry}/webhooks/${name}`, 'PUT', {
      location: 'westus',
      properties: { serviceUri: `${rxUrl}/${name}`, actions: ['push'], multiArch },
    });
  }
  arrived = 0;
  const before = azurite.requestCounts();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) for (const e of image(registry, i)) await call(`/registries/${registry}/events`, 'POST', e, INGEST);
  // perManifest: 3 deliveries per image; coalesced: 1.
  await drained(registry, N * 3 + N * (second === 'coalesced' ? 1 : 3));
  const after = azurite.requestCounts();
  const events = N * 3;
  return {
    table: (after.table - before.table) / events,
    queue: (after.queue - before.queue) / events,
    seconds: (performance.now() - t0) / 1000,
  };
}

const base = await run('benchbase', 'perManifest');
const coal = await run('benchcoal', 'coalesced');
console.log(`${N} multi-arch pushes (2 platforms + index = ${N * 3} events), 2 webhooks, MULTI_ARCH_WINDOW_SECONDS=1`);
console.log(`  both perManifest:          ${fmt(base.table)} table + ${fmt(base.queue)} queue calls per event (${fmt(base.seconds, 1)} s)`);
console.log(`  perManifest + coalesced:   ${fmt(coal.table)} table + ${fmt(coal.queue)} queue calls per event (${fmt(coal.seconds, 1)} s)`);
console.log(
  `  the window adds:           ${fmt(coal.table - base.table)} table + ${fmt(coal.queue - base.queue)} queue calls per event ` +
    `(queue figures include the trigger's idle polls while the window runs)`,
);
await host.close();
await azurite.close();
rx.close();
