import type { QueueClient } from '@azure/storage-queue';

/**
 * Moves a message that can never be processed to the poison queue at once (instead of failing it
 * `maxDequeueCount` times), with the reason beside it, so it can be inspected and replayed.
 */
export async function sendToPoison(queue: QueueClient, message: unknown, reason: string): Promise<void> {
  let text: string;
  try {
    text = typeof message === 'string' ? message : JSON.stringify(message);
  } catch {
    text = String(message);
  }
  const body = JSON.stringify({ reason, message: text.slice(0, 40_000), at: new Date().toISOString() });
  await queue.sendMessage(Buffer.from(body, 'utf8').toString('base64'));
}
