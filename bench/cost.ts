/*
 * npm run bench:cost — CPU per delivery of the host, of storage, and of a bare client, side by side in one
 * run (issue 24). Four processes: the host as `npm start` runs it (local/start.ts, over the storage below),
 * Azurite in its own process (storage is another machine on Azure), the receiver in its own process, and
 * a bare client (cost-client.ts) that builds, signs and POSTs the same bodies with a keep-alive agent.
 *
 * A round is COST_EVENTS events (20) × COST_WEBHOOKS webhooks (100), ingested COST_INGEST_CONCURRENCY (4)
 * at a time. Its host and storage CPU (utime + stime from /proc, all threads) run from the first ingest
 * until every delivery has arrived and listEvents shows the records final (the first and last webhook's,
 * which an event's transactions begin and end with; at the end of the run, every tenth webhook's, or every
 * webhook's with COST_VERIFY=all). The bare client sends as many deliveries, as many at once as the host
 * may send to one origin (64). COST_WARMUP (2) warm-up rounds of each, then COST_ROUNDS (3) measured
 * rounds, host and bare in turn. Also: the bytes of the request bodies the table and queue services
 * received, and the storage calls, per delivery. Other processes on the machine inflate every figure:
 * compare runs made back to back.
 *
 * COST_HOST=dist runs the built `dist/local/start.js` (after `npm run build`) instead of the sources.
 * COST_PROFILE=<dir> runs the host with --cpu-prof into <dir> and writes there `windows.json`, the measured
 * rounds' CLOCK_MONOTONIC spans (µs), for bench/cpu-profile.ts to keep only their samples.
 */
import { spawn, fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newSigningSecret } from '../shared/delivery/signature.js';
import { INGEST_KEY, MANAGEMENT_KEY } from './lib/boot-bench-host.js';
import { startBenchStorage } from './lib/bench-storage.js';
import { fmt } from './lib/figures.js';
import { pool } from './lib/pool.js';
import { closePosts, httpRequest, post } from './lib/post.js';
import { processCpuMs } from './lib/proc-cpu.js';
import { forkReceiver } from './lib/receiver-process.js';
import type { CostClientRun } from './cost-client.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const setting = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const EVENTS = setting('COST_EVENTS', 20);
const WEBHOOKS = setting('COST_WEBHOOKS', 100);
const ROUNDS = setting('COST_ROUNDS', 3);
const WARMUP = setting('COST_WARMUP', 2);
const INGEST_CONCURRENCY = setting('COST_INGEST_CONCURRENCY', 4);
/** The host's default DELIVERY_CONNECTIONS_PER_ORIGIN: what it may have in flight to the one receiver. */
const CONCURRENCY = 64;
const REGISTRY = 'costfanout';
const LOG_LEVEL = process.env['COST_LOG_LEVEL'] ?? 'warning';
const profileDir = process.env['COST_PROFILE'] ? resolve(process.env['COST_PROFILE']) : undefined;
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim();
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

const receiver = await forkReceiver();
const storage = await startBenchStorage('child');

// ---- the host, as npm start runs it, alone in its process
const fromDist = process.env['COST_HOST'] === 'dist';
if (profileDir) mkdirSync(profileDir, { recursive: true });
const host = spawn(
  process.execPath,
  [
    ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    ...(fromDist ? [join(root, 'dist', 'local', 'start.js')] : ['--import', 'tsx', join(root, 'local', 'start.ts')]),
  ],
  {
    cwd: root,
    env: {
      PATH: process.env['PATH'] ?? '',
      PORT: '0',
      MANAGEMENT_KEYS: MANAGEMENT_KEY,
      INGEST_KEYS: INGEST_KEY,
      LOG_LEVEL,
      AzureWebJobsStorage: storage.connectionString,
      ALLOW_PRIVATE_TARGETS: 'true',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
let banner = '';
const hostUrl = await new Promise<string>((resolveUrl, reject) => {
  const onData = (d: Buffer) => {
    banner += d.toString();
    const m = /API:\s+(\S+)/.exec(banner);
    if (m && /Ingest key:.*\n/.test(banner)) {
      host.stdout.off('data', onData);
      resolveUrl(m[1]!);
    }
  };
  host.stdout.on('data', onData);
  host.once('exit', (code) => reject(new Error(`the host exited with ${code}:\n${banner}`)));
});
host.stdout.resume();
const hostPid = host.pid!;

// ---- the bare client
const client = fork(join(root, 'bench', 'cost-client.ts'), [], {
  execArgv: ['--import', 'tsx'],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const fromClient = <T>(type: string) =>
  new Promise<T>((resolveMessage) => {
    const on = (m: { type: string } & T) => {
      if (m.type !== type) return;
      client.off('message', on);
      resolveMessage(m);
    };
    client.on('message', on);
  });
await fromClient('ready');

// ---- the load
const hookName = (i: number) => `hook${String(i).padStart(5, '0')}`;
await pool(Array.from({ length: WEBHOOKS }), 8, async (_, i) => {
  const body = JSON.stringify({ location: 'westus', properties: { serviceUri: `${receiver.url}/${REGISTRY}/${i}`, actions: ['push'] } });
  const status = await post(
    `${hostUrl}/registries/${REGISTRY}/webhooks/${hookName(i)}`,
    body,
    { 'x-functions-key': MANAGEMENT_KEY },
    'PUT',
  );
  if (status !== 201) throw new Error(`create webhook: ${status}`);
});

const eventIds = (round: string) => Array.from({ length: EVENTS }, (_, e) => `cost-${round}-${String(e).padStart(3, '0')}`);

async function ingest(id: string): Promise<void> {
  const body = JSON.stringify({
    id,
    timestamp: new Date().toISOString(),
    action: 'push',
    target: {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 525,
      digest: 'sha256:' + 'c'.repeat(64),
      length: 525,
      repository: 'bench/app',
      tag: id,
    },
  });
  const status = await post(`${hostUrl}/registries/${REGISTRY}/events`, body, { 'x-functions-key': INGEST_KEY });
  if (status !== 202) throw new Error(`ingest: ${status}`);
}

interface ListedEvent {
  readonly id: string;
  readonly eventRequestMessage: { readonly content: CostClientRun['template'] };
  readonly delivery: { readonly state: string };
}

/** The webhook's newest deliveries, as listEvents shows them. */
async function listEvents(webhook: number, top: number): Promise<readonly ListedEvent[]> {
  const url = `${hostUrl}/registries/${REGISTRY}/webhooks/${hookName(webhook)}/listEvents?$top=${top}`;
  const { status, body } = await httpRequest('POST', url, '', { 'x-functions-key': MANAGEMENT_KEY });
  if (status !== 200) throw new Error(`listEvents: ${status}`);
  return (JSON.parse(body) as { value: ListedEvent[] }).value;
}

/** Whether the webhook's records of these events are all there and final (no longer pending). */
async function final(webhook: number, ids: ReadonlySet<string>): Promise<boolean> {
  const listed = await listEvents(webhook, ids.size);
  return listed.length === ids.size && listed.every((e) => ids.has(e.id) && e.delivery.state !== 'pending');
}

interface Figures {
  readonly cpuMs: number;
  readonly storageCpuMs: number;
  readonly tableBytes: number;
  readonly queueBytes: number;
  readonly storageCalls: number;
  readonly wallMs: number;
  /** Completion checks that found a record still missing or pending (their cost is in the figures). */
  readonly earlyChecks: number;
}

async function snapshot() {
  const counts = await storage.requestCounts();
  return { host: processCpuMs(hostPid), storage: processCpuMs(storage.pid), counts, at: performance.now(), us: monotonicUs() };
}

/** One host round: from the first ingest until every delivery arrived and listEvents shows each record final. */
async function hostRound(round: string): Promise<Figures & { readonly span: readonly [number, number] }> {
  const ids = eventIds(round);
  const expected = ids.length * WEBHOOKS;
  const start = await snapshot();
  await pool(ids, INGEST_CONCURRENCY, ingest);
  const wanted = new Set(ids);
  let earlyChecks = 0;
  let end: Awaited<ReturnType<typeof snapshot>>;
  for (;;) {
    const { count } = await receiver.counts();
    if (count < expected) {
      await new Promise((r) => setTimeout(r, 5));
      continue;
    }
    // The CPU up to here is the round's when the check below passes: the check itself is not billed. An
    // event's records are written in transactions of at most 100 rows, in the order of its webhooks, one
    // after another (claim-store.ts recordFanOut): the first and the last webhook's records final mean all
    // are. runFinalCheck() reads every webhook's at the end.
    end = await snapshot();
    if ((await final(WEBHOOKS - 1, wanted)) && (await final(0, wanted))) break;
    earlyChecks++;
  }
  const arrivals = await receiver.take();
  if (arrivals.length !== expected) throw new Error(`${arrivals.length} deliveries arrived, ${expected} expected`);
  return {
    cpuMs: end.host - start.host,
    storageCpuMs: end.storage - start.storage,
    tableBytes: end.counts.tableBytes - start.counts.tableBytes,
    queueBytes: end.counts.queueBytes - start.counts.queueBytes,
    storageCalls: end.counts.table + end.counts.queue - start.counts.table - start.counts.queue,
    wallMs: end.at - start.at,
    earlyChecks,
    span: [start.us, end.us],
  };
}

/**
 * The records of every measured round there and final: every tenth webhook's and the last's, or with
 * COST_VERIFY=all every webhook's (listEvents reads the 64 shards each call: ~0.2 s a webhook here).
 */
async function runFinalCheck(ids: ReadonlySet<string>): Promise<number> {
  const bad: number[] = [];
  const all = process.env['COST_VERIFY'] === 'all';
  const webhooks = Array.from({ length: WEBHOOKS }, (_, w) => w).filter((w) => all || w % 10 === 0 || w === WEBHOOKS - 1);
  await pool(webhooks, 8, async (w) => {
    if (!(await final(w, ids))) bad.push(w);
  });
  if (bad.length > 0) throw new Error(`records missing or not final for webhooks ${bad.join(', ')}`);
  return webhooks.length;
}

const secret = newSigningSecret();
let template: CostClientRun['template'] | undefined;

/** The bare client's round: as many deliveries as a host round, CPU from /proc around its run. */
async function bareRound(round: string): Promise<{ cpuMs: number; wallMs: number }> {
  const run: CostClientRun = {
    type: 'run',
    url: receiver.url,
    template: template!,
    eventIds: eventIds(round),
    webhooks: WEBHOOKS,
    concurrency: CONCURRENCY,
    secret,
  };
  const before = processCpuMs(client.pid!);
  const t0 = performance.now();
  const done = fromClient<{ sent: number; failed: number }>('done');
  client.send(run);
  const { sent, failed } = await done;
  const cpuMs = processCpuMs(client.pid!) - before;
  const wallMs = performance.now() - t0;
  await receiver.take();
  if (failed > 0) throw new Error(`the bare client: ${failed} of ${sent} POSTs failed`);
  return { cpuMs, wallMs };
}

console.log(
  `registry-webhooks bench:cost — host (${fromDist ? 'dist/local/start.js' : 'local/start.ts'}, LOG_LEVEL=${LOG_LEVEL}), ` +
    `Azurite, receiver and bare client each in its own process; node ${process.version}`,
);
console.log(
  `load: ${EVENTS} events × ${WEBHOOKS} webhooks = ${fmt(EVENTS * WEBHOOKS)} deliveries a round, ${INGEST_CONCURRENCY} ingests at once; ` +
    `bare client ${CONCURRENCY} POSTs at once; ${WARMUP} warm-up rounds each, then ${ROUNDS} measured`,
);
console.log(`loadavg at start: ${loadavg()}\n`);

// Warm-up: the host's queue triggers polling, connections open, code compiled; the template from what was sent.
for (let w = 1; w <= WARMUP; w++) {
  await hostRound(`w${w}`);
  template ??= (await listEvents(0, 1))[0]!.eventRequestMessage.content;
  await bareRound(`w${w}`);
}

const hostRounds: Awaited<ReturnType<typeof hostRound>>[] = [];
const bareRounds: Awaited<ReturnType<typeof bareRound>>[] = [];
for (let r = 1; r <= ROUNDS; r++) {
  const h = await hostRound(`r${r}`);
  const b = await bareRound(`r${r}`);
  hostRounds.push(h);
  bareRounds.push(b);
  console.log(
    `round ${r}: host ${fmt(h.cpuMs)} ms CPU in ${fmt(h.wallMs)} ms, storage ${fmt(h.storageCpuMs)} ms CPU; ` +
      `bare ${fmt(b.cpuMs)} ms CPU in ${fmt(b.wallMs)} ms${h.earlyChecks > 0 ? ` (${h.earlyChecks} completion checks came early, counted)` : ''}`,
  );
}

const sum = <T>(xs: readonly T[], f: (x: T) => number) => xs.reduce((a, x) => a + f(x), 0);
const deliveries = ROUNDS * EVENTS * WEBHOOKS;
const hostMs = sum(hostRounds, (h) => h.cpuMs) / deliveries;
const storageMs = sum(hostRounds, (h) => h.storageCpuMs) / deliveries;
const bareMs = sum(bareRounds, (b) => b.cpuMs) / deliveries;
console.log(`\nper delivery (${fmt(deliveries)} deliveries; /proc ticks are 10 ms):`);
console.log(`  host     ${fmt(hostMs, 3)} ms CPU   host/bare    ${fmt(hostMs / bareMs, 2)}×`);
console.log(`  storage  ${fmt(storageMs, 3)} ms CPU   storage/bare ${fmt(storageMs / bareMs, 2)}×`);
console.log(`  bare     ${fmt(bareMs, 3)} ms CPU`);
console.log(
  `  storage bytes ${fmt(sum(hostRounds, (h) => h.tableBytes) / deliveries)} table request bytes, ` +
    `${fmt(sum(hostRounds, (h) => h.queueBytes) / deliveries)} queue request bytes; ` +
    `${fmt(sum(hostRounds, (h) => h.storageCalls) / deliveries, 3)} storage calls`,
);
console.log(`loadavg at end: ${loadavg()}`);
const checkedAt = performance.now();
const checked = await runFinalCheck(new Set(Array.from({ length: ROUNDS }, (_, r) => eventIds(`r${r + 1}`)).flat()));
console.log(
  `records of the measured rounds final for the ${checked} webhooks checked (${fmt((performance.now() - checkedAt) / 1000, 1)} s; COST_VERIFY=all checks all)`,
);

client.send({ type: 'stop' });
const exited = new Promise((r) => host.once('exit', r));
host.kill('SIGTERM');
await exited;
if (profileDir) {
  writeFileSync(join(profileDir, 'windows.json'), JSON.stringify(hostRounds.map((h) => h.span)));
  console.log(`host CPU profile in ${profileDir}; summarise with: npx tsx bench/cpu-profile.ts ${profileDir}`);
}
closePosts();
receiver.stop();
await storage.close();
