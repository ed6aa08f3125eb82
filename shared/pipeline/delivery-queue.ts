import type { QueueClient } from '@azure/storage-queue';
import type { Attempted } from '../delivery/send-and-record.js';
import { encodeQueueMessage, sendQueueMessage } from '../storage/queue-message.js';
import { MAX_DELIVERIES_PER_MESSAGE, type DeliveriesMessage, type DeliveryRef } from './messages.js';

/** A sent message's receipt, so a hand-off can be withdrawn. */
interface Sent {
  readonly messageId: string;
  readonly popReceipt: string;
}

/** The `webhook-deliveries` queue as the pipeline uses it: deliveries due later, grouped per message. */
export interface DeliveryQueue {
  /**
   * Queues deliveries due after `delaySeconds`. The visibility timeout is the backoff, so no worker
   * sleeps; deliveries due at the same second share a message.
   */
  schedule(registry: string, items: readonly DeliveryRef[], delaySeconds: number): Promise<Sent[]>;
  withdraw(sent: readonly Sent[]): Promise<void>;
  /**
   * Sends one `ordered` message (at most MAX_DELIVERIES_PER_MESSAGE items), invisible for `leaseSeconds`:
   * a recover reserves its page's message before it resets the rows, so nothing is left pending without one.
   */
  reserveOrdered(registry: string, items: readonly DeliveryRef[], leaseSeconds: number): Promise<Sent>;
  /** Rewrites a reserved message to carry exactly `items` and makes it visible now; deletes it when there are none. */
  releaseOrdered(sent: Sent, registry: string, items: readonly DeliveryRef[]): Promise<void>;
}

const orderedMessage = (registry: string, items: readonly DeliveryRef[]): DeliveriesMessage => ({
  v: 2,
  type: 'deliveries',
  registry,
  ordered: true,
  items: [...items],
});

export function makeDeliveryQueue(queue: QueueClient): DeliveryQueue {
  return {
    async schedule(registry, items, delaySeconds) {
      const sent: Sent[] = [];
      for (let i = 0; i < items.length; i += MAX_DELIVERIES_PER_MESSAGE) {
        const message: DeliveriesMessage = {
          v: 2,
          type: 'deliveries',
          registry,
          items: items.slice(i, i + MAX_DELIVERIES_PER_MESSAGE),
        };
        const r = await sendQueueMessage(queue, message, delaySeconds);
        sent.push({ messageId: r.messageId, popReceipt: r.popReceipt });
      }
      return sent;
    },
    async withdraw(sent) {
      for (const s of sent) await queue.deleteMessage(s.messageId, s.popReceipt);
    },
    async reserveOrdered(registry, items, leaseSeconds) {
      const r = await sendQueueMessage(queue, orderedMessage(registry, items), leaseSeconds);
      return { messageId: r.messageId, popReceipt: r.popReceipt };
    },
    async releaseOrdered(sent, registry, items) {
      if (items.length === 0) await queue.deleteMessage(sent.messageId, sent.popReceipt);
      else await queue.updateMessage(sent.messageId, sent.popReceipt, encodeQueueMessage(orderedMessage(registry, items)), 0);
    },
  };
}

/** Queues each delivery after its own delay (whole seconds; none below 0), one message per distinct delay. */
export async function scheduleEach(
  queue: DeliveryQueue,
  registry: string,
  due: readonly { readonly ref: DeliveryRef; readonly delaySeconds: number }[],
): Promise<void> {
  const byDelay = new Map<number, DeliveryRef[]>();
  for (const { ref, delaySeconds } of due) {
    const delay = Math.max(0, delaySeconds);
    const list = byDelay.get(delay);
    if (list) list.push(ref);
    else byDelay.set(delay, [ref]);
  }
  for (const [delay, items] of byDelay) await queue.schedule(registry, items, delay);
}

/** Schedules every result that asks for another attempt, one message per distinct delay. */
export async function scheduleRetries(queue: DeliveryQueue, registry: string, results: readonly Attempted[]): Promise<void> {
  const due: { ref: DeliveryRef; delaySeconds: number }[] = [];
  for (const { webhook, result } of results) {
    // The next of an ordered lane, due now (its record waits `pending`; its next attempt is the one due).
    if (result.released) {
      const next = result.released;
      due.push({
        ref: { webhook: webhook.name, eventId: next.eventId, receivedMs: next.receivedMs, attempt: next.attempts + 1 },
        delaySeconds: 0,
      });
    }
    if (result.retryInSeconds === undefined) continue;
    due.push({
      ref: {
        webhook: webhook.name,
        eventId: result.record.eventId,
        receivedMs: result.record.receivedMs,
        attempt: result.record.attempts + 1,
        ...(result.waiting ? { notBeforeMs: Math.round(result.waiting.notBeforeMs) } : {}),
      },
      delaySeconds: Math.round(result.retryInSeconds),
    });
  }
  await scheduleEach(queue, registry, due);
}
