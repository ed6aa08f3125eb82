/*
 * npx tsx bench/recover.ts [N] — recover of N failed deliveries (default 10,000) through the local host
 * (real Azurite in this process, as `npm start` runs it): how long the recover request takes (it only
 * reads keys, resets rows and queues pages), then how long until the delivery worker has sent them all to
 * a local receiver, and whether each event arrived exactly once and in order of receipt.
 */
import http from 'node:http';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { startAzurite } from '../local/azurite.js';
import { loadConfig } from '../shared/config.js';
import { makeServices } from '../shared/runtime/services.js';
import { loadFunctions } from '../local/load-functions.js';
import { readHostSettings } from '../local/host-json.js';
import { startLocalHost } from '../local/local-host.js';
import type { DeliveryRecord } from '../shared/delivery/delivery-record.js';
import { newDeliveryRecord } from '../shared/delivery/new-delivery.js';

const N = Number(process.argv[2] ?? 10_000);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const KEY = 'bench-management-key-00000001';
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

const arrivals: string[] = [];
let done: () => void = () => undefined;
const all = new Promise<void>((resolve) => (done = resolve));
const receiver = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    arrivals.push(String(req.headers['webhook-id']));
    res.end('ok');
    if (arrivals.length >= N) done();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const rxUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

const azurite = await startAzurite();
const config = loadConfig({
  AzureWebJobsStorage: azurite.connectionString,
  MANAGEMENT_KEYS: KEY,
  INGEST_KEYS: 'bench-ingest-key-000000000001',
  ALLOW_PRIVATE_TARGETS: 'true',
});
const services = await makeServices(config);
const host = await startLocalHost({
  declarations: await loadFunctions(join(root, 'functions')),
  services,
  settings: await readHostSettings(join(root, 'host.json')),
  port: 0,
  log: () => undefined,
});
const api = (path: string, method: string, body?: unknown) =>
  fetch(`${host.url}/registries/benchrecover/webhooks/recover01${path}`, {
    method,
    headers: { 'x-functions-key': KEY, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

await api('', 'PUT', { location: 'westus', properties: { serviceUri: rxUrl, actions: ['push'] } });
const webhook = (await services.webhooks.get('benchrecover', 'recover01'))!;
// N failed deliveries, one event each, received one millisecond apart (oldest first).
const start = Date.now() - N - 60_000;
const since = new Date(start).toISOString();
const ids: string[] = [];
const seed = performance.now();
for (let i = 0; i < N; i += 100) {
  const records: DeliveryRecord[] = [];
  for (let j = i; j < Math.min(N, i + 100); j++) {
    const id = `bench-${String(j).padStart(6, '0')}`;
    ids.push(id);
    const event = { id, timestamp: new Date(start + j).toISOString(), action: 'push' as const, target: { repository: 'app', tag: 'v1' } };
    const record = { ...newDeliveryRecord(webhook, event, start + j, since), state: 'failed' as const, attempts: 9 };
    records.push(record);
  }
  await services.deliveries.putDeliveries('benchrecover', records);
}
console.log(`seeded ${fmt(N)} failed deliveries in ${fmt((performance.now() - seed) / 1000, 1)} s`);

const t0 = performance.now();
const res = await api('/recover', 'POST', { since });
const answer = (await res.json()) as { redelivered?: number };
const t1 = performance.now();
console.log(`recover request: ${res.status} ${JSON.stringify(answer)} in ${fmt(t1 - t0)} ms`);
await all;
const t2 = performance.now();
const unique = new Set(arrivals).size;
const inOrder = arrivals.every((id, i) => i === 0 || id > arrivals[i - 1]!);
console.log(
  `all ${fmt(N)} delivered ${fmt((t2 - t1) / 1000, 1)} s after the answer (${fmt(N / ((t2 - t1) / 1000))} deliveries/s); ` +
    `unique ${fmt(unique)}, duplicates ${fmt(arrivals.length - unique)}, in order of receipt: ${inOrder ? 'yes' : 'no (pages overlap)'}`,
);
await host.close();
await azurite.close();
receiver.close();
