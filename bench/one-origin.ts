/*
 * npm run bench:one-origin — a retry storm against one healthy receiver. A CI pipeline pushes N images
 * within a few seconds (S concurrent senders posting ACR push events to the ingest); W webhooks (push,
 * every repository) all point at the same receiver, in a child process of its own, which answers every
 * request 200 after a fixed delay. Everything reaches it; the question is how often each delivery does,
 * when the deliveries outnumber what the origin can take within DELIVERY_TIMEOUT_SECONDS.
 *
 *   npm run bench:one-origin -- --events 400 --webhooks 5 --delay-ms 400 --timeout-s 3 --senders 10 --spread-s 5
 *
 * Other service settings pass through from the environment (DELIVERY_INLINE_WAIT_SECONDS, …);
 * --timeout-s wins over DELIVERY_TIMEOUT_SECONDS. It watches the receiver until every event reached every
 * webhook and the service has nothing left to send (or --cap-s passes), then prints the requests, distinct
 * deliveries (by path and `webhook-id`), repeats, missing, deliveries/s, ingest → first arrival latency,
 * the most requests the receiver held at once, what the service recorded for each delivery, the
 * delivery-queue wait per origin if the metrics have it, and this process's resident memory (host +
 * driver, and Azurite unless --azurite child).
 */
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Setting } from '../shared/constants.js';
import { bootBenchHost, INGEST_KEY, MANAGEMENT_KEY } from './lib/boot-bench-host.js';
import { startBenchStorage } from './lib/bench-storage.js';
import { fmt, now, pct } from './lib/figures.js';
import { histogramQuantiles } from './lib/histogram-quantile.js';
import { pool } from './lib/pool.js';
import { pushEvent } from './lib/push-event.js';
import { closePosts, post } from './lib/post.js';
import { forkReceiver } from './lib/receiver-process.js';

const QUEUE_HISTOGRAM = 'registry_webhooks_delivery_queue_seconds';
const REGISTRY = 'oneorigin';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '400' },
    webhooks: { type: 'string', default: '5' },
    'delay-ms': { type: 'string', default: '400' },
    'timeout-s': { type: 'string', default: process.env[Setting.deliveryTimeoutSeconds] ?? '3' },
    senders: { type: 'string', default: '10' },
    'spread-s': { type: 'string', default: '5' },
    'cap-s': { type: 'string', default: '180' },
    azurite: { type: 'string', default: 'inprocess' },
  },
  strict: true,
});
function numberArg(name: keyof typeof args, min: number): number {
  const n = Number(args[name]);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number, at least ${min} (got ${String(args[name])})`);
  return n;
}
const EVENTS = Math.round(numberArg('events', 1));
const WEBHOOKS = Math.round(numberArg('webhooks', 1));
const DELAY_MS = numberArg('delay-ms', 0);
const TIMEOUT_S = numberArg('timeout-s', 0.05);
const SENDERS = Math.round(numberArg('senders', 1));
const SPREAD_S = numberArg('spread-s', 0);
const CAP_S = numberArg('cap-s', 1);
if (args.azurite !== 'inprocess' && args.azurite !== 'child') throw new Error('--azurite must be inprocess or child');
const EXPECTED = EVENTS * WEBHOOKS;

// ---- the receiver, the storage and the service
const receiver = await forkReceiver(DELAY_MS);
const storage = await startBenchStorage(args.azurite);
const passedThrough = Object.fromEntries(
  Object.values(Setting).flatMap((name) => {
    const value = process.env[name];
    return value === undefined ? [] : [[name, value]];
  }),
);
const logged = { warning: new Map<string, number>(), error: new Map<string, number>() };
// One line per kind of log message: the delivery's names and ids and the jittered delays are dropped.
const kindOf = (fn: string, message: string) =>
  `${fn}: ${message.replace(/\b(registry|event|events|webhook|action)=\S+/g, '$1=…').replace(/\d+\.\d+/g, '…')}`.slice(0, 160);
const host = await bootBenchHost(
  storage.connectionString,
  { ...passedThrough, [Setting.deliveryTimeoutSeconds]: String(TIMEOUT_S) },
  (level, fn, message) => {
    if (level !== 'warning' && level !== 'error') return;
    const kind = kindOf(fn, message);
    logged[level].set(kind, (logged[level].get(kind) ?? 0) + 1);
    if (level === 'error' && logged.error.size <= 5 && logged.error.get(kind) === 1) console.error(`${fn}: ${message}`);
  },
);
const { config, services } = host;

const hooks = Array.from({ length: WEBHOOKS }, (_, i) => `hook${String(i + 1).padStart(2, '0')}`);
for (const name of hooks) {
  const body = JSON.stringify({ location: 'westus', properties: { serviceUri: `${receiver.url}/hook/${name}`, actions: ['push'] } });
  const status = await post(`${host.url}/registries/${REGISTRY}/webhooks/${name}`, body, { 'x-functions-key': MANAGEMENT_KEY }, 'PUT');
  if (status !== 201) throw new Error(`create webhook ${name}: HTTP ${status}`);
}

console.log(
  `one origin: ${fmt(EVENTS)} push events × ${WEBHOOKS} webhooks → one receiver answering 200 after ${fmt(DELAY_MS)} ms; ` +
    `${SENDERS} senders over ${fmt(SPREAD_S, 1)} s`,
);
console.log(
  `service: ${Setting.deliveryTimeoutSeconds}=${fmt(config.deliveryTimeoutMs / 1000, 2)}, ` +
    `${Setting.deliveryInlineWaitSeconds}=${fmt(config.deliveryInlineWaitMs / 1000, 2)}, retries after ${config.retrySchedule.join(',')} s; ` +
    `Azurite ${args.azurite === 'inprocess' ? 'in this process' : 'in its own process'}; receiver in its own process`,
);
const load = () =>
  loadavg()
    .map((n) => fmt(n, 2))
    .join(' ');
console.log(`node ${process.version}, ${cpus().length} cores, load average ${load()} (1, 5, 15 min)\n`);

// ---- the CI pipeline: event i is due at spread × i / N, taken by the next free sender
const ids = Array.from({ length: EVENTS }, () => randomUUID());
const sentAt = new Map<string, number>();
const ingestMs: number[] = [];
const statuses = new Map<number, number>();
const countsAtStart = await storage.requestCounts();
const t0 = now();
const interval = EVENTS > 1 ? (SPREAD_S * 1000) / (EVENTS - 1) : 0;
const sending = pool(ids, SENDERS, async (id, i) => {
  const wait = t0 + i * interval - now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const body = JSON.stringify(
    pushEvent(
      id,
      {
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        size: 524,
        digest: `sha256:${id.replaceAll('-', '').padEnd(64, '0')}`,
        length: 524,
        repository: 'ci/app',
        tag: `build-${i + 1}`,
      },
      { id: randomUUID(), host: 'bench.azurecr.io', method: 'PUT', useragent: 'docker/24.0.7' },
    ),
  );
  const at = now();
  sentAt.set(id, at);
  const status = await post(`${host.url}/registries/${REGISTRY}/events`, body, { 'x-functions-key': INGEST_KEY }).catch(() => 0);
  ingestMs.push(now() - at);
  statuses.set(status, (statuses.get(status) ?? 0) + 1);
});
let sentBy = NaN;
void sending.then(() => (sentBy = now() - t0));

// ---- watch the receiver until every delivery arrived and nothing is left to send, or the cap
const firstArrival = new Map<string, number>();
const requestsPerDelivery = new Map<string, number>();
let requests = 0;
let lastDistinctAt = NaN;
let repeatsWhenComplete = NaN;
let lastRequestAt = t0;
let peakRss = 0;
let settled = false;
let lastProgress = t0;
let counts = await receiver.counts();
let queued = { events: NaN, deliveries: NaN };
const queueDepth = async () => {
  const [events, deliveries] = await Promise.all([services.queues.events.getProperties(), services.queues.deliveries.getProperties()]);
  return { events: events.approximateMessagesCount ?? 0, deliveries: deliveries.approximateMessagesCount ?? 0 };
};
const elapsed = () => `${fmt((now() - t0) / 1000, 1).padStart(6)} s`;

while (now() - t0 < CAP_S * 1000) {
  await new Promise((r) => setTimeout(r, 250));
  const arrivals = await receiver.take();
  counts = await receiver.counts();
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  for (const [id, at, webhookId, path] of arrivals) {
    requests++;
    lastRequestAt = Math.max(lastRequestAt, at);
    const key = `${path} ${webhookId || id}`;
    requestsPerDelivery.set(key, (requestsPerDelivery.get(key) ?? 0) + 1);
    if (!firstArrival.has(key)) {
      firstArrival.set(key, at);
      lastDistinctAt = Number.isNaN(lastDistinctAt) ? at : Math.max(lastDistinctAt, at);
    }
  }
  const complete = firstArrival.size >= EXPECTED;
  if (complete && Number.isNaN(repeatsWhenComplete)) {
    repeatsWhenComplete = requests - firstArrival.size;
    console.log(`[${elapsed()}] every delivery arrived once; waiting until the service has nothing left to send`);
  }
  const progressDue = now() - lastProgress >= 5000;
  // Settled: all sent, nothing queued (retries wait in the deliveries queue, invisible), nothing running,
  // and quiet for a second (five while deliveries are missing: then nothing more is coming).
  const quietFor = complete ? 1000 : 5000;
  if (now() - lastRequestAt >= quietFor || progressDue) queued = await queueDepth();
  if (progressDue) {
    lastProgress = now();
    console.log(
      `[${elapsed()}] requests ${fmt(requests)}, distinct ${fmt(firstArrival.size)} of ${fmt(EXPECTED)}, ` +
        `receiver holds ${counts.inFlight} (max ${counts.maxInFlight}), sender gave up on ${fmt(counts.aborted)}; ` +
        `queued: events ${fmt(queued.events)}, deliveries ${fmt(queued.deliveries)}; background ${services.background.running.size}`,
    );
  }
  if (
    !Number.isNaN(sentBy) &&
    now() - lastRequestAt >= quietFor &&
    counts.inFlight === 0 &&
    services.background.running.size === 0 &&
    queued.events === 0 &&
    queued.deliveries === 0
  ) {
    settled = true;
    break;
  }
}
const endedAt = now();
await sending;

// The storage calls the run made, before the reads below.
const countsAtEnd = await storage.requestCounts();
// ---- what the service recorded for each delivery, beside how often it arrived
const recorded = new Map<string, number>();
for (const name of hooks)
  for (const id of ids) {
    const n = requestsPerDelivery.get(`/hook/${name} ${id}`) ?? 0;
    const r = await services.deliveries.latestDelivery(REGISTRY, name, id);
    const kind =
      `${n === 0 ? 'never arrived' : `arrived ${n}×`}, ` +
      (r ? `state=${r.state} attempts=${r.attempts}${r.lastError === 'in flight' ? ' lastError=in flight' : ''}` : 'no record');
    recorded.set(kind, (recorded.get(kind) ?? 0) + 1);
  }

// ---- the service's own view
const metricsText = await fetch(`${host.url}/metrics`, { headers: { 'x-functions-key': MANAGEMENT_KEY } }).then((r) => r.text());
const attemptsByOutcome = [...metricsText.matchAll(/^registry_webhooks_deliveries_total\{outcome="(\w+)"[^}]*\} (\S+)$/gm)]
  .map(([, outcome, n]) => `${outcome} ${fmt(Number(n))}`)
  .join(', ');
const queueWait = histogramQuantiles(metricsText, QUEUE_HISTOGRAM, 0.99);
const endRss = process.memoryUsage().rss;
const poison = (await services.queues.deliveriesPoison.getProperties()).approximateMessagesCount ?? 0;

// ---- figures
const distinct = firstArrival.size;
const latencies = [...firstArrival.entries()]
  .map(([key, at]) => at - (sentAt.get(key.slice(key.indexOf(' ') + 1)) ?? NaN))
  .filter((ms) => Number.isFinite(ms))
  .sort((a, b) => a - b);
const mostForOne = Math.max(0, ...requestsPerDelivery.values());
const repeated = [...requestsPerDelivery.values()].filter((n) => n > 1).length;
ingestMs.sort((a, b) => a - b);
const seconds = (lastDistinctAt - t0) / 1000;
const top = (m: Map<string, number>, lines = 6) =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, lines)
    .map(([kind, n]) => `\n    ${fmt(n).padStart(6)} × ${kind}`)
    .join('');
const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

console.log('');
console.log(
  `ingest               ${fmt(EVENTS)} events posted in ${fmt(sentBy / 1000, 1)} s (${[...statuses.entries()].map(([s, n]) => `HTTP ${s}: ${fmt(n)}`).join(', ')}); ` +
    `answered p50 ${fmt(pct(ingestMs, 50))} ms, p99 ${fmt(pct(ingestMs, 99))} ms`,
);
console.log(`requests received    ${fmt(requests)}`);
console.log(`distinct deliveries  ${fmt(distinct)} of ${fmt(EXPECTED)} (by webhook path and webhook-id)`);
console.log(
  `repeats              ${fmt(requests - distinct)} (requests − distinct); ` +
    `${Number.isNaN(repeatsWhenComplete) ? 'never all delivered' : `${fmt(repeatsWhenComplete)} by the time every delivery had arrived once`}; ` +
    `${fmt(repeated)} deliveries arrived more than once, the most often ${mostForOne} times`,
);
console.log(`missing              ${fmt(EXPECTED - distinct)}`);
const calls = (service: 'table' | 'queue') => countsAtEnd[service] - countsAtStart[service];
console.log(
  `storage calls        ${fmt((calls('table') + calls('queue')) / EXPECTED, 2)} per delivery (table ${fmt(calls('table'))}, queue ${fmt(calls('queue'))}; ` +
    `from the first ingest until the service had nothing left to send; the queue triggers' polling and this bench's queue-depth checks included)`,
);
console.log(
  `deliveries/s         ${fmt(distinct / seconds, 1)} (distinct ÷ ${fmt(seconds, 1)} s from the first ingest to the last distinct arrival)`,
);
console.log(`latency              ingest → first arrival p50 ${fmt(pct(latencies, 50))} ms, p99 ${fmt(pct(latencies, 99))} ms`);
console.log(
  `receiver             at most ${fmt(counts.maxInFlight)} requests at once; the sender gave up on ${fmt(counts.aborted)} before the answer`,
);
console.log(
  `queue wait p99       ${
    queueWait.length === 0
      ? `n/a (no ${QUEUE_HISTOGRAM} in /api/metrics)`
      : queueWait
          .map((s) => `${s.labels['origin'] ?? JSON.stringify(s.labels)}: ${fmt(s.value, 3)} s (${fmt(s.count)} observations)`)
          .join('; ')
  }`,
);
console.log(`delivery records     the latest of each delivery (listEvents' rows), by how often it arrived:${top(recorded, 10)}`);
console.log(`service's attempts   ${attemptsByOutcome || 'n/a'} (registry_webhooks_deliveries_total)`);
console.log(
  `settled              ${
    settled
      ? `yes: nothing left to send ${fmt((endedAt - t0) / 1000, 1)} s after the first ingest`
      : `no: the ${fmt(CAP_S)} s cap ended the watch; queued then: events ${fmt(queued.events)}, deliveries ${fmt(queued.deliveries)}`
  }; deliveries poison queue ${fmt(poison)}`,
);
console.log(`host log             ${fmt(total(logged.warning))} warnings${top(logged.warning)}`);
if (logged.error.size > 0) console.log(`                     ${fmt(total(logged.error))} errors${top(logged.error)}`);
console.log(
  `resident memory      ${fmt(endRss / 1048576)} MB at the end (peak seen ${fmt(peakRss / 1048576)} MB): host + driver` +
    `${args.azurite === 'inprocess' ? ' + Azurite' : ''}`,
);
console.log(`load average         ${load()} at the end (1, 5, 15 min)`);

await host.close();
await storage.close();
closePosts();
receiver.stop();
