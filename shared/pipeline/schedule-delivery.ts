import type { InvocationContext } from '@azure/functions';
import type { Deps } from '../runtime/deps.js';
import type { DeliveryRecord } from '../delivery/delivery-record.js';
import type { AttemptResult } from '../delivery/attempt-delivery.js';
import type { WebhookRecord } from '../webhooks/webhook-store.js';
import { encodeMessage } from './messages.js';
import { logFailure } from './log-failure.js';

/** Queues the next attempt of a delivery; the queue's visibility timeout is the backoff, so no worker sleeps. */
export async function scheduleDelivery(
  deps: Deps,
  ids: { registry: string; webhook: string; rowKey: string; attempt: number; handoff?: boolean },
  delaySeconds: number,
) {
  return deps.queues.deliveries.sendMessage(encodeMessage({ v: 1, type: 'delivery', ...ids }), {
    visibilityTimeout: Math.max(0, Math.round(delaySeconds)),
  });
}

/**
 * A first attempt still running when the fan-out returns. A hand-off message, invisible until the
 * attempt must have ended, backs it up: if this process finishes the attempt it records the outcome and
 * withdraws the message; if the process dies, the message reappears and the delivery worker retries.
 */
export async function trackHandoff(
  deps: Deps,
  registry: string,
  webhook: WebhookRecord,
  record: DeliveryRecord,
  attempt: Promise<AttemptResult>,
  context: InvocationContext,
): Promise<void> {
  const waitSeconds = Math.ceil(deps.config.deliveryTimeoutMs / 1000) + 5;
  const sent = await scheduleDelivery(
    deps,
    { registry, webhook: webhook.name, rowKey: record.rowKey, attempt: 1, handoff: true },
    waitSeconds,
  );
  const tag = `registry=${registry} event=${record.eventId} action=${record.action}`;
  const finish = attempt.then(async (r) => {
    await deps.events.putDelivery(registry, r.record);
    if (r.record.state !== 'succeeded') logFailure(context, tag, webhook, r);
    if (r.retryInSeconds !== undefined) {
      await scheduleDelivery(
        deps,
        { registry, webhook: webhook.name, rowKey: r.record.rowKey, attempt: r.record.attempts + 1 },
        r.retryInSeconds,
      );
    }
    await deps.queues.deliveries.deleteMessage(sent.messageId, sent.popReceipt);
  });
  const tracked = finish.catch((err: unknown) => {
    // The hand-off message stays and does the work later.
    context.warn(
      `hand-off of ${tag} webhook=${webhook.name} left to the delivery queue: ${err instanceof Error ? err.message : String(err)}`,
    );
  });
  deps.background.add(tracked);
  void tracked.finally(() => deps.background.delete(tracked));
}
