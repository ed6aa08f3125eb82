import { fork } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAzurite } from '../../local/azurite.js';

/** Requests each Azurite service has served: the storage calls a benchmark reports. */
interface StorageCounts {
  readonly queue: number;
  readonly table: number;
}

export interface BenchStorage {
  readonly connectionString: string;
  requestCounts(): Promise<StorageCounts>;
  close(): Promise<void>;
}

/**
 * Real Azurite for a benchmark: in this process (`inprocess`, as `npm start` runs it), or in a child
 * process of its own (`child`: storage is another machine in production, so its CPU is not billed to the
 * host being measured).
 */
export async function startBenchStorage(where: 'inprocess' | 'child'): Promise<BenchStorage> {
  if (where === 'inprocess') {
    const a = await startAzurite();
    return { connectionString: a.connectionString, requestCounts: () => Promise.resolve(a.requestCounts()), close: () => a.close() };
  }
  const here = dirname(fileURLToPath(import.meta.url));
  const child = fork(join(here, '..', 'azurite-child.ts'), [], {
    execArgv: ['--import', 'tsx'],
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
  const { connectionString } = await once<{ connectionString: string }>('ready');
  return {
    connectionString,
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
