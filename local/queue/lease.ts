import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';

/**
 * How long a fetched message stays invisible while its function runs. The host leases for 10 minutes
 * and renews; the local host leases for less (so a killed `npm start` gives its messages back sooner)
 * and renews at half-time the same way.
 */
export const DEFAULT_LEASE_SECONDS = 60;

/** A message's lease, renewed at half-time until released; each renewal brings a new pop receipt. */
export interface Lease {
  receipt(): string;
  release(): void;
}

export function holdLease(queue: QueueClient, message: DequeuedMessageItem, leaseSeconds: number): Lease {
  let receipt = message.popReceipt;
  const renew = setInterval(
    () => {
      queue.updateMessage(message.messageId, receipt, undefined, leaseSeconds).then(
        (r) => {
          if (r.popReceipt) receipt = r.popReceipt;
        },
        // A failed renewal is retried at the next tick; the message's own outcome settles it.
        () => undefined,
      );
    },
    (leaseSeconds * 1000) / 2,
  );
  return { receipt: () => receipt, release: () => clearInterval(renew) };
}
