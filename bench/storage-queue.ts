/*
 * npm run bench:storage-queue [-- --events 200 --webhooks 5] — issue 22: deliveries per second to Storage
 * Queue destinations, against the raw SDK sending the same messages, in one run. W webhooks with
 * `endpointType: 'StorageQueue'` (one Azurite queue each, path-style URL, Azurite's connection string, as
 * test/integration/destinations-storage-queue.test.ts makes them) take E ingested ACR pushes from a few
 * concurrent senders; the run is timed from the first ingest request to the last Put Message's answer,
 * and waits on the queues' message counts, not on a sleep. Then the raw baseline: `QueueClient.sendMessage`
 * of the very messages the service enqueued (read back from its queues), on the same Azurite, with as
 * many in flight as the service had at its peak and on average. Prints both rates, their ratio, the
 * ingest → enqueue latency, storage calls per delivery (counted at Azurite) and the host's RSS. Storage
 * and host as bench/pipeline.ts has them: Azurite in its own process, or BENCH_AZURITE=inprocess.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { QueueClient } from '@azure/storage-queue';
import { bootBenchHost, INGEST_KEY, MANAGEMENT_KEY } from './lib/boot-bench-host.js';
import { startBenchStorage } from './lib/bench-storage.js';
import { fmt, now, pct } from './lib/figures.js';
import { pool } from './lib/pool.js';
import { closePosts, httpRequest } from './lib/post.js';
import { watchQueueSends } from './lib/queue-sends.js';

const positive = (flag: string, value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a whole number ≥ 1, not ${JSON.stringify(value)}`);
  return n;
};
const { values } = parseArgs({
  options: { events: { type: 'string', default: '200' }, webhooks: { type: 'string', default: '5' } },
  strict: true,
});
const EVENTS = positive('--events', values.events);
const WEBHOOKS = positive('--webhooks', values.webhooks);
const DELIVERIES = EVENTS * WEBHOOKS;
/** Concurrent ingest senders: a few registries' worth of pushes at once, as bench/pipeline.ts's fan-out. */
const SENDERS = 4;
const REGISTRY = 'benchstoragequeue';
const TIMEOUT_MS = 120_000;

/** ACR's push payload as ACR sends it (the captured fixture), with its own ids per event. */
const fixture = JSON.parse(readFileSync(new URL('../test/fixtures/acr/push.json', import.meta.url), 'utf8')) as {
  target: Record<string, unknown>;
  request: Record<string, unknown>;
};
const pushEvent = (i: number) => ({
  ...fixture,
  id: randomUUID(),
  timestamp: new Date().toISOString(),
  target: { ...fixture.target, tag: `v${i}` },
  request: { ...fixture.request, id: randomUUID() },
});

async function until(done: () => boolean | Promise<boolean>, what: string, everyMs = 10): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const storage = await startBenchStorage();
const host = await bootBenchHost(storage.connectionString);
const api = async (method: 'GET' | 'POST' | 'PUT', url: string, body: string, key = MANAGEMENT_KEY) =>
  httpRequest(method, url.startsWith('http') ? url : `${host.url}${url}`, body, { 'x-functions-key': key });
const queues = (kind: string) =>
  Array.from({ length: WEBHOOKS }, (_, i) => new QueueClient(storage.connectionString, `sqbench-${kind}-${i}`));
/** Storage calls the benchmark itself makes while the service is measured, to leave out of its count. */
let ownCalls = 0;
const messagesIn = async (qs: readonly QueueClient[]) => {
  ownCalls += qs.length;
  const counts = await Promise.all(qs.map(async (q) => (await q.getProperties()).approximateMessagesCount ?? 0));
  return counts.reduce((a, b) => a + b, 0);
};
const idle = () => host.services.background.running.size === 0;

console.log(
  `registry-webhooks Storage Queue benchmark (local host; Azurite ${storage.inProcess ? 'in the host process' : 'in its own process'})`,
);
console.log(
  `node ${process.version}, ${cpus().length} cores; ${fmt(EVENTS)} events × ${fmt(WEBHOOKS)} webhooks (one queue each) = ${fmt(DELIVERIES)} deliveries; ${SENDERS} ingest senders\n`,
);

// ---- the service: W StorageQueue webhooks, E events
const hookQueues = queues('hook');
await Promise.all(hookQueues.map((q) => q.create()));
const hookNames = hookQueues.map((_, i) => `sqhook${String(i).padStart(5, '0')}`);
await pool(hookQueues, 8, async (q, i) => {
  const properties = {
    endpointType: 'StorageQueue',
    serviceUri: `${storage.queueEndpoint}/${q.name}`,
    connectionString: storage.connectionString,
    actions: ['push'],
  };
  const { status, body } = await api(
    'PUT',
    `/registries/${REGISTRY}/webhooks/${hookNames[i]}`,
    JSON.stringify({ location: 'westus', properties }),
  );
  if (status !== 201) throw new Error(`create webhook: ${status} ${body}`);
});
const ingest = async (event: ReturnType<typeof pushEvent>) => {
  const { status, body } = await api('POST', `/registries/${REGISTRY}/events`, JSON.stringify(event), INGEST_KEY);
  if (status !== 202) throw new Error(`ingest: ${status} ${body}`);
};

const serviceSends = watchQueueSends(/^sqbench-hook-/);
// Warm-up: one event through every webhook (code paths compiled, the destination's clients made, as in a
// running service), then the queues emptied.
await ingest(pushEvent(-1));
await until(() => serviceSends.succeeded >= WEBHOOKS && idle(), 'the warm-up deliveries');
await Promise.all(hookQueues.map((q) => q.clearMessages()));
serviceSends.reset();

const events = Array.from({ length: EVENTS }, (_, i) => pushEvent(i));
const sentAt = new Map<string, number>();
const ingestMs: number[] = [];
const before = await storage.requestCounts();
ownCalls = 0;
const t0 = now();
await pool(events, SENDERS, async (event) => {
  const sent = Date.now();
  sentAt.set(event.id, sent);
  await ingest(event);
  ingestMs.push(Date.now() - sent);
});
const ingestedAt = now();
// Every Put Message answered (seen in this process, no storage call), then the queues hold them all.
await until(() => serviceSends.succeeded + [...serviceSends.failed.values()].reduce((a, b) => a + b, 0) >= DELIVERIES, 'the deliveries');
if (serviceSends.failed.size > 0) throw new Error(`deliveries failed: ${JSON.stringify([...serviceSends.failed])} (status, count)`);
await until(async () => (await messagesIn(hookQueues)) >= DELIVERIES, 'the messages to show in the queues', 25);
const serviceMs = serviceSends.lastAnswerAt - t0;
const rss = process.memoryUsage().rss;
const serviceLoad = loadavg()[0]!;
ingestMs.sort((a, b) => a - b);
// The fan-outs' records and their events messages' deletes finish after the sends: counted, then still.
await until(idle, 'the fan-outs to finish');
const after = await storage.requestCounts();
const queueCalls = after.queue - before.queue - ownCalls;
const tableCalls = after.table - before.table;

// Ingest → enqueue: each delivery's record says when its Put Message was answered (updatedAt).
const latencies: number[] = [];
let unsettled = 0;
for (const name of hookNames) {
  let url: string | undefined = `/registries/${REGISTRY}/webhooks/${name}/listEvents?$top=1000`;
  let method: 'GET' | 'POST' = 'POST';
  while (url) {
    const res = await api(method, url, '');
    if (res.status !== 200) throw new Error(`listEvents: ${res.status} ${res.body}`);
    const page = JSON.parse(res.body) as {
      value: { id: string; delivery: { state: string; attempts: number; updatedAt: string } }[];
      nextLink?: string;
    };
    for (const { id, delivery } of page.value) {
      const sent = sentAt.get(id);
      if (sent === undefined) continue; // the warm-up
      if (delivery.state !== 'succeeded' || delivery.attempts !== 1) unsettled++;
      latencies.push(Date.parse(delivery.updatedAt) - sent);
    }
    [url, method] = [page.nextLink, 'GET'];
  }
}
latencies.sort((a, b) => a - b);
if (latencies.length !== DELIVERIES || unsettled > 0)
  throw new Error(`listEvents shows ${latencies.length} deliveries of ${DELIVERIES}, ${unsettled} not succeeded at the first attempt`);

// The messages the service enqueued, read back: the baseline sends exactly these.
const texts = await Promise.all(
  hookQueues.map(async (q) => {
    const out: string[] = [];
    while (out.length < EVENTS) {
      const { receivedMessageItems } = await q.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 600 });
      out.push(...receivedMessageItems.map((m) => m.messageText));
    }
    await q.clearMessages();
    return out;
  }),
);
const sample = texts[0]![0]!;
const sampleBody = Buffer.from(sample, 'base64').toString('utf8');
const sampleEvent = events.find((e) => sampleBody.includes(e.id));
if (!sampleEvent || sampleBody !== JSON.stringify(sampleEvent)) throw new Error(`a message is not its event's JSON: ${sampleBody}`);

// ---- the raw SDK: the same messages, to W fresh queues of the same Azurite. The service caps no Storage
// Queue sends (a fan-out sends all of a batch's deliveries at once), so its concurrency is measured, not
// set: the baseline runs at its peak in flight and at its mean (rounded up), and the ratio is taken
// against the faster of the two, so that no choice of concurrency flatters the service.
async function rawBaseline(kind: string, concurrency: number) {
  const qs = queues(kind);
  await Promise.all(qs.map((q) => q.create()));
  const sends = watchQueueSends(new RegExp(`^sqbench-${kind}-`));
  await Promise.all(qs.map((q) => q.sendMessage(sample)));
  await Promise.all(qs.map((q) => q.clearMessages()));
  sends.reset();
  const work = texts.flatMap((qTexts, q) => qTexts.map((text) => ({ q: qs[q]!, text })));
  const r0 = now();
  await pool(work, concurrency, ({ q, text }) => q.sendMessage(text));
  const ms = now() - r0;
  sends.stop();
  const load = loadavg()[0]!;
  if ((await messagesIn(qs)) !== DELIVERIES) throw new Error(`the ${kind} queues do not hold every message`);
  return { concurrency, ms, rate: DELIVERIES / (ms / 1000), meanSendMs: sends.busyMs / sends.succeeded, load };
}
const raws = [await rawBaseline('rawpeak', serviceSends.peakInFlight)];
const meanInFlight = Math.ceil(serviceSends.busyMs / serviceMs);
if (meanInFlight < serviceSends.peakInFlight) raws.push(await rawBaseline('rawmean', meanInFlight));
const best = raws.reduce((a, b) => (b.rate > a.rate ? b : a));

const serviceRate = DELIVERIES / (serviceMs / 1000);
const storageCalls = queueCalls + tableCalls;
console.log(`message   an ACR push, ${fmt(Buffer.byteLength(sampleBody))} bytes of JSON, ${fmt(sample.length)} base64`);
for (const [i, raw] of raws.entries())
  console.log(
    `raw SDK   ${fmt(raw.rate)} msgs/s   ${fmt(DELIVERIES)} × QueueClient.sendMessage in ${fmt(raw.ms)} ms, ${raw.concurrency} in flight ` +
      `(the service's ${i === 0 ? 'peak' : 'mean, rounded up'}); mean send ${fmt(raw.meanSendMs, 1)} ms`,
  );
console.log(
  `service   ${fmt(serviceRate)} deliveries/s   first ingest → last message in ${fmt(serviceMs)} ms; ` +
    `sends ${fmt(serviceSends.peakInFlight)} in flight at peak, ${fmt(serviceSends.busyMs / serviceMs, 1)} on average; ` +
    `mean send ${fmt(serviceSends.busyMs / serviceSends.succeeded, 1)} ms`,
);
console.log(
  `ratio     ${fmt(serviceRate / best.rate, 2)} (service ÷ raw SDK at ${best.concurrency} in flight, the faster baseline)` +
    raws
      .filter((r) => r !== best)
      .map((r) => `; ${fmt(serviceRate / r.rate, 2)} against ${r.concurrency} in flight`)
      .join(''),
);
console.log(
  `latency   ingest request sent → message enqueued: p50 ${fmt(pct(latencies, 50))} ms, p99 ${fmt(pct(latencies, 99))} ms ` +
    `(the ingest's 202 alone: p50 ${fmt(pct(ingestMs, 50))} ms, p99 ${fmt(pct(ingestMs, 99))} ms; all ${fmt(EVENTS)} accepted in ${fmt(ingestedAt - t0)} ms)`,
);
console.log(
  `storage   ${fmt(storageCalls)} calls (${fmt(queueCalls)} queue, ${fmt(tableCalls)} table): ${fmt(storageCalls / DELIVERIES, 2)} per delivery, ` +
    `of which 1 is the message itself and ${fmt((storageCalls - DELIVERIES) / DELIVERIES, 2)} the service's own; ${fmt(storageCalls / EVENTS, 1)} per event`,
);
console.log(
  `memory    host process RSS ${fmt(rss / 1048576)} MB (host + benchmark driver${storage.inProcess ? ' + Azurite' : ''}), at the end of the service's run`,
);
// The two rates are measured one after the other on a shared machine: its load says how far apart their conditions were.
console.log(
  `machine   1-min load average ${fmt(serviceLoad, 1)} after the service's run, ${raws.map((r) => fmt(r.load, 1)).join(' and ')} after the raw SDK's (${cpus().length} cores)`,
);

serviceSends.stop();
await host.close();
await storage.close();
closePosts();
