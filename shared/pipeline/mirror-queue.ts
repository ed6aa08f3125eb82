import type { QueueClient } from '@azure/storage-queue';
import { sendQueueMessage } from '../storage/queue-message.js';
import type { MirrorMessage } from './messages.js';

/** The `eventgrid-mirror` queue, the one way its messages are written: events to publish, and a failed publish's retry. */
export interface MirrorQueue {
  send(message: MirrorMessage, delaySeconds?: number): Promise<void>;
}

export function makeMirrorQueue(queue: QueueClient): MirrorQueue {
  return {
    async send(message, delaySeconds = 0) {
      await sendQueueMessage(queue, message, delaySeconds);
    },
  };
}
