/*
 * npm run bench:memory — the resident memory of `npm start` as users run it: the built service
 * (`node dist/local/start.js`) in its own process, with its embedded Azurite in that process, driven
 * through the bench's three loads (fan-out 20 × 100, 1,000 events × 1 webhook 32 at a time, 50 events/s
 * × 10 webhooks for 10 s) to a receiver in this process. Prints the process's resident set after start,
 * after each load, and its peak (VmHWM), read from /proc.
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INGEST_KEY as INGEST, MANAGEMENT_KEY as KEY } from './lib/boot-bench-host.js';
import { pool } from './lib/pool.js';
import { closePosts, post } from './lib/post.js';
import { spawnStart } from './lib/start-process.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

let arrived = 0;
const receiver = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    arrived++;
    res.writeHead(200).end('ok');
  });
});
receiver.keepAliveTimeout = 60_000;
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
const rxUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

// BENCH_STORAGE=external: Azurite in its own process (storage is another machine on Azure), so the figure
// is the host's alone; the default is npm start's embedded Azurite, whose data grows with the history.
const external = process.env['BENCH_STORAGE'] === 'external';
const storage = external
  ? fork(join(root, 'bench', 'azurite-child.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  : undefined;
const connectionString = storage
  ? await new Promise<string>((resolve) => storage.once('message', (m: { connectionString: string }) => resolve(m.connectionString)))
  : undefined;
const child = await spawnStart(connectionString ? { AzureWebJobsStorage: connectionString, ALLOW_PRIVATE_TARGETS: 'true' } : {});
const url = child.url;
const report = (when: string) =>
  console.log(`${when.padEnd(44)} resident ${child.status('VmRSS').toFixed(0)} MB (peak so far ${child.status('VmHWM').toFixed(0)} MB)`);

const send = (path: string, method: 'POST' | 'PUT', key: string, body: unknown) =>
  post(`${url}${path}`, JSON.stringify(body), { 'x-functions-key': key }, method);
async function hooks(registry: string, count: number) {
  for (let i = 0; i < count; i += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, count - i) }, (_, j) =>
        send(`/registries/${registry}/webhooks/hook${String(i + j).padStart(5, '0')}`, 'PUT', KEY, {
          location: 'westus',
          properties: { serviceUri: `${rxUrl}/${registry}/${i + j}`, actions: ['push'] },
        }),
      ),
    );
  }
}
const event = (id: string) => ({
  id,
  timestamp: new Date().toISOString(),
  action: 'push',
  target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'c'.repeat(64)}`, repository: 'bench/app', tag: id },
});
async function until(count: number) {
  const deadline = Date.now() + 120_000;
  while (arrived < count) {
    if (Date.now() > deadline) throw new Error(`only ${arrived} of ${count} deliveries arrived`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const times = (n: number) => Array.from({ length: n }, (_, i) => i);

console.log(
  `npm start (node dist/local/start.js, ${external ? 'Azurite in its own process' : 'embedded Azurite in memory'}), pid ${child.pid}`,
);
report('after start');
await hooks('memfanout', 100);
await hooks('memonetoone', 1);
await hooks('memsteady', 10);
report('after creating 111 webhooks');
await pool(times(20), 4, (i) => send('/registries/memfanout/events', 'POST', INGEST, event(`f-${i}`)));
await until(2000);
report('after fan-out 20 events × 100 webhooks');
await pool(times(1000), 32, (i) => send('/registries/memonetoone/events', 'POST', INGEST, event(`o-${i}`)));
await until(3000);
report('after 1,000 events × 1 webhook');
const t0 = Date.now();
const pending: Promise<number>[] = [];
for (let i = 0; i < 500; i++) {
  const wait = t0 + i * 20 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  pending.push(send('/registries/memsteady/events', 'POST', INGEST, event(`s-${i}`)));
}
await Promise.all(pending);
await until(8000);
report('after 50 events/s × 10 webhooks for 10 s');

await child.stop();
closePosts();
receiver.close();
storage?.send({ type: 'stop' });
