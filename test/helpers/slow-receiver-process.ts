import { fork } from 'node:child_process';
import { join } from 'node:path';
import { root } from './service.js';
import type { Arrival } from './slow-receiver.js';

type Reply = { type: 'ready'; url: string } | { type: 'arrivals'; arrivals: Arrival[]; mostOpen: number };

export interface SlowReceiverProcess {
  readonly url: string;
  /** What it has received so far, and the most requests it had open at once. */
  take(): Promise<{ arrivals: Arrival[]; mostOpen: number }>;
  close(): Promise<void>;
}

/** startSlowReceiver in a child process (slow-receiver-child.ts), asked for its arrivals over IPC. */
export async function startSlowReceiverProcess(delayMs: number): Promise<SlowReceiverProcess> {
  const child = fork(join(root, 'test', 'helpers', 'slow-receiver-child.ts'), [String(delayMs)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T extends Reply['type']>(type: T) =>
    new Promise<Extract<Reply, { type: T }>>((resolve, reject) => {
      const on = (m: Reply) => {
        if (m.type !== type) return;
        child.off('message', on);
        child.off('exit', gone);
        resolve(m as Extract<Reply, { type: T }>);
      };
      const gone = (code: number | null) => reject(new Error(`the receiver process exited (${code})`));
      child.on('message', on);
      child.once('exit', gone);
    });
  const { url } = await next('ready');
  return {
    url,
    async take() {
      const reply = next('arrivals');
      child.send({ type: 'take' });
      const { arrivals, mostOpen } = await reply;
      return { arrivals, mostOpen };
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'close' });
      await exited;
    },
  };
}
