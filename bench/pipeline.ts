/*
 * npm run bench — N events × W webhooks through the local host (real Azurite in this process, as
 * `npm start` runs it) to a receiver in a child process. Prints, from one run: the plain keep-alive
 * POST loop's rate and raw queue send/receive/delete rate (the limits), then per scenario the
 * deliveries/s, events/s, ingest → delivery latency, storage calls per delivery, each as a ratio to
 * its limit, and the process's resident memory.
 */
import { QueueClient } from '@azure/storage-queue';
import { bootBenchHost, INGEST_KEY as INGEST, MANAGEMENT_KEY as KEY } from './lib/boot-bench-host.js';
import { startBenchStorage } from './lib/bench-storage.js';
import { fmt, now, pct } from './lib/figures.js';
import { pool } from './lib/pool.js';
import { pushEvent } from './lib/push-event.js';
import { closePosts, post } from './lib/post.js';
import { forkReceiver } from './lib/receiver-process.js';

const receiver = await forkReceiver();
const rxUrl = receiver.url;

async function waitForArrivals(count: number, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { count: c } = await receiver.counts();
    if (c >= count) return;
    if (Date.now() > deadline) throw new Error(`only ${c} of ${count} deliveries arrived`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// ---- the service, as npm start runs it; Azurite in this process (BENCH_AZURITE=inprocess, npm start's
// default) or in its own process (the default here: storage is another machine in production).
const azurite = await startBenchStorage();
const host = await bootBenchHost(azurite.connectionString);

// ---- limits measured in this run
async function postLoopRate(n: number, concurrency: number) {
  const body = JSON.stringify({ id: 'baseline', action: 'push', target: { repository: 'x', tag: 'y' } });
  const t0 = now();
  await pool(Array.from({ length: n }), concurrency, () => post(`${rxUrl}/baseline`, body, {}));
  const rate = n / ((now() - t0) / 1000);
  await receiver.take();
  return rate;
}
async function rawQueueRate(n: number) {
  const q = new QueueClient(azurite.connectionString, 'bench-raw');
  await q.createIfNotExists();
  const text = Buffer.from(JSON.stringify({ v: 1, type: 'event', payload: 'x'.repeat(400) })).toString('base64');
  const t0 = now();
  let done = 0;
  const producer = pool(Array.from({ length: n }), 16, () => q.sendMessage(text));
  const consumers = Array.from({ length: 4 }, async () => {
    while (done < n) {
      const { receivedMessageItems } = await q.receiveMessages({ numberOfMessages: 16, visibilityTimeout: 60 });
      if (receivedMessageItems.length === 0) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      await Promise.all(receivedMessageItems.map((m) => q.deleteMessage(m.messageId, m.popReceipt)));
      done += receivedMessageItems.length;
    }
  });
  await Promise.all([producer, ...consumers]);
  return n / ((now() - t0) / 1000);
}

// ---- scenarios
async function createWebhooks(registry: string, count: number) {
  await pool(Array.from({ length: count }), 8, async (_, i) => {
    const body = JSON.stringify({ location: 'westus', properties: { serviceUri: `${rxUrl}/${registry}/${i}`, actions: ['push'] } });
    const url = `${host.url}/registries/${registry}/webhooks/hook${String(i).padStart(5, '0')}`;
    const status = await post(url, body, { 'x-functions-key': KEY }, 'PUT');
    if (status !== 201) throw new Error(`create webhook: ${status}`);
  });
}

interface Result {
  deliverySeconds: number;
  coldLatency: number;
  deliveries: number;
  events: number;
  seconds: number;
  p50: number;
  p99: number;
  storageCalls: number;
}

async function scenario(
  name: string,
  events: number,
  webhooks: number,
  opts: { concurrency?: number; ratePerSecond?: number },
): Promise<Result> {
  const registry = name;
  await createWebhooks(registry, webhooks);
  // Warm-up: one event through, so the queue trigger is polling (an idle trigger backs off to
  // host.json's maxPollingInterval, which is the first event's extra latency, reported separately).
  const warmupAt = now();
  await post(
    `${host.url}/registries/${registry}/events`,
    JSON.stringify({
      id: `${name}-warmup`,
      timestamp: new Date().toISOString(),
      action: 'push',
      target: { repository: 'bench/app', tag: 'warmup' },
    }),
    { 'x-functions-key': INGEST },
  );
  await waitForArrivals(webhooks);
  const warmup = await receiver.take();
  const coldLatency = Math.max(...warmup.map(([, t]) => t)) - warmupAt;
  const before = await azurite.requestCounts();
  const sentAt = new Map<string, number>();
  const ids = Array.from({ length: events }, (_, i) => `${name}-${i}`);
  const t0 = now();
  const ingestOne = async (id: string) => {
    const body = JSON.stringify(pushEvent(id));
    sentAt.set(id, now());
    if (process.env['BENCH_TRACE']) console.error('TRACE post', Math.round(now() % 100000), id);
    const status = await post(`${host.url}/registries/${registry}/events`, body, { 'x-functions-key': INGEST });
    if (status !== 202) throw new Error(`ingest: ${status}`);
  };
  if (opts.ratePerSecond) {
    const interval = 1000 / opts.ratePerSecond;
    const pending: Promise<void>[] = [];
    for (let i = 0; i < ids.length; i++) {
      const due = t0 + i * interval;
      const wait = due - now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      pending.push(ingestOne(ids[i]!));
    }
    await Promise.all(pending);
  } else {
    await pool(ids, opts.concurrency ?? 1, ingestOne);
  }
  await waitForArrivals(events * webhooks);
  const arrivals = await receiver.take();
  const last = Math.max(...arrivals.map(([, t]) => t));
  const first = Math.min(...arrivals.map(([, t]) => t));
  // Let the fan-outs finish their records and deletes before counting storage calls.
  const q = new QueueClient(azurite.connectionString, 'registry-events');
  for (;;) {
    const props = await q.getProperties();
    if ((props.approximateMessagesCount ?? 0) === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 200));
  const after = await azurite.requestCounts();
  const latencies = arrivals.map(([id, t]) => t - (sentAt.get(id) ?? t)).sort((a, b) => a - b);
  if (process.env['BENCH_DEBUG']) {
    const perSecond = new Map<number, number>();
    for (const [id, t] of arrivals) {
      const sec = Math.floor(((sentAt.get(id) ?? t) - t0) / 1000);
      perSecond.set(sec, Math.max(perSecond.get(sec) ?? 0, t - (sentAt.get(id) ?? t)));
    }
    const byEvent = new Map<string, number[]>();
    for (const [id, t] of arrivals) byEvent.set(id, [...(byEvent.get(id) ?? []), t]);
    const firsts: number[] = [];
    const spreads: number[] = [];
    for (const [id, ts] of byEvent) {
      firsts.push(Math.min(...ts) - (sentAt.get(id) ?? 0));
      spreads.push(Math.max(...ts) - Math.min(...ts));
    }
    firsts.sort((a, b) => a - b);
    spreads.sort((a, b) => a - b);
    console.error(
      name,
      `per event: first delivery p50 ${fmt(pct(firsts, 50))} ms p99 ${fmt(pct(firsts, 99))} ms; first to last delivery p50 ${fmt(pct(spreads, 50))} ms p99 ${fmt(pct(spreads, 99))} ms`,
    );
    console.error(
      name,
      'max latency by second sent:',
      [...perSecond.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([s2, l]) => `${s2}s:${Math.round(l)}`)
        .join(' '),
    );
  }
  return {
    deliveries: arrivals.length,
    events,
    seconds: (last - t0) / 1000,
    deliverySeconds: (last - first) / 1000,
    coldLatency,
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
    storageCalls: after.queue + after.table - before.queue - before.table - 1 /* this getProperties */,
  };
}

console.log(
  `registry-webhooks benchmark (local host; Azurite ${azurite.inProcess ? 'in the host process' : 'in its own process'}; receiver in its own process)`,
);
console.log(`node ${process.version}, ${(await import('node:os')).cpus().length} cores\n`);

// BENCH_SKIP_LIMITS=1 skips the limit measurements (for profiling a scenario alone; ratios become NaN).
const skipLimits = process.env['BENCH_SKIP_LIMITS'] === '1';
const postRate = skipLimits ? NaN : await postLoopRate(5000, 64);
console.log(`limit: plain keep-alive POST loop to the receiver     ${fmt(postRate)} req/s (5,000 POSTs, 64 in flight)`);
const queueRate = skipLimits ? NaN : await rawQueueRate(2000);
console.log(`limit: raw queue send+receive+delete on this Azurite  ${fmt(queueRate)} msg/s (2,000 messages)\n`);

// BENCH_ONLY=fanout|onetoone|steady runs one scenario (for profiling).
const only = process.env['BENCH_ONLY'];
const rows: [string, Result][] = [];
if (!only || only === 'fanout')
  rows.push([
    'fan-out 20 events × 100 webhooks',
    await scenario('benchfanout', Number(process.env['BENCH_FANOUT_EVENTS'] ?? 20), 100, { concurrency: 4 }),
  ]);
if (!only || only === 'onetoone')
  rows.push(['1:1     1,000 events × 1 webhook', await scenario('benchonetoone', 1000, 1, { concurrency: 32 })]);
if (!only || only === 'steady')
  rows.push(['steady  50 events/s × 10 webhooks, 10 s', await scenario('benchsteady', 500, 10, { ratePerSecond: 50 })]);

for (const [label, r] of rows) {
  console.log(label);
  console.log(
    `  deliveries/s   ${fmt(r.deliveries / r.seconds)} end to end (${fmt((100 * r.deliveries) / r.seconds / postRate, 1)} % of the POST loop); ` +
      `${fmt(r.deliveries / r.deliverySeconds)} from first to last delivery (${fmt((100 * r.deliveries) / r.deliverySeconds / postRate, 1)} %)`,
  );
  console.log(
    `  events/s       ${fmt(r.events / r.seconds, 1)}   (${fmt((100 * r.events) / r.seconds / queueRate, 1)} % of the raw queue round trip)`,
  );
  console.log(
    `  latency        p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms (ingest request sent → delivery received); first event after idle ${fmt(r.coldLatency)} ms`,
  );
  console.log(
    `  storage calls  ${fmt(r.storageCalls)} in all, ${fmt(r.storageCalls / r.deliveries, 3)} per delivery, ${fmt(r.storageCalls / r.events, 2)} per event`,
  );
}
console.log(
  `\nresident memory of the host process (host + driver${azurite.inProcess ? ' + Azurite' : ''}): ${fmt(process.memoryUsage().rss / 1048576)} MB`,
);

await host.close();
await azurite.close();
closePosts();
receiver.stop();
