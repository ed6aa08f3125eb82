/*
 * npm run bench:cost — CPU per delivery of the host, of storage, and of a bare client, side by side in one
 * run (issue 24). Four processes: the host as `npm start` runs it (local/start.ts, over the storage below),
 * Azurite in its own process (storage is another machine on Azure), the receiver in its own process, and
 * a bare client (cost-client.ts) that builds, signs and POSTs the same bodies with a keep-alive agent.
 *
 * A round is COST_EVENTS events (20) × COST_WEBHOOKS webhooks (100), ingested COST_INGEST_CONCURRENCY (4)
 * at a time. Its host and storage CPU (utime + stime from /proc, all threads) run from the first ingest
 * until every delivery has arrived, storage has then taken no request for COST_QUIET_MS (100; with storage
 * embedded, the host has used almost no CPU that long: the records are written after the deliveries
 * arrive), and listEvents shows the records final (the first and last webhook's,
 * which an event's transactions begin and end with; at the end of the run, every tenth webhook's, or every
 * webhook's with COST_VERIFY=all). The bare client sends as many deliveries, as many at once as the host
 * may send to one origin (64). COST_WARMUP (2) warm-up rounds of each, then COST_ROUNDS (5) measured
 * rounds, host and bare in turn. Also: the bytes of the request bodies the table and queue services
 * received, and the storage calls, per delivery. Other processes on the machine inflate every figure:
 * compare runs made back to back.
 *
 * The host runs the built `dist/local/start.js`, as `npm start` does, built first (`npm run build`) when a
 * source is newer than the build. COST_HOST=source runs `local/start.ts` through tsx instead: tsx adds a
 * call per closure created (esbuild's keepNames), which shows in the figures.
 * COST_BASELINE=<dir> measures a second host in the same run: another checkout of the project (say
 * `git worktree add /tmp/before <commit>` with its node_modules), built here first if needed, over an
 * Azurite of its own. Each round then runs this tree's host, the baseline's and the bare client in turn,
 * so before and after share the machine's load, and the change is printed round by round.
 * COST_STORAGE=embedded runs each host over the embedded Azurite in its own process (`npm start`'s default,
 * in memory): storage's CPU is then in the host's figure, and no storage bytes are counted.
 * COST_BARE_CLIENT=undici has the bare client POST through undici (what the host sends with) instead of
 * node's http.Agent (the floor issue 24 names): the stricter floor.
 * COST_HOST_NODE_ARGS='<flags>' starts this tree's host (not the baseline's) with these node flags.
 * COST_REPLAY=<n> records each host's table requests (through the tests' forwarding proxy, so the live
 * figures then include a hop) and, after the run, replays the measured rounds' requests n times per host into
 * a fresh Azurite alone (lib/table-replay.ts): the table service's CPU for the same requests, without the
 * host, receiver and bare client sharing its cores.
 * COST_PROFILE=<dir> runs the host, the bare client and this tree's Azurite with --cpu-prof into <dir>/host, <dir>/bare and <dir>/storage and
 * writes in each `windows.json`, the measured rounds' CLOCK_MONOTONIC spans (µs), for bench/cpu-profile.ts
 * to keep only their samples.
 */
import { fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIfStale } from '../scripts/build-dist.js';
import { newSigningSecret } from '../shared/delivery/signature.js';
import { INGEST_KEY, MANAGEMENT_KEY } from './lib/boot-bench-host.js';
import { spawnStart, type StartProcess } from './lib/start-process.js';
import { startBenchStorage, type BenchStorage } from './lib/bench-storage.js';
import { fmt } from './lib/figures.js';
import { pool } from './lib/pool.js';
import { pushEvent } from './lib/push-event.js';
import { closePosts, httpRequest, post } from './lib/post.js';
import { processCpuMs } from './lib/proc-cpu.js';
import { recordTables, replayTables, type TableRecorder } from './lib/table-replay.js';
import { forkReceiver } from './lib/receiver-process.js';
import type { CostClientRun } from './cost-client.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const setting = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const EVENTS = setting('COST_EVENTS', 20);
const WEBHOOKS = setting('COST_WEBHOOKS', 100);
const ROUNDS = setting('COST_ROUNDS', 5);
const WARMUP = setting('COST_WARMUP', 2);
const INGEST_CONCURRENCY = setting('COST_INGEST_CONCURRENCY', 4);
/** The bare client's HTTP library: node's http.Agent (the floor issue 24 sets), or undici (the host's own). */
const BARE_LIBRARY = process.env['COST_BARE_CLIENT'] === 'undici' ? 'undici' : 'http';
/** Storage embedded in the host (npm start's default, Azurite in memory in its process), not in a process of its own. */
const EMBEDDED = process.env['COST_STORAGE'] === 'embedded';
/** The host's default DELIVERY_CONNECTIONS_PER_ORIGIN: what it may have in flight to the one receiver. */
const CONCURRENCY = 64;
const REGISTRY = 'costfanout';
const LOG_LEVEL = process.env['COST_LOG_LEVEL'] ?? 'warning';
/** Replays of each host's table requests into a fresh Azurite, alone (lib/table-replay.ts); 0: none. */
const REPLAYS = setting('COST_REPLAY', 0);
const profileDir = process.env['COST_PROFILE'] ? resolve(process.env['COST_PROFILE']) : undefined;
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim();
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

const fromDist = process.env['COST_HOST'] !== 'source';
const baselineRoot = process.env['COST_BASELINE'] ? resolve(process.env['COST_BASELINE']) : undefined;
for (const tree of [...(fromDist ? [root] : []), ...(baselineRoot ? [baselineRoot] : [])]) buildIfStale(tree);

const receiver = await forkReceiver();

/**
 * A host measured: as npm start runs it, alone in its process, over an Azurite of its own in another, or
 * (COST_STORAGE=embedded) over the embedded Azurite in its own process, as `npm start` runs by default.
 */
interface Subject {
  readonly label: string;
  readonly host: StartProcess;
  /** Undefined when storage is embedded in the host: its CPU is then in the host's figure. */
  readonly storage: BenchStorage | undefined;
  /** With COST_REPLAY, the host's table requests, recorded on their way to its storage. */
  readonly recorder: TableRecorder | undefined;
}
const profileArgs = (who: 'host' | 'bare' | 'storage') => (profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, who)}`] : []);
async function startSubject(label: string, options: { source?: boolean; root?: string }, nodeArgs: readonly string[]): Promise<Subject> {
  // Only this tree's storage is profiled (the first subject's), as only its host is.
  const storage = EMBEDDED ? undefined : await startBenchStorage('child', label === 'this tree' ? profileArgs('storage') : []);
  const recorder = storage && REPLAYS > 0 ? await recordTables(storage) : undefined;
  const connectionString = recorder?.connectionString ?? storage?.connectionString;
  const host = await spawnStart(
    { LOG_LEVEL, ALLOW_PRIVATE_TARGETS: 'true', ...(connectionString ? { AzureWebJobsStorage: connectionString } : {}) },
    nodeArgs,
    options,
  );
  return { label, host, storage, recorder };
}
/** Node flags for this tree's host only (say a GC setting), to compare with a baseline that runs without them. */
const hostNodeArgs = (process.env['COST_HOST_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
const subjects: Subject[] = [await startSubject('this tree', { source: !fromDist }, [...profileArgs('host'), ...hostNodeArgs])];
if (baselineRoot) subjects.push(await startSubject(`baseline (${baselineRoot})`, { root: baselineRoot }, []));

// ---- the bare client
const client = fork(join(root, 'bench', 'cost-client.ts'), [], {
  execArgv: [...profileArgs('bare'), '--import', 'tsx'],
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
for (const { host } of subjects)
  await pool(Array.from({ length: WEBHOOKS }), 8, async (_, i) => {
    const body = JSON.stringify({ location: 'westus', properties: { serviceUri: `${receiver.url}/${REGISTRY}/${i}`, actions: ['push'] } });
    const status = await post(
      `${host.url}/registries/${REGISTRY}/webhooks/${hookName(i)}`,
      body,
      { 'x-functions-key': MANAGEMENT_KEY },
      'PUT',
    );
    if (status !== 201) throw new Error(`create webhook: ${status}`);
  });

const eventIds = (round: string) => Array.from({ length: EVENTS }, (_, e) => `cost-${round}-${String(e).padStart(3, '0')}`);

async function ingest(hostUrl: string, id: string): Promise<void> {
  const body = JSON.stringify(pushEvent(id));
  const status = await post(`${hostUrl}/registries/${REGISTRY}/events`, body, { 'x-functions-key': INGEST_KEY });
  if (status !== 202) throw new Error(`ingest: ${status}`);
}

interface ListedEvent {
  readonly id: string;
  readonly eventRequestMessage: { readonly content: CostClientRun['template'] };
  readonly delivery: { readonly state: string };
}

/** The webhook's newest deliveries, as listEvents shows them. */
async function listEvents(hostUrl: string, webhook: number, top: number): Promise<readonly ListedEvent[]> {
  const url = `${hostUrl}/registries/${REGISTRY}/webhooks/${hookName(webhook)}/listEvents?$top=${top}`;
  const { status, body } = await httpRequest('POST', url, '', { 'x-functions-key': MANAGEMENT_KEY });
  if (status !== 200) throw new Error(`listEvents: ${status}`);
  return (JSON.parse(body) as { value: ListedEvent[] }).value;
}

/** Whether the webhook's records of these events are all there and final (no longer pending). */
async function final(hostUrl: string, webhook: number, ids: ReadonlySet<string>): Promise<boolean> {
  const listed = await listEvents(hostUrl, webhook, ids.size);
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

const NO_COUNTS = { queue: 0, table: 0, queueBytes: 0, tableBytes: 0 };
async function snapshot({ host, storage }: Subject) {
  const counts = storage ? await storage.requestCounts() : NO_COUNTS;
  const storageCpu = storage ? processCpuMs(storage.pid) : 0;
  return { host: processCpuMs(host.pid), storage: storageCpu, counts, at: performance.now(), us: monotonicUs() };
}

/** How long storage must take no request (or the host with storage in it use almost no CPU) before a round's writes count as landed (COST_QUIET_MS). */
const QUIET_MS = setting('COST_QUIET_MS', 100);
const QUIET_POLL_MS = 20;

/**
 * Waits until a round's last writes have landed, and returns when the last one came (performance.now()).
 * Storage in its own process: until it has taken no request for QUIET_MS (its request counts, polled; the
 * host's queue polling, every second or so when idle, only extends the wait). Storage embedded in the host
 * (no requests to count): until the host has used less than a tenth of each poll's time in CPU for QUIET_MS.
 */
async function roundQuiet(subject: Subject): Promise<number> {
  const { storage } = subject;
  const read = storage
    ? async () => {
        const c = await storage.requestCounts();
        return c.table + c.queue;
      }
    : () => Promise.resolve(processCpuMs(subject.host.pid));
  // What a poll may see and still call quiet: no request at all; or, embedded, a tenth of the poll's CPU.
  const threshold = storage ? 0 : QUIET_POLL_MS / 10;
  let last = await read();
  let changedAt = performance.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, QUIET_POLL_MS));
    const now = await read();
    if (now - last > threshold) changedAt = performance.now();
    last = now;
    if (performance.now() - changedAt >= QUIET_MS) return changedAt;
  }
}

/** One host round: from the first ingest until every delivery arrived and listEvents shows each record final. */
async function hostRound(
  subject: Subject,
  round: string,
): Promise<Figures & { readonly span: readonly [number, number]; readonly recorded: readonly [number, number] }> {
  const ids = eventIds(round);
  const expected = ids.length * WEBHOOKS;
  const start = await snapshot(subject);
  const recordedFrom = subject.recorder?.mark() ?? 0;
  await pool(ids, INGEST_CONCURRENCY, (id) => ingest(subject.host.url, id));
  const wanted = new Set(ids);
  let earlyChecks = 0;
  let end: Awaited<ReturnType<typeof snapshot>>;
  let recorded: readonly [number, number] = [0, 0];
  for (;;) {
    const { count } = await receiver.counts();
    if (count < expected) {
      await new Promise((r) => setTimeout(r, 5));
      continue;
    }
    // The records are written after the deliveries arrive: wait until they have landed (roundQuiet), so
    // the round's last writes are in its figures (without it, a round's snapshot now and then
    // came before its last few transactions: ~15 % of a round's bytes and their CPU left out). The CPU up to
    // here is the round's when the check below passes: the check itself is not billed. An event's records
    // are written in transactions of at most 100 rows, in the order of its webhooks, one after another
    // (claim-store.ts recordFanOut): the first and the last webhook's records final mean all are.
    // runFinalCheck() reads every webhook's at the end.
    const landedAt = await roundQuiet(subject);
    end = { ...(await snapshot(subject)), at: landedAt };
    recorded = [recordedFrom, subject.recorder?.mark() ?? 0];
    if ((await final(subject.host.url, WEBHOOKS - 1, wanted)) && (await final(subject.host.url, 0, wanted))) break;
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
    recorded,
  };
}

/**
 * The records of every measured round there and final: every tenth webhook's and the last's, or with
 * COST_VERIFY=all every webhook's (listEvents reads the 64 shards each call: ~0.2 s a webhook here).
 */
async function runFinalCheck(hostUrl: string, ids: ReadonlySet<string>): Promise<number> {
  const bad: number[] = [];
  const all = process.env['COST_VERIFY'] === 'all';
  const webhooks = Array.from({ length: WEBHOOKS }, (_, w) => w).filter((w) => all || w % 10 === 0 || w === WEBHOOKS - 1);
  await pool(webhooks, 8, async (w) => {
    if (!(await final(hostUrl, w, ids))) bad.push(w);
  });
  if (bad.length > 0) throw new Error(`records missing or not final for webhooks ${bad.join(', ')}`);
  return webhooks.length;
}

const secret = newSigningSecret();
let template: CostClientRun['template'] | undefined;

/** The bare client's round: as many deliveries as a host round, CPU from /proc around its run. */
async function bareRound(round: string): Promise<{ cpuMs: number; wallMs: number; span: readonly [number, number] }> {
  const run: CostClientRun = {
    type: 'run',
    url: receiver.url,
    template: template!,
    eventIds: eventIds(round),
    webhooks: WEBHOOKS,
    concurrency: CONCURRENCY,
    secret,
    library: BARE_LIBRARY,
  };
  const before = processCpuMs(client.pid!);
  const t0 = performance.now();
  const startUs = monotonicUs();
  const done = fromClient<{ sent: number; failed: number }>('done');
  client.send(run);
  const { sent, failed } = await done;
  const cpuMs = processCpuMs(client.pid!) - before;
  const wallMs = performance.now() - t0;
  const span = [startUs, monotonicUs()] as const;
  await receiver.take();
  if (failed > 0) throw new Error(`the bare client: ${failed} of ${sent} POSTs failed`);
  return { cpuMs, wallMs, span };
}

console.log(
  `registry-webhooks bench:cost — host (${fromDist ? 'dist/local/start.js' : 'local/start.ts'}, LOG_LEVEL=${LOG_LEVEL}), ` +
    `${EMBEDDED ? 'Azurite embedded in it, ' : 'Azurite, '}receiver and bare client each in its own process; node ${process.version}`,
);
console.log(
  `load: ${EVENTS} events × ${WEBHOOKS} webhooks = ${fmt(EVENTS * WEBHOOKS)} deliveries a round, ${INGEST_CONCURRENCY} ingests at once; ` +
    `bare client (${BARE_LIBRARY === 'undici' ? 'undici' : "node's http.Agent"}) ${CONCURRENCY} POSTs at once; ${WARMUP} warm-up rounds each, then ${ROUNDS} measured`,
);
console.log(`loadavg at start: ${loadavg()}\n`);

// Warm-up: the hosts' queue triggers polling, connections open, code compiled; the template from what was sent.
for (let w = 1; w <= WARMUP; w++) {
  for (const subject of subjects) await hostRound(subject, `w${w}`);
  template ??= (await listEvents(subjects[0]!.host.url, 0, 1))[0]!.eventRequestMessage.content;
  await bareRound(`w${w}`);
}

type HostFigures = Awaited<ReturnType<typeof hostRound>>;
const hostRounds: HostFigures[][] = subjects.map(() => []);
const bareRounds: Awaited<ReturnType<typeof bareRound>>[] = [];
const perRound = EVENTS * WEBHOOKS;
const perDelivery = (ms: number) => fmt(ms / perRound, 3);
for (let r = 1; r <= ROUNDS; r++) {
  // The hosts in turn, then the bare client: each round's figures share the machine's load of that moment.
  const hs: HostFigures[] = [];
  for (const subject of subjects) hs.push(await hostRound(subject, `r${r}`));
  const b = await bareRound(`r${r}`);
  hs.forEach((h, i) => hostRounds[i]!.push(h));
  bareRounds.push(b);
  const hostsLine = hs
    .map(
      (h, i) =>
        `${subjects.length > 1 ? `${i === 0 ? 'this tree' : 'baseline'} ` : ''}host ${perDelivery(h.cpuMs)} ms CPU/delivery (${fmt(h.wallMs)} ms wall), ` +
        `storage ${EMBEDDED ? 'embedded' : `${perDelivery(h.storageCpuMs)}, ${fmt(h.tableBytes / (EVENTS * WEBHOOKS))} table bytes`}${h.earlyChecks > 0 ? ` (${h.earlyChecks} completion checks came early, counted)` : ''}`,
    )
    .join('; ');
  console.log(`round ${r}: ${hostsLine}; bare ${perDelivery(b.cpuMs)} (${fmt(b.wallMs)} ms wall)`);
}

// The median round: on a shared machine a round now and then is starved (its wall time shows it) and does
// more work (attempts past the inline wait are handed off and recorded twice); each host round is paired
// with the bare round of the same round, so the ratios are taken round by round.
const median = (xs: readonly number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const sum = <T>(xs: readonly T[], f: (x: T) => number) => xs.reduce((a, x) => a + f(x), 0);
const deliveries = ROUNDS * perRound;
const mean = (total: number) => fmt(total / deliveries, 3);
const bareMs = median(bareRounds.map((b) => b.cpuMs / perRound));
console.log(`\nper delivery, median of ${ROUNDS} rounds (mean in brackets; CPU from the scheduler's count, proc-cpu.ts):`);
subjects.forEach(({ label }, i) => {
  const rounds = hostRounds[i]!;
  const hostMs = median(rounds.map((h) => h.cpuMs / perRound));
  const storageMs = median(rounds.map((h) => h.storageCpuMs / perRound));
  const hostRatio = median(rounds.map((h, r) => h.cpuMs / bareRounds[r]!.cpuMs));
  const storageRatio = median(rounds.map((h, r) => h.storageCpuMs / bareRounds[r]!.cpuMs));
  console.log(`${label}:`);
  console.log(`  host     ${fmt(hostMs, 3)} ms CPU (${mean(sum(rounds, (h) => h.cpuMs))})   host/bare    ${fmt(hostRatio, 2)}×`);
  if (EMBEDDED) {
    console.log('  storage  embedded in the host: its CPU is in the host figure above');
    return;
  }
  console.log(
    `  storage  ${fmt(storageMs, 3)} ms CPU (${mean(sum(rounds, (h) => h.storageCpuMs))})   storage/bare ${fmt(storageRatio, 2)}×`,
  );
  console.log(
    `  storage bytes ${fmt(sum(rounds, (h) => h.tableBytes) / deliveries)} table request bytes, ` +
      `${fmt(sum(rounds, (h) => h.queueBytes) / deliveries)} queue request bytes; ` +
      `${fmt(sum(rounds, (h) => h.storageCalls) / deliveries, 3)} storage calls (means)`,
  );
});
console.log(`bare       ${fmt(bareMs, 3)} ms CPU (${mean(sum(bareRounds, (b) => b.cpuMs))})`);
if (subjects.length > 1) {
  // Round by round, this tree against the baseline measured just before or after it.
  // The median of the rounds' ratios, and the middle half of them: one round's storage figure moves by ±20 %
  // with the same writes (GC, the machine's other work), so the spread says how far a single run can be trusted.
  const change = (f: (h: HostFigures) => number) => {
    const ratios = hostRounds[0]!.map((h, r) => f(h) / f(hostRounds[1]![r]!)).sort((a, b) => a - b);
    const pct = (x: number) => `${fmt((x - 1) * 100, 0)} %`;
    const spread =
      ratios.length >= 4
        ? ` (middle half ${pct(ratios[Math.floor(ratios.length / 4)]!)} to ${pct(ratios[Math.ceil((3 * ratios.length) / 4) - 1]!)})`
        : '';
    return `${pct(median(ratios))}${spread}`;
  };
  console.log(
    `this tree against the baseline, median of the rounds' ratios: host CPU ${change((h) => h.cpuMs)}, ` +
      (EMBEDDED ? '(storage embedded)' : `storage CPU ${change((h) => h.storageCpuMs)}, table bytes ${change((h) => h.tableBytes)}`),
  );
}
console.log(`loadavg at end: ${loadavg()}`);
const checkedAt = performance.now();
// The embedded store keeps a window of history (LOCAL_HISTORY_DELIVERIES, 5,000 by default): only the last
// round's records are sure to be listed still.
const checkedRounds = EMBEDDED ? [ROUNDS] : Array.from({ length: ROUNDS }, (_, r) => r + 1);
const measured = new Set(checkedRounds.flatMap((r) => eventIds(`r${r}`)));
let checked = 0;
for (const { host } of subjects) checked = await runFinalCheck(host.url, measured);
console.log(
  `records of the ${EMBEDDED ? 'last measured round' : 'measured rounds'} final for the ${checked} webhooks checked per host (${fmt((performance.now() - checkedAt) / 1000, 1)} s; COST_VERIFY=all checks all)`,
);

const clientExited = new Promise((r) => client.once('exit', r));
if (REPLAYS > 0 && !EMBEDDED) {
  // The same table requests, each host's in turn, into a fresh Azurite alone: storage's CPU without the company.
  const perHost = subjects.map(() => [] as number[]);
  const answers = subjects.map(() => '');
  for (let r = 0; r < REPLAYS; r++)
    for (const [i, { recorder }] of subjects.entries()) {
      const { cpuMs, statuses } = await replayTables(
        recorder!.requests,
        hostRounds[i]!.map((h) => h.recorded),
      );
      perHost[i]!.push(cpuMs / deliveries);
      answers[i] = [...statuses].map(([status, n]) => `${status} ×${fmt(n)}`).join(', ');
    }
  console.log(
    `\ntable requests of the measured rounds replayed alone, one at a time, into a fresh Azurite (${REPLAYS} times each, in turn):`,
  );
  subjects.forEach(({ label, recorder }, i) => {
    const calls = sum(hostRounds[i]!, (h) => h.recorded[1] - h.recorded[0]);
    console.log(
      `  ${label}: ${fmt(median(perHost[i]!), 3)} ms table CPU per delivery (median; runs ${perHost[i]!.map((x) => fmt(x, 3)).join(', ')}), ` +
        `${fmt(calls / deliveries, 3)} table calls per delivery (answered ${answers[i]}), ${fmt(recorder!.requests.length)} requests replayed in all`,
    );
  });
  if (subjects.length > 1) {
    const ratios = perHost[0]!.map((x, r) => x / perHost[1]![r]!);
    console.log(`  this tree against the baseline, median of the replays' ratios: table CPU ${fmt((median(ratios) - 1) * 100, 0)} %`);
  }
}
for (const { recorder } of subjects) await recorder?.close();

client.send({ type: 'stop' });
await clientExited;
for (const { host } of subjects) await host.stop('SIGTERM');
if (profileDir) {
  writeFileSync(join(profileDir, 'host', 'windows.json'), JSON.stringify(hostRounds[0]!.map((h) => h.span)));
  writeFileSync(join(profileDir, 'bare', 'windows.json'), JSON.stringify(bareRounds.map((b) => b.span)));
  if (!EMBEDDED) mkdirSync(join(profileDir, 'storage'), { recursive: true });
  if (!EMBEDDED) writeFileSync(join(profileDir, 'storage', 'windows.json'), JSON.stringify(hostRounds[0]!.map((h) => h.span)));
  console.log(
    `CPU profiles in ${profileDir}/{host,bare${EMBEDDED ? '' : ',storage'}}; summarise with: npx tsx bench/cpu-profile.ts ${profileDir}/host`,
  );
}
closePosts();
receiver.stop();
for (const { storage } of subjects) await storage?.close();
