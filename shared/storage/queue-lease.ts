import type { QueueClient } from '@azure/storage-queue';
import { keepRenewing } from '../keep-renewing.js';

/** A queue message held invisible while its work runs; each renewal brings a new pop receipt. */
export interface QueueLease {
  /** The pop receipt the last renewal returned (what a delete or an update must present). */
  receipt(): string;
  /** Ends the renewals (waiting for one in flight); the receipt is then final. */
  stop(): Promise<void>;
}

/** Keeps `message` invisible for `leaseSeconds` more at every half lease, until stopped. */
export function holdQueueLease(
  queue: Pick<QueueClient, 'updateMessage'>,
  message: { readonly messageId: string; readonly popReceipt: string },
  leaseSeconds: number,
  onError: (err: unknown) => void,
): QueueLease {
  let receipt = message.popReceipt;
  const renewing = keepRenewing(
    (leaseSeconds * 1000) / 2,
    async () => {
      const res = await queue.updateMessage(message.messageId, receipt, undefined, leaseSeconds);
      if (res.popReceipt) receipt = res.popReceipt;
    },
    onError,
  );
  return { receipt: () => receipt, stop: () => renewing.stop() };
}
