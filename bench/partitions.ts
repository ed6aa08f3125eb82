/*
 * npm run bench:partitions — where the storage layout meets Azure Table Storage's per-partition target
 * (~2,000 entities/s). Runs the real pipeline (local host, Azurite) with W webhooks on one registry,
 * counts every entity write on its way to Azurite by partition (a counting proxy in front of the table
 * endpoint), and scales the measured writes per event to the simulated rate: 1,000 events/s × 100
 * webhooks by default (BENCH_RATE, BENCH_WEBHOOKS, BENCH_EVENTS).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAzurite, DEV_ACCOUNT, DEV_KEY } from '../local/azurite.js';
import { startStorageProxy } from '../test/helpers/storage-proxy.js';
import { loadConfig } from '../shared/config.js';
import { makeServices } from '../shared/runtime/services.js';
import { loadFunctions } from '../local/load-functions.js';
import { readHostSettings } from '../local/host-json.js';
import { startLocalHost } from '../local/local-host.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RATE = Number(process.env['BENCH_RATE'] ?? 1000);
const WEBHOOKS = Number(process.env['BENCH_WEBHOOKS'] ?? 100);
const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 50);
const KEY = 'bench-management-key-00000001';
const INGEST = 'bench-ingest-key-000000000001';
const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });

// ---- a receiver that answers 200 and counts
let arrived = 0;
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    arrived++;
    res.writeHead(200).end('ok');
  });
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
const rxUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

// ---- Azurite, with the tests' forwarding proxy in front of its tables, counting entity writes by partition
const azurite = await startAzurite();
const writes = new Map<string, number>();
let counting = false;
const proxy = await startStorageProxy(azurite.tableEndpoint);
proxy.intercept = (req, body) => {
  if (counting && req.method !== 'GET') {
    // Every written entity carries its PartitionKey in its JSON, in a batch or alone.
    for (const m of body.matchAll(/"PartitionKey":"([^"]*)"/g)) writes.set(m[1]!, (writes.get(m[1]!) ?? 0) + 1);
  }
  return false;
};
const tableEndpoint = proxy.endpoint;

const services = await makeServices(
  loadConfig({
    AzureWebJobsStorage: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};QueueEndpoint=${azurite.queueEndpoint};TableEndpoint=${tableEndpoint};`,
    MANAGEMENT_KEYS: KEY,
    INGEST_KEYS: INGEST,
    ALLOW_PRIVATE_TARGETS: 'true',
  }),
);
const host = await startLocalHost({
  declarations: await loadFunctions(join(root, 'functions')),
  services,
  settings: await readHostSettings(join(root, 'host.json')),
  port: 0,
});
const call = (path: string, method: string, key: string, body: unknown) =>
  fetch(`${host.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-functions-key': key },
    body: JSON.stringify(body),
  });

for (let i = 0; i < WEBHOOKS; i += 10) {
  await Promise.all(
    Array.from({ length: Math.min(10, WEBHOOKS - i) }, (_, j) =>
      call(`/registries/benchreg/webhooks/hook${String(i + j).padStart(5, '0')}`, 'PUT', KEY, {
        location: 'westus',
        properties: { serviceUri: `${rxUrl}/${i + j}`, actions: ['push'] },
      }),
    ),
  );
}
counting = true;
for (let i = 0; i < EVENTS; i += 10) {
  await Promise.all(
    Array.from({ length: Math.min(10, EVENTS - i) }, (_, j) =>
      call('/registries/benchreg/events', 'POST', INGEST, {
        id: `part-${i + j}`,
        timestamp: new Date().toISOString(),
        action: 'push',
        target: { repository: 'app', tag: `t${i + j}` },
      }),
    ),
  );
}
let lastReport = Date.now();
while (arrived < EVENTS * WEBHOOKS || services.background.size > 0) {
  await new Promise((r) => setTimeout(r, 20));
  if (Date.now() - lastReport > 10_000) {
    lastReport = Date.now();
    console.log(`waiting: ${fmt(arrived)} of ${fmt(EVENTS * WEBHOOKS)} deliveries arrived`);
  }
}
counting = false;

const total = [...writes.values()].reduce((a, b) => a + b, 0);
const [busiest, busiestWrites] = [...writes.entries()].sort((a, b) => b[1] - a[1])[0] ?? ['-', 0];
const perEvent = busiestWrites / EVENTS;
console.log(`measured: ${fmt(EVENTS)} events × ${WEBHOOKS} webhooks, ${fmt(total)} entity writes in ${writes.size} partitions`);
console.log(`busiest partition '${busiest}': ${perEvent.toFixed(2)} entity writes per event`);
console.log(
  `simulated ${fmt(RATE)} events/s × ${WEBHOOKS} webhooks: busiest partition ${fmt(perEvent * RATE)} entity writes/s ` +
    `(${((perEvent * RATE) / 2000).toFixed(1)}× Azure's ~2,000 entities/s per partition target); ` +
    `all tables ${fmt((total / EVENTS) * RATE)} writes/s (account target: 20,000 requests/s, a transaction counting once)`,
);
await host.close();
await azurite.close();
await proxy.close();
receiver.close();
