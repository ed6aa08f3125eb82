/*
 * npm run bench:soak — does `npm start` stay flat under a steady load, and do its management writes stay
 * fast as history grows? The built service (`node dist/local/start.js`) runs in its own process with its
 * embedded Azurite, delivering to a receiver in another process.
 *
 * - Steady (the default): SOAK_RATE events/s (20) × SOAK_WEBHOOKS webhooks (5) for SOAK_MINUTES (10), in
 *   memory; prints the resident set (/proc/{pid}/status VmRSS) every minute, its change since minute 1,
 *   and the CPU the service used that minute. The events push SOAK_TAGS distinct tags (100; 0: a new
 *   tag each, and the registry's memory of tags grows with the run). SOAK_HEAPSNAPSHOTS=1 (a debug run)
 *   has the service write heap snapshots at minute 1 and at the end.
 * - DATA_DIR (SOAK_DATA_DIR=1, or `npm run bench:datadir`): SOAK_DELIVERIES deliveries (100,000: events ×
 *   SOAK_WEBHOOKS as fast as they go) into a data folder, then SOAK_PUTS webhook PUTs one at a time
 *   (p50/p99), the folder's size, and a restart: kill -9, spawn on the same folder, time until the API
 *   answers (storage loaded and the ingest journal replayed before the host listens).
 *
 * Settings the service reads (LOCAL_HISTORY_DELIVERIES, EVENT_RETENTION_DAYS, DELIVERY_*) pass through
 * from this environment.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { INGEST_KEY, MANAGEMENT_KEY } from './lib/boot-bench-host.js';
import { fmt, pct } from './lib/figures.js';
import { pool } from './lib/pool.js';
import { closePosts, httpRequest, post } from './lib/post.js';
import { forkReceiver } from './lib/receiver-process.js';
import { spawnStart, type StartProcess } from './lib/start-process.js';

const settings = z
  .object({
    SOAK_MINUTES: z.coerce.number().positive().default(10),
    SOAK_RATE: z.coerce.number().int().min(1).max(1000).default(20),
    SOAK_WEBHOOKS: z.coerce.number().int().min(1).max(100).default(5),
    SOAK_DATA_DIR: z.enum(['0', '1']).default('0'),
    SOAK_DELIVERIES: z.coerce.number().int().min(1).default(100_000),
    SOAK_PUTS: z.coerce.number().int().min(1).default(200),
    // Distinct tags the events push (a registry re-pushes its tags); 0: a new tag every event, so the
    // registry's memory of tags (a row per repository:tag, kept whatever the window) grows with the run.
    SOAK_TAGS: z.coerce.number().int().min(0).default(100),
    // A debug run: heap snapshots of the service (in its working directory) at minute 1 and at the end,
    // and node options for it (e.g. `--require ./log-memory.cjs`).
    SOAK_HEAPSNAPSHOTS: z.enum(['0', '1']).default('0'),
    SOAK_NODE_ARGS: z.string().default(''),
  })
  .parse(process.env);
// The service's own settings, as a user would set them for npm start.
const passThrough = Object.fromEntries(
  Object.entries(process.env).filter(
    (e): e is [string, string] => /^(LOCAL_HISTORY_|EVENT_RETENTION|DELIVERY_)/.test(e[0]) && e[1] !== undefined,
  ),
);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const registry = 'soakregistry';
const hookNames = Array.from({ length: settings.SOAK_WEBHOOKS }, (_, i) => `soakhook${String(i).padStart(3, '0')}`);

const receiver = await forkReceiver(0);
const mgmt = { 'x-functions-key': MANAGEMENT_KEY };
const putHook = (svc: StartProcess, reg: string, name: string) =>
  post(
    `${svc.url}/registries/${reg}/webhooks/${name}`,
    JSON.stringify({ location: 'westus', properties: { serviceUri: `${receiver.url}/${name}`, actions: ['push'] } }),
    mgmt,
    'PUT',
  );
async function createHook(svc: StartProcess, name: string): Promise<void> {
  const status = await putHook(svc, registry, name);
  if (status !== 201) throw new Error(`PUT of webhook ${name} answered ${status}`);
}
let sequence = 0;
const sendEvent = (svc: StartProcess) => {
  const n = sequence++;
  const id = `soak-${n}`;
  const send = () =>
    post(
      `${svc.url}/registries/${registry}/events`,
      JSON.stringify({
        id,
        timestamp: new Date().toISOString(),
        action: 'push',
        target: {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: `sha256:${'c'.repeat(64)}`,
          repository: 'soak/app',
          tag: settings.SOAK_TAGS > 0 ? `v${n % settings.SOAK_TAGS}` : id,
        },
      }),
      { 'x-functions-key': INGEST_KEY },
    );
  // A keep-alive socket the service closed as this request left fails it: a registry sends it again.
  return send().catch(send);
};
let arrived = 0;
/** Deliveries the receiver has seen (its record of them is dropped as they are counted). */
const countArrivals = async () => (arrived += (await receiver.take()).length);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function steady(): Promise<void> {
  const snapshots = settings.SOAK_HEAPSNAPSHOTS === '1';
  const nodeArgs = [...settings.SOAK_NODE_ARGS.split(' ').filter(Boolean), ...(snapshots ? ['--heapsnapshot-signal=SIGUSR2'] : [])];
  const svc = await spawnStart(passThrough, nodeArgs);
  const snapshot = () => snapshots && process.kill(svc.pid, 'SIGUSR2');
  console.log(
    `npm start (node dist/local/start.js, embedded Azurite in memory), pid ${svc.pid}: ${settings.SOAK_RATE} events/s × ` +
      `${hookNames.length} webhooks for ${settings.SOAK_MINUTES} min; load ${load()}`,
  );
  for (const h of hookNames) await createHook(svc, h);
  console.log(`after start and ${hookNames.length} webhooks: resident ${fmt(svc.status('VmRSS'))} MB`);
  const refused = new Map<number, number>();
  const inFlight = new Set<Promise<void>>();
  const t0 = Date.now();
  const end = t0 + settings.SOAK_MINUTES * 60_000;
  let minute = 1;
  let first = NaN;
  let cpuAt = svc.cpuSeconds();
  for (let i = 0; ; i++) {
    const at = t0 + (i * 1000) / settings.SOAK_RATE;
    if (at >= end) break;
    if (at > Date.now()) await sleep(at - Date.now());
    const p = sendEvent(svc).then(
      (status) => void (status !== 202 && refused.set(status, (refused.get(status) ?? 0) + 1)),
      () => void refused.set(0, (refused.get(0) ?? 0) + 1),
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    if (Date.now() >= t0 + minute * 60_000) {
      await countArrivals();
      const rss = svc.status('VmRSS');
      const cpu = svc.cpuSeconds();
      const cpuLine = `CPU ${fmt(((cpu - cpuAt) / 60) * 100)} % of a core`;
      cpuAt = cpu;
      if (minute === 1) {
        first = rss;
        snapshot();
      }
      console.log(
        `minute ${String(minute).padStart(2)}: resident ${fmt(rss).padStart(4)} MB (${minute === 1 ? 'the reference' : `${rss >= first ? '+' : ''}${fmt(rss - first)} MB since minute 1`}), ` +
          `${fmt(sequence)} events sent, ${fmt(arrived)} deliveries arrived; ${cpuLine}; load ${load()}`,
      );
      minute++;
    }
  }
  await Promise.all(inFlight);
  const expected = sequence * hookNames.length;
  for (let waited = 0; arrived < expected && waited < 30; waited++) {
    await sleep(1000);
    await countArrivals();
  }
  const rss = svc.status('VmRSS');
  snapshot();
  console.log(
    `end (${settings.SOAK_MINUTES} min): resident ${fmt(rss)} MB, ${rss >= first ? '+' : ''}${fmt(rss - first)} MB since minute 1; ` +
      `peak ${fmt(svc.status('VmHWM'))} MB; ${fmt(arrived)} of ${fmt(expected)} deliveries arrived` +
      `${refused.size > 0 ? `; refused ingests ${JSON.stringify(Object.fromEntries(refused))}` : ''}; load ${load()}`,
  );
  await svc.stop();
}

/** Bytes under `dir`, and its largest files. */
function folderSize(dir: string): { total: number; files: [string, number][] } {
  const files: [string, number][] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.push([p.slice(dir.length + 1), statSync(p).size]);
    }
  };
  walk(dir);
  files.sort((a, b) => b[1] - a[1]);
  return { total: files.reduce((s, f) => s + f[1], 0), files };
}

let puts = 0;
async function putLatencies(svc: StartProcess, count: number, label: string): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    const status = await putHook(svc, 'soakputregistry', `soakput${String(puts++).padStart(5, '0')}`);
    times.push(performance.now() - t);
    if (status !== 201) throw new Error(`PUT answered ${status}`);
  }
  times.sort((a, b) => a - b);
  console.log(
    `webhook PUT ${label} (${count}, one at a time): p50 ${fmt(pct(times, 50), 1)} ms, p99 ${fmt(pct(times, 99), 1)} ms, ` +
      `max ${fmt(times.at(-1) ?? NaN, 1)} ms; load ${load()}`,
  );
}

async function dataDir(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rw-soak-'));
  try {
    let svc = await spawnStart({ ...passThrough, DATA_DIR: dir });
    console.log(`npm start with DATA_DIR=${dir}, pid ${svc.pid}, started in ${fmt(svc.startMs)} ms; load ${load()}`);
    for (const h of hookNames) await createHook(svc, h);
    await putLatencies(svc, 50, 'on an empty store');
    const events = Math.ceil(settings.SOAK_DELIVERIES / hookNames.length);
    const expected = events * hookNames.length;
    const t0 = performance.now();
    let next = t0 + 10_000;
    const refused: number[] = [];
    await pool(Array.from({ length: events }), 32, async () => {
      const status = await sendEvent(svc);
      if (status !== 202) refused.push(status);
      if (performance.now() > next) {
        next += 10_000;
        console.log(
          `  ${fmt((performance.now() - t0) / 1000)} s: ${fmt(sequence)} events accepted, ${fmt(await countArrivals())} deliveries; resident ${fmt(svc.status('VmRSS'))} MB`,
        );
      }
    });
    if (refused.length > 0) throw new Error(`${refused.length} ingests refused (${refused.slice(0, 5).join(', ')})`);
    while ((await countArrivals()) < expected) {
      if (performance.now() > next) {
        next += 10_000;
        console.log(`  ${fmt((performance.now() - t0) / 1000)} s: ${fmt(arrived)} of ${fmt(expected)} deliveries`);
      }
      await sleep(500);
    }
    const secs = (performance.now() - t0) / 1000;
    console.log(
      `${fmt(events)} events × ${hookNames.length} webhooks = ${fmt(expected)} deliveries in ${fmt(secs)} s (${fmt(expected / secs)}/s); ` +
        `resident ${fmt(svc.status('VmRSS'))} MB; load ${load()}`,
    );
    await sleep(15_000); // past a checkpoint and a trim of the window: the deliveries' work is done
    await putLatencies(svc, settings.SOAK_PUTS, `after ${fmt(expected)} deliveries`);
    const size = folderSize(dir);
    console.log(
      `data folder: ${fmt(size.total / 1048576, 1)} MB (${fmt(size.total / expected)} bytes per delivery); largest: ` +
        size.files
          .slice(0, 4)
          .map(([f, b]) => `${f} ${fmt(b / 1048576, 1)} MB`)
          .join(', '),
    );
    const t1 = performance.now();
    const listed = await httpRequest('GET', `${svc.url}/registries/${registry}/webhooks/${hookNames[0]}/listEvents?$top=100`, '', mgmt);
    console.log(
      `listEvents of one webhook ($top=100): ${listed.status} in ${fmt(performance.now() - t1, 1)} ms, ` +
        `${(JSON.parse(listed.body) as { value: unknown[] }).value.length} items`,
    );
    await svc.stop('SIGKILL');
    svc = await spawnStart({ ...passThrough, DATA_DIR: dir });
    const t2 = performance.now();
    const answered = await httpRequest('GET', `${svc.url}/registries/${registry}/webhooks`, '', mgmt);
    console.log(
      `restart after kill -9: banner after ${fmt(svc.startMs)} ms, the API answered ${answered.status} ${fmt(performance.now() - t2)} ms later ` +
        `(${fmt((svc.startMs + performance.now() - t2) / 1000, 1)} s in all); resident ${fmt(svc.status('VmRSS'))} MB; load ${load()}`,
    );
    await putLatencies(svc, 50, 'after the restart');
    await svc.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

try {
  if (settings.SOAK_DATA_DIR === '1') await dataDir();
  else await steady();
} finally {
  closePosts();
  receiver.stop();
}
