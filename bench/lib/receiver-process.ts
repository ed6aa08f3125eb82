import { fork } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One request the receiver saw: the body's `id`, when its body ended, its `webhook-id` header and its path. */
export type Arrival = readonly [id: string, at: number, webhookId: string, path: string];

/** The receiver's connection figures since it started. */
interface ReceiverCounts {
  /** Requests recorded since the last `take`. */
  readonly count: number;
  /** Requests not yet answered (their delay still running). */
  readonly inFlight: number;
  /** The most requests it held at once. */
  readonly maxInFlight: number;
  /** Requests whose sender closed the connection before the answer (a sender's timeout). */
  readonly aborted: number;
}

/** What the receiver process sends its parent. */
export type ReceiverReply =
  | { readonly type: 'ready'; readonly port: number }
  | ({ readonly type: 'count' } & ReceiverCounts)
  | { readonly type: 'take'; readonly arrivals: readonly Arrival[] };

export interface ReceiverProcess {
  /** `http://127.0.0.1:<port>`: any path is answered. */
  readonly url: string;
  counts(): Promise<ReceiverCounts>;
  /** The arrivals since the last take, handed over and forgotten by the receiver. */
  take(): Promise<readonly Arrival[]>;
  stop(): void;
}

/**
 * Forks bench/receiver.ts: the benchmarks' webhook endpoint in its own process (its own core), answering
 * every request 200 after `delayMs`.
 */
export async function forkReceiver(delayMs = 0): Promise<ReceiverProcess> {
  const here = dirname(fileURLToPath(import.meta.url));
  const child = fork(join(here, '..', 'receiver.ts'), [String(delayMs)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  function ask<T extends ReceiverReply['type']>(type: T): Promise<Extract<ReceiverReply, { type: T }>> {
    return new Promise((resolve) => {
      const on = (m: ReceiverReply) => {
        if (m.type === type) {
          child.off('message', on);
          resolve(m as Extract<ReceiverReply, { type: T }>);
        }
      };
      child.on('message', on);
      if (type !== 'ready') child.send({ type });
    });
  }
  const { port } = await ask('ready');
  return {
    url: `http://127.0.0.1:${port}`,
    counts: () => ask('count'),
    take: async () => (await ask('take')).arrivals,
    stop: () => child.send({ type: 'stop' }),
  };
}
