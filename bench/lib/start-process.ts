import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INGEST_KEY, MANAGEMENT_KEY } from './boot-bench-host.js';
import { processCpuMs } from './proc-cpu.js';

/** `npm start` as users run it, in a process of its own. */
export interface StartProcess {
  readonly pid: number;
  /** `http://127.0.0.1:{port}` from its banner. */
  readonly url: string;
  /** Milliseconds from the spawn to the banner (storage loaded, the journal replayed, the API listening). */
  readonly startMs: number;
  /** A field of /proc/{pid}/status in MB: `VmRSS` (resident now) or `VmHWM` (the peak). */
  status(field: 'VmRSS' | 'VmHWM'): number;
  /** CPU seconds it has used so far, user and system (/proc/{pid}/stat). */
  cpuSeconds(): number;
  /** Sends `signal` and resolves once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const ownRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Spawns the built service (`node dist/local/start.js`, so `npm run build` first) with its embedded
 * Azurite (or the storage `env` names), the bench's keys and warnings-only logs, and waits for its banner.
 * `nodeArgs` go before the script (`--heapsnapshot-signal=SIGUSR2` for a debug run, `--cpu-prof`).
 * `source: true` runs `local/start.ts` through tsx instead of the build; `root` runs another checkout's
 * build (a baseline to compare with, built and with its own node_modules).
 */
export async function spawnStart(
  env: Readonly<Record<string, string>> = {},
  nodeArgs: readonly string[] = [],
  options: { readonly source?: boolean; readonly root?: string } = {},
): Promise<StartProcess> {
  const t0 = performance.now();
  const root = options.root ?? ownRoot;
  const script = options.source ? ['--import', 'tsx', join(root, 'local', 'start.ts')] : [join(root, 'dist', 'local', 'start.js')];
  const child: ChildProcessByStdio<null, Readable, null> = spawn(process.execPath, [...nodeArgs, ...script], {
    cwd: root,
    env: {
      PATH: process.env['PATH'] ?? '',
      PORT: '0',
      MANAGEMENT_KEYS: MANAGEMENT_KEY,
      INGEST_KEYS: INGEST_KEY,
      LOG_LEVEL: 'warning',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A bench that fails leaves no service running behind it.
  const orphan = () => child.kill('SIGKILL');
  process.once('exit', orphan);
  void exited.then(() => process.off('exit', orphan));
  let banner = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      banner += d.toString();
      const m = /API:\s+(\S+)/.exec(banner);
      if (m && /Ingest key:.*\n/.test(banner)) {
        child.stdout.off('data', onData);
        resolve(m[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${banner}`)));
  });
  const startMs = performance.now() - t0;
  // Its warnings keep flowing to this process's output.
  child.stdout.pipe(process.stdout);
  const pid = child.pid!;
  return {
    pid,
    url,
    startMs,
    status: (field) => Number(/(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8').split(`${field}:`)[1] ?? '')?.[1] ?? NaN) / 1024,
    cpuSeconds: () => processCpuMs(pid) / 1000,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        await exited;
      }
    },
  };
}
