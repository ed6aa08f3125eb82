import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAzurite } from '../local/azurite.js';

/** Requests Azurite has served, by service: what the benchmarks report as storage calls. */
export interface StorageCounts {
  readonly queue: number;
  readonly table: number;
}

export interface BenchStorage {
  /** Azurite runs in this process (and its memory and CPU are the host process's). */
  readonly inProcess: boolean;
  readonly connectionString: string;
  /** `http://127.0.0.1:{port}/devstoreaccount1`: a queue's path-style URL is this plus `/{queue}`. */
  readonly queueEndpoint: string;
  requestCounts(): Promise<StorageCounts>;
  close(): Promise<void>;
}

/**
 * The benchmarks' storage: Azurite in this process with BENCH_AZURITE=inprocess (as `npm start` runs it),
 * else in its own process (bench/azurite-child.ts): storage is another machine in production, so its CPU
 * should not be billed to the host being measured. Either way it counts the requests it serves.
 */
export async function startBenchStorage(): Promise<BenchStorage> {
  if (process.env['BENCH_AZURITE'] === 'inprocess') {
    const a = await startAzurite();
    return {
      inProcess: true,
      connectionString: a.connectionString,
      queueEndpoint: a.queueEndpoint,
      requestCounts: () => Promise.resolve(a.requestCounts()),
      close: () => a.close(),
    };
  }
  const here = dirname(fileURLToPath(import.meta.url));
  const child = fork(join(here, 'azurite-child.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const once = <T>(type: string) =>
    new Promise<T>((resolve) => {
      const on = (m: { type: string } & T) => {
        if (m.type === type) {
          child.off('message', on);
          resolve(m);
        }
      };
      child.on('message', on);
    });
  const { connectionString, queueEndpoint } = await once<{ connectionString: string; queueEndpoint: string }>('ready');
  return {
    inProcess: false,
    connectionString,
    queueEndpoint,
    async requestCounts() {
      const reply = once<{ counts: StorageCounts }>('counts');
      child.send({ type: 'counts' });
      return (await reply).counts;
    },
    async close() {
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ type: 'stop' });
      await exited;
    },
  };
}
