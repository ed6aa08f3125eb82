import type { CommittedBatch } from './ingest-batcher.js';
import type { Claimed } from './claims.js';
import { track, type Background } from './background.js';
import type { EventsQueue } from './events-queue.js';
import type { Logger } from '../logger.js';

/*
 * Dispatch at once: the process that commits an ingest batch fans it out itself, without waiting for a
 * queue poll. Its queue message was sent invisible for one lease; this renews that invisibility at half
 * the lease while the fan-out runs and deletes the message when it is done. If the process dies or is
 * frozen (an Azure instance scaled in after its HTTP invocation returned), the message reappears and the
 * queue trigger takes the claims over: correctness never depends on work after an invocation returns.
 * The ingest's invocation has returned (202) by then, so all of this logs through the process's logger.
 */

export interface DispatchDeps {
  readonly queue: Pick<EventsQueue, 'hold' | 'remove'>;
  readonly leaseMs: number;
  /** The fan-out of claimed events (fan-out.ts), bound to its own dependencies. */
  readonly fanOut: (registry: string, claimed: readonly Claimed[], log: Logger) => Promise<void>;
  /** Background work the host waits for on shutdown (and tests, to know it is done), and its logger. */
  readonly background: Background;
}

export function makeDispatcher(deps: DispatchDeps): (batch: CommittedBatch) => void {
  return (batch) => {
    const { log } = deps.background;
    const work = run(deps, batch, log).catch((err: unknown) => {
      log.warn(
        `dispatch: registry=${batch.registry} events=${batch.items.length} left to the queue trigger: ${err instanceof Error ? err.message : String(err)}`,
      );
    });
    track(deps.background, work);
  };
}

async function run(deps: DispatchDeps, batch: CommittedBatch, log: Logger): Promise<void> {
  const lease = deps.queue.hold(batch.message, Math.ceil(deps.leaseMs / 1000), (err: unknown) => {
    log.warn(
      `dispatch: could not renew the lease of registry=${batch.registry}'s message: ${err instanceof Error ? err.message : String(err)}`,
    );
  });
  try {
    const claimed: Claimed[] = batch.items.map((i) => ({
      item: { event: i.event, receivedAt: i.receivedAt, stored: i.payload },
      etag: i.etag,
      recorded: 0,
    }));
    await deps.fanOut(batch.registry, claimed, log);
  } finally {
    await lease.stop();
  }
  await deps.queue.remove(batch.message.messageId, lease.receipt());
}
