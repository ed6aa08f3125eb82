import type { QueueClient } from '@azure/storage-queue';
import type { StorageConfig } from '../config.js';
import { Queue, poisonQueueName } from '../constants.js';
import { createQueueClient } from './clients.js';

/** The service's queues and the host's poison queues beside them. */
export type Queues = {
  readonly events: QueueClient;
  readonly deliveries: QueueClient;
  readonly eventsPoison: QueueClient;
  readonly deliveriesPoison: QueueClient;
  readonly mirror: QueueClient;
  readonly mirrorPoison: QueueClient;
};

export function makeQueues(storage: StorageConfig): Queues {
  return {
    events: createQueueClient(storage, Queue.events),
    deliveries: createQueueClient(storage, Queue.deliveries),
    eventsPoison: createQueueClient(storage, poisonQueueName(Queue.events)),
    deliveriesPoison: createQueueClient(storage, poisonQueueName(Queue.deliveries)),
    mirror: createQueueClient(storage, Queue.mirror),
    mirrorPoison: createQueueClient(storage, poisonQueueName(Queue.mirror)),
  };
}
