import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import { holdQueueLease, type QueueLease } from '../../shared/storage/queue-lease.js';

/**
 * How long a fetched message stays invisible while its function runs. The host leases for 10 minutes
 * and renews; the local host leases for less (so a killed `npm start` gives its messages back sooner)
 * and renews at half-time the same way.
 */
export const DEFAULT_LEASE_SECONDS = 60;

/** A fetched message's lease, renewed at half-time while its function runs (the service's one renewal loop). */
export function holdLease(queue: QueueClient, message: DequeuedMessageItem, leaseSeconds: number): QueueLease {
  // A failed renewal is retried at the next tick; the message's own outcome settles it.
  return holdQueueLease(queue, message, leaseSeconds, () => undefined);
}
