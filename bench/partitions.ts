/*
 * npm run bench:partitions — where the storage layout meets Azure Table Storage's per-partition target
 * (~2,000 entities/s). Runs the real pipeline (local host, Azurite) with W webhooks on one registry,
 * counts every entity write on its way to Azurite by partition (a counting proxy in front of the table
 * endpoint), and scales the measured writes per event to the simulated rate: 1,000 events/s × 100
 * webhooks by default (BENCH_RATE, BENCH_WEBHOOKS, BENCH_EVENTS). An event's rows go to one of the
 * registry's shards by a hash of its id, so the simulation hashes the simulated second's ids with the
 * real function and reports the mean shard and the busiest shard in any second.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAzurite } from '../local/azurite.js';
import { connectionStringThrough, startStorageProxy } from '../test/helpers/storage-proxy.js';
import { loadConfig } from '../shared/config.js';
import { makeServices } from '../shared/runtime/services.js';
import { loadFunctions } from '../local/load-functions.js';
import { readHostSettings } from '../local/host-json.js';
import { startLocalHost } from '../local/local-host.js';
import { EVENT_SHARDS, eventPartition } from '../shared/storage/event-keys.js';

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
/** The table a write goes to: in the URL, or for a batch in its first inner request's URL. */
const tableOf = (url: string, body: string) => {
  const target = url.includes('$batch') ? (/^(?:POST|PUT|MERGE|PATCH|DELETE) \S*?\/([A-Za-z0-9]+)[(\s]/m.exec(body)?.[1] ?? '?') : url;
  return /([A-Za-z0-9]+)(?:\(|$|\?)/.exec(target.replace(/^.*\//, ''))?.[1] ?? target;
};
proxy.intercept = (req, body) => {
  if (counting && req.method !== 'GET') {
    // Every written entity carries its PartitionKey in its JSON, in a batch or alone.
    const table = tableOf(req.url ?? '', body);
    for (const m of body.matchAll(/"PartitionKey":"([^"]*)"/g)) {
      const key = `${table}/${m[1]!}`;
      writes.set(key, (writes.get(key) ?? 0) + 1);
    }
  }
  return false;
};
const tableEndpoint = proxy.endpoint;

const services = await makeServices(
  loadConfig({
    AzureWebJobsStorage: connectionStringThrough(azurite, { table: tableEndpoint }),
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
        target: {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: `sha256:${String(i + j).padStart(64, '0')}`,
          repository: 'app',
          tag: `t${i + j}`,
        },
      }),
    ),
  );
}
let lastReport = Date.now();
while (arrived < EVENTS * WEBHOOKS || services.background.running.size > 0) {
  await new Promise((r) => setTimeout(r, 20));
  if (Date.now() - lastReport > 10_000) {
    lastReport = Date.now();
    console.log(`waiting: ${fmt(arrived)} of ${fmt(EVENTS * WEBHOOKS)} deliveries arrived`);
  }
}
counting = false;

const total = [...writes.values()].reduce((a, b) => a + b, 0);
const [busiest, busiestWrites] = [...writes.entries()].sort((a, b) => b[1] - a[1])[0] ?? ['-', 0];
console.log(`measured: ${fmt(EVENTS)} events × ${WEBHOOKS} webhooks, ${fmt(total)} entity writes in ${writes.size} partitions`);
console.log(
  `  busiest partition measured: '${busiest}', ${fmt(busiestWrites)} writes (${(busiestWrites / EVENTS).toFixed(2)} per event of the run)`,
);

// The registry's own partition (manifest memory, tags) takes writes from every event; each event shard
// only from the events whose id hashes to it. So: writes per event in each kind of partition, measured;
// then the simulated rate's events hashed to their shards with the real hash, second by second.
const registryWrites = writes.get('events/benchreg') ?? 0;
const shardWrites = [...writes.entries()].filter(([k]) => k.startsWith('events/benchreg|')).reduce((a, [, v]) => a + v, 0);
const elsewhere = [...writes.entries()].filter(([k]) => !k.startsWith('events/'));
if (elsewhere.length > 0)
  console.log(`  other tables (per webhook or per interval, not per event): ${elsewhere.map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`);
const perEventInShard = shardWrites / EVENTS;
const perEventInRegistry = registryWrites / EVENTS;
const SECONDS = 60;
let peakShardEvents = 0;
let meanShardEvents = 0;
for (let s = 0; s < SECONDS; s++) {
  const counts = new Map<string, number>();
  for (let i = 0; i < RATE; i++) {
    const pk = eventPartition('benchreg', `${s}-${i}-${Math.random().toString(36).slice(2)}`);
    counts.set(pk, (counts.get(pk) ?? 0) + 1);
  }
  peakShardEvents = Math.max(peakShardEvents, ...counts.values());
  meanShardEvents += RATE / EVENT_SHARDS / SECONDS;
}
const ratio = (n: number) => `${(n / 2000).toFixed(2)}× the ~2,000 entities/s per partition target`;
console.log(`  per event: ${perEventInShard.toFixed(2)} writes in its shard, ${perEventInRegistry.toFixed(2)} in the registry's partition`);
console.log(`simulated ${fmt(RATE)} events/s × ${WEBHOOKS} webhooks, ${EVENT_SHARDS} shards, ${SECONDS} s of random ids:`);
console.log(`  registry partition        ${fmt(perEventInRegistry * RATE)} entity writes/s (${ratio(perEventInRegistry * RATE)})`);
console.log(
  `  event shard, mean         ${fmt(perEventInShard * meanShardEvents)} entity writes/s (${ratio(perEventInShard * meanShardEvents)})`,
);
console.log(
  `  busiest shard-second      ${fmt(perEventInShard * peakShardEvents)} entity writes/s (${ratio(perEventInShard * peakShardEvents)}; ${peakShardEvents} events in one shard in one second)`,
);
console.log(
  `  all partitions            ${fmt((total / EVENTS) * RATE)} entity writes/s (account target: 20,000 requests/s, a transaction counting once)`,
);
// What the spread costs a reader: one page of a webhook's history merges every shard.
const pageTimes: number[] = [];
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  const res = await call('/registries/benchreg/webhooks/hook00000/listEvents', 'POST', KEY, {});
  const page = (await res.json()) as { value: unknown[] };
  pageTimes.push(performance.now() - t0);
  if (page.value.length === 0) throw new Error('listEvents returned nothing');
}
pageTimes.sort((a, b) => a - b);
console.log(`listEvents, one page across ${EVENT_SHARDS + 1} partitions on this Azurite: median ${pageTimes[2]!.toFixed(0)} ms of 5`);
await host.close();
await azurite.close();
await proxy.close();
receiver.close();
