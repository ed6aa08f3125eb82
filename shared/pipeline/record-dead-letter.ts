import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { QueueHandler } from '../handler-types.js';
import type { DeadLetterStore } from '../storage/dead-letter-store.js';
import type { DeliveryStore } from '../storage/delivery-store.js';
import { deliveriesMessage } from './messages.js';
import { deliveryIdOf } from '../delivery/delivery-id.js';
import { logValue } from '../log-value.js';
import type { Metrics } from '../metrics/metrics.js';

/** What `sendToPoison` wraps a message in; the host's own poison moves carry the bare message. */
const wrapper = z.object({ reason: z.string(), message: z.string(), at: z.string() });

export interface RecordDeadLetterDeps {
  readonly deadLetters: Pick<DeadLetterStore, 'add'>;
  readonly deliveries: Pick<DeliveryStore, 'getDeliveries' | 'putDeliveries'>;
  readonly now: Clock;
  readonly metrics: Pick<Metrics, 'deadLettered'>;
}

/**
 * The poison trigger for `sourceQueue`: records the message in the dead letters (ours carry a reason; the
 * host's do not), and fails the deliveries it carried, with the reason, so listEvents tells the truth.
 */
export function makeRecordDeadLetter(sourceQueue: string) {
  return (deps: RecordDeadLetterDeps): QueueHandler =>
    async (message, context) => {
      const ours = wrapper.safeParse(message);
      const text = ours.success ? ours.data.message : typeof message === 'string' ? message : JSON.stringify(message);
      const reason = ours.success
        ? ours.data.reason
        : `processing failed maxDequeueCount times (host.json), so the host moved it to ${sourceQueue}-poison`;
      const id = await deps.deadLetters.add(sourceQueue, text, reason, deps.now());
      deps.metrics.deadLettered(sourceQueue);
      context.error(`dead letter recorded: queue=${sourceQueue} id=${id}: ${logValue(reason, 1000)}`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text) as unknown;
      } catch {
        return;
      }
      const deliveries = deliveriesMessage.safeParse(parsed);
      if (!deliveries.success) return;
      const { registry, items } = deliveries.data;
      const now = deps.now().toISOString();
      const records = [];
      for (const record of await deps.deliveries.getDeliveries(items.map((item) => deliveryIdOf(registry, item)))) {
        if (record?.state === 'pending') {
          records.push({
            ...record,
            state: 'failed' as const,
            nextAttemptAt: undefined,
            lastError: `dead-lettered: ${reason} (replay it, or redeliver the event)`,
            updatedAt: now,
          });
        }
      }
      await deps.deliveries.putDeliveries(registry, records);
    };
}
