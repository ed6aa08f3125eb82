/*
 * npm run bench:two-hosts — a burst to one origin served by two hosts, one of them killed (SIGKILL) half-way.
 * Two `npm start` processes (the build) share one Azurite in its own process; W webhooks (push) point at
 * one receiver, in a process of its own, that answers 200 after a fixed delay. N pushes are posted over a
 * few seconds, alternately to each host; at half the spread the first host is killed. It waits until every
 * delivery arrived and the survivor has nothing left to send (or --cap-s passes), then prints distinct
 * deliveries, repeats (the deliveries the dead host had in flight are sent again: at least once), missing,
 * and what the records say: states, attempts, and the attempts that failed or timed out.
 *
 *   npm run bench:two-hosts -- --events 300 --webhooks 5 --delay-ms 400 --timeout-s 3 --spread-s 5
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { QueueClient } from '@azure/storage-queue';
import { TableClient } from '@azure/data-tables';
import { INGEST_KEY, MANAGEMENT_KEY } from './lib/boot-bench-host.js';
import { startBenchStorage } from './lib/bench-storage.js';
import { fmt, now } from './lib/figures.js';
import { pool } from './lib/pool.js';
import { pushEvent } from './lib/push-event.js';
import { closePosts, post } from './lib/post.js';
import { forkReceiver } from './lib/receiver-process.js';
import { spawnStart } from './lib/start-process.js';
import { makeDeliveryStore } from '../shared/storage/delivery-store.js';
import { Queue, Table } from '../shared/constants.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '300' },
    webhooks: { type: 'string', default: '5' },
    'delay-ms': { type: 'string', default: '400' },
    'timeout-s': { type: 'string', default: '3' },
    'spread-s': { type: 'string', default: '5' },
    'cap-s': { type: 'string', default: '240' },
  },
  strict: true,
});
const EVENTS = Number(args.events);
const WEBHOOKS = Number(args.webhooks);
const SPREAD_S = Number(args['spread-s']);
const CAP_S = Number(args['cap-s']);
const EXPECTED = EVENTS * WEBHOOKS;
const REGISTRY = 'twohosts';
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const receiver = await forkReceiver(Number(args['delay-ms']));
const storage = await startBenchStorage('child');
const env = {
  AzureWebJobsStorage: storage.connectionString,
  ALLOW_PRIVATE_TARGETS: 'true',
  DELIVERY_TIMEOUT_SECONDS: args['timeout-s'],
  // Short leases, so the survivor takes the dead host's fan-outs and messages over within seconds.
  FANOUT_LEASE_SECONDS: '5',
  QUEUE_LEASE_SECONDS: '5',
  WEBHOOK_CACHE_SECONDS: '1',
};
const hosts = [await spawnStart(env), await spawnStart(env)];
console.log(
  `registry-webhooks bench:two-hosts — ${fmt(EVENTS)} pushes × ${WEBHOOKS} webhooks to one receiver (answers after ${args['delay-ms']} ms), ` +
    `timeout ${args['timeout-s']} s, over ${SPREAD_S} s to two hosts; the first killed at ${SPREAD_S / 2} s. Load ${load()}`,
);
for (let w = 0; w < WEBHOOKS; w++) {
  const body = JSON.stringify({ location: 'westus', properties: { serviceUri: `${receiver.url}/hook${w}`, actions: ['push'] } });
  const status = await post(
    `${hosts[0]!.url}/registries/${REGISTRY}/webhooks/twohook${w}`,
    body,
    { 'x-functions-key': MANAGEMENT_KEY },
    'PUT',
  );
  if (status !== 201) throw new Error(`create webhook: ${status}`);
}
await new Promise((r) => setTimeout(r, 1500)); // both hosts' webhook caches see them

const ids = Array.from({ length: EVENTS }, () => randomUUID());
const t0 = now();
const interval = (SPREAD_S * 1000) / Math.max(1, EVENTS - 1);
let killedAt = NaN;
const statuses = new Map<string, number>();
const killing = new Promise<void>((resolve) =>
  setTimeout(
    () => {
      killedAt = now() - t0;
      void hosts[0]!.stop('SIGKILL').then(resolve);
    },
    (SPREAD_S * 1000) / 2,
  ),
);
await pool(ids, 10, async (id, i) => {
  const wait = t0 + i * interval - now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  // The first host while it lives, every other event; the survivor takes the rest.
  const host = i % 2 === 0 && Number.isNaN(killedAt) ? hosts[0]! : hosts[1]!;
  let status: number | string;
  try {
    status = await post(`${host.url}/registries/${REGISTRY}/events`, JSON.stringify(pushEvent(id)), { 'x-functions-key': INGEST_KEY });
  } catch (err) {
    // Killed while it answered: the sender retries on the survivor, as a registry would.
    status = `refused (${(err as Error).message.slice(0, 40)}), resent`;
    await post(`${hosts[1]!.url}/registries/${REGISTRY}/events`, JSON.stringify(pushEvent(id)), { 'x-functions-key': INGEST_KEY });
  }
  statuses.set(String(status), (statuses.get(String(status)) ?? 0) + 1);
});
await killing;

const queues = [Queue.events, Queue.deliveries].map((q) => new QueueClient(storage.connectionString, q));
const perDelivery = new Map<string, number>();
let requests = 0;
let settledAt = NaN;
while (now() - t0 < CAP_S * 1000) {
  for (const [, , webhookId, path] of await receiver.take()) {
    requests++;
    const key = `${path} ${webhookId}`;
    perDelivery.set(key, (perDelivery.get(key) ?? 0) + 1);
  }
  const depth = await Promise.all(queues.map(async (q) => (await q.getProperties()).approximateMessagesCount ?? 0));
  if (perDelivery.size >= EXPECTED && depth.every((d) => d === 0)) {
    settledAt = now() - t0;
    break;
  }
  await new Promise((r) => setTimeout(r, 500));
}

const table = TableClient.fromConnectionString(storage.connectionString, Table.events, { allowInsecureConnection: true });
const deliveries = makeDeliveryStore(table);
const states = new Map<string, number>();
let waitedOut = 0;
for (let w = 0; w < WEBHOOKS; w++) {
  const { items } = await deliveries.listDeliveries(REGISTRY, `twohook${w}`, EVENTS * 2, undefined);
  for (const d of items) {
    const kind = `state=${d.state} attempts=${d.attempts}`;
    states.set(kind, (states.get(kind) ?? 0) + 1);
    if (d.state !== 'succeeded' || (d.lastError ?? '').includes('timed out')) waitedOut++;
  }
}
const repeated = [...perDelivery.values()].filter((n) => n > 1).length;
console.log(
  `ingest               ${[...statuses].map(([s, n]) => `${s}: ${fmt(n)}`).join(', ')}; first host killed at ${fmt(killedAt / 1000, 1)} s`,
);
console.log(`requests received    ${fmt(requests)}`);
console.log(`distinct deliveries  ${fmt(perDelivery.size)} of ${fmt(EXPECTED)}; missing ${fmt(EXPECTED - perDelivery.size)}`);
console.log(`repeats              ${fmt(requests - perDelivery.size)} requests; ${fmt(repeated)} deliveries arrived more than once`);
console.log(
  `settled              ${Number.isNaN(settledAt) ? `no, within ${CAP_S} s` : `${fmt(settledAt / 1000, 1)} s after the first push (queues empty)`}`,
);
console.log(
  `records              ${[...states]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${fmt(n)} × ${k}`)
    .join('; ')}; ` + `${fmt(waitedOut)} not succeeded or timed out`,
);
console.log(`load                 ${load()} at the end`);
await hosts[1]!.stop('SIGTERM');
closePosts();
receiver.stop();
await storage.close();
