import type { Config } from '../config.js';
import type { AttemptResult } from '../delivery/attempt-delivery.js';
import type { DeliveryRecord } from '../delivery/delivery-record.js';
import type { WebhookRecord } from '../webhooks/webhook.js';
import type { DeliveryStore } from '../storage/delivery-store.js';
import { track, type Background } from './background.js';
import { followUp, type FollowUpDeps } from './follow-up.js';
import { logFailure } from '../delivery/log-failure.js';

export interface HandoffDeps extends FollowUpDeps {
  readonly config: Pick<Config, 'deliveryTimeoutMs'>;
  readonly deliveries: Pick<DeliveryStore, 'putDeliveries'>;
  readonly background: Background;
}

export interface Handoff {
  readonly webhook: WebhookRecord;
  readonly record: DeliveryRecord;
  readonly attempt: Promise<AttemptResult>;
  readonly tag: string;
}

/**
 * First attempts still running when a fan-out returns. One hand-off message, invisible until they must
 * have ended, backs them up: if this process finishes them it records the outcomes (in transactions),
 * schedules retries and withdraws the message; if the process dies, the message reappears and the
 * delivery worker makes those attempts. The invocation that handed them off has returned by then: what
 * follows logs through the process's logger (`Background.log`).
 */
export async function trackHandoffs(deps: HandoffDeps, registry: string, pending: readonly Handoff[]): Promise<void> {
  if (pending.length === 0) return;
  const { log } = deps.background;
  const waitSeconds = Math.ceil(deps.config.deliveryTimeoutMs / 1000) + 5;
  const refs = pending.map((p) => ({ webhook: p.webhook.name, eventId: p.record.eventId, receivedMs: p.record.receivedMs, attempt: 1 }));
  const sent = await deps.deliveryQueue.schedule(registry, refs, waitSeconds);
  const finish = Promise.all(pending.map((p) => p.attempt)).then(async (results) => {
    await deps.deliveries.putDeliveries(
      registry,
      results.map((r) => r.record),
    );
    results.forEach((r, i) => {
      if (r.record.state !== 'succeeded') logFailure(log, pending[i]!.tag, pending[i]!.webhook, r);
    });
    await followUp(
      deps,
      registry,
      results.map((result, i) => ({ webhook: pending[i]!.webhook, result })),
      log,
    );
    await deps.deliveryQueue.withdraw(sent);
  });
  track(
    deps.background,
    finish.catch((err: unknown) => {
      // The hand-off message stays and does the work later.
      log.warn(
        `hand-off of ${pending.length} deliveries (registry=${registry}) left to the delivery queue: ${err instanceof Error ? err.message : String(err)}`,
      );
    }),
  );
}
