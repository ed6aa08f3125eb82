import type { Config } from '../config.js';
import type { AttemptDelivery } from '../delivery/attempt-delivery.js';
import { recordAll, sendAndRecord, type InFlight } from '../delivery/send-and-record.js';
import type { DeliveryStore } from '../storage/delivery-store.js';
import { track, type Background } from './background.js';
import { sendDeps, type FollowUpDeps } from './follow-up.js';

export interface HandoffDeps extends FollowUpDeps {
  readonly config: Pick<Config, 'deliveryTimeoutMs' | 'deliveryQueueWaitMs'>;
  readonly deliveries: Pick<DeliveryStore, 'putDeliveries'>;
  readonly attempt: AttemptDelivery;
  readonly background: Background;
}

/**
 * How long a first attempt still running when its fan-out returned may go on: it may wait for its turn and
 * a connection (DELIVERY_QUEUE_WAIT_SECONDS) before its timeout starts. Its hand-off message stays
 * invisible that long.
 */
export const handOffWindowSeconds = (config: Pick<Config, 'deliveryTimeoutMs' | 'deliveryQueueWaitMs'>): number =>
  Math.ceil((config.deliveryQueueWaitMs + config.deliveryTimeoutMs) / 1000) + 5;

/**
 * First attempts still running when a fan-out returns. One hand-off message, invisible until they must
 * have ended, backs them up: if this process finishes them it records the outcomes (sendAndRecord, with
 * the attempts already running), schedules retries and withdraws the message; if the process dies, the
 * message reappears and the delivery worker makes those attempts. The invocation that handed them off
 * has returned by then: what follows logs through the process's logger (`Background.log`).
 */
export async function trackHandoffs(deps: HandoffDeps, registry: string, inFlight: readonly InFlight[]): Promise<void> {
  if (inFlight.length === 0) return;
  const { log } = deps.background;
  const waitSeconds = handOffWindowSeconds(deps.config);
  const refs = inFlight.map((p) => ({ webhook: p.webhook.name, eventId: p.record.eventId, receivedMs: p.record.receivedMs, attempt: 1 }));
  const sent = await deps.deliveryQueue.schedule(registry, refs, waitSeconds);
  const finish = sendAndRecord(sendDeps(deps), {
    registry,
    sends: inFlight,
    record: recordAll((records) => deps.deliveries.putDeliveries(registry, records)),
    log,
  }).then(() => deps.deliveryQueue.withdraw(sent));
  track(
    deps.background,
    finish.catch((err: unknown) => {
      // The hand-off message stays and does the work later.
      log.warn(
        `hand-off of ${inFlight.length} deliveries (registry=${registry}) left to the delivery queue: ${err instanceof Error ? err.message : String(err)}`,
      );
    }),
  );
}
