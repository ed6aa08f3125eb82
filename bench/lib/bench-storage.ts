import { fork } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAzurite } from '../../local/azurite.js';

/** Requests each Azurite service has served: the storage calls a benchmark reports. */
interface StorageCounts {
  readonly queue: number;
  readonly table: number;
  /** Bytes of the requests' bodies, by service. */
  readonly queueBytes: number;
  readonly tableBytes: number;
}

export interface BenchStorage {
  /** Azurite runs in this process (so its memory and CPU are the host process's). */
  readonly inProcess: boolean;
  /** The storage process's id (this process's when in process), for its CPU time in /proc. */
  readonly pid: number;
  readonly connectionString: string;
  /** `http://127.0.0.1:{port}/devstoreaccount1`: a queue's path-style URL is this plus `/{queue}`. */
  readonly queueEndpoint: string;
  /** `http://127.0.0.1:{port}/devstoreaccount1`, the table service's. */
  readonly tableEndpoint: string;
  requestCounts(): Promise<StorageCounts>;
  close(): Promise<void>;
}

/**
 * Real Azurite for a benchmark: in this process (`inprocess`, as `npm start` runs it), or in a child
 * process of its own (`child`: storage is another machine in production, so its CPU is not billed to the
 * host being measured). By default, `inprocess` when BENCH_AZURITE=inprocess, else `child`.
 */
export async function startBenchStorage(
  where: 'inprocess' | 'child' = process.env['BENCH_AZURITE'] === 'inprocess' ? 'inprocess' : 'child',
  /** Node flags for the child (say `--cpu-prof`). */
  nodeArgs: readonly string[] = [],
): Promise<BenchStorage> {
  if (where === 'inprocess') {
    const a = await startAzurite();
    return {
      inProcess: true,
      pid: process.pid,
      connectionString: a.connectionString,
      queueEndpoint: a.queueEndpoint,
      tableEndpoint: a.tableEndpoint,
      requestCounts: () => Promise.resolve(a.requestCounts()),
      close: () => a.close(),
    };
  }
  const here = dirname(fileURLToPath(import.meta.url));
  const child = fork(join(here, '..', 'azurite-child.ts'), [], {
    execArgv: [...nodeArgs, '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
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
  const { connectionString, queueEndpoint, tableEndpoint } = await once<{
    connectionString: string;
    queueEndpoint: string;
    tableEndpoint: string;
  }>('ready');
  return {
    inProcess: false,
    pid: child.pid!,
    connectionString,
    queueEndpoint,
    tableEndpoint,
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
