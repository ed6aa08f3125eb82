import type { QueueClient } from '@azure/storage-queue';
import { sendQueueMessage } from '../storage/queue-message.js';
import { holdQueueLease, type QueueLease } from '../storage/queue-lease.js';
import type { EventsMessage } from './messages.js';

/** A sent message, as a lease or a delete needs it. */
interface SentMessage {
  readonly messageId: string;
  readonly popReceipt: string;
}

/**
 * The `registry-events` queue, the one way its messages are written: a batch of one registry's events
 * (the ingest's commit, a requeued duplicate, the end of a multi-arch hold window), held while the
 * process that sent it dispatches it, and removed when that is done.
 */
export interface EventsQueue {
  /** Sends a batch, invisible for `visibilitySeconds` (the dispatcher's lease, or a delay). */
  send(registry: string, items: EventsMessage['items'], visibilitySeconds: number): Promise<SentMessage>;
  /** Keeps a sent batch invisible while its dispatch runs (renewed at half the lease). */
  hold(message: SentMessage, leaseSeconds: number, onError: (err: unknown) => void): QueueLease;
  /** Deletes a dispatched batch. */
  remove(messageId: string, popReceipt: string): Promise<void>;
}

export function makeEventsQueue(queue: QueueClient): EventsQueue {
  return {
    send: (registry, items, visibilitySeconds) =>
      sendQueueMessage(queue, { v: 1, type: 'events', registry, items: [...items] } satisfies EventsMessage, visibilitySeconds),
    hold: (message, leaseSeconds, onError) => holdQueueLease(queue, message, leaseSeconds, onError),
    async remove(messageId, popReceipt) {
      await queue.deleteMessage(messageId, popReceipt);
    },
  };
}
