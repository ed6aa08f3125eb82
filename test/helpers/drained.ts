import { QueueClient } from '@azure/storage-queue';
import { Queue, poisonQueueName } from '../../shared/constants.js';
import { eventually } from './receiver.js';

/*
 * Every queue the pipeline moves work through, each after the queues that feed it: an event message
 * becomes delivery messages (retries, hand-offs) or a poison message, a delivery message becomes
 * another or a poison message, a mirror message another or a poison message. A worker sends the next
 * message before it deletes its own, so reading in this order cannot miss work in transit: once a queue
 * reads empty nothing can arrive in it from upstream any more.
 */
const PIPELINE_QUEUES = [
  Queue.events,
  Queue.deliveries,
  poisonQueueName(Queue.events),
  poisonQueueName(Queue.deliveries),
  Queue.mirror,
  poisonQueueName(Queue.mirror),
];

/**
 * Resolves once the pipeline has nothing left to do. A queue's message count includes invisible
 * messages, so a message whose function is running, a retry waiting out its backoff and a hand-off
 * (its message stays until the process has recorded the outcome) all count; an ingest answers 202 only
 * after its message is queued. So when every queue is empty, every accepted event has reached its final
 * records and nothing more will be sent: a test that shows something did NOT happen waits for this, then
 * asserts the absence.
 */
export async function drained(connectionString: string, timeoutMs = 15_000): Promise<void> {
  const queues = PIPELINE_QUEUES.map((name) => new QueueClient(connectionString, name));
  let last = '';
  await eventually(
    async () => {
      for (const q of queues) {
        // A queue that does not exist (storage restarted empty) holds nothing.
        if (!(await q.exists())) continue;
        const { approximateMessagesCount = 0 } = await q.getProperties();
        if (approximateMessagesCount > 0) {
          last = `${q.name} has ${approximateMessagesCount}`;
          return undefined;
        }
      }
      return true;
    },
    timeoutMs,
    'the pipeline queues to drain',
  ).catch((err: unknown) => {
    throw new Error(`${err instanceof Error ? err.message : String(err)} (last seen: ${last})`);
  });
}
