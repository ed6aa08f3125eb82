import type { QueueClient } from '@azure/storage-queue';
import type { z } from 'zod';
import type { QueueHandler } from '../handler-types.js';
import { sendQueueMessage } from '../storage/queue-message.js';
import { logValue } from '../log-value.js';

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
  await sendQueueMessage(queue, { reason, message: text.slice(0, 40_000), at: new Date().toISOString() });
}

/**
 * The opening every queue handler shares: the message is parsed with `schema` (it may come from an older
 * deploy, or from anyone with the queue's key); one that does not parse goes to `poison` at once with the
 * reason, and `handle` sees only messages that did.
 */
export function parseOrPoison<T extends z.ZodType>(
  schema: T,
  poison: QueueClient,
  label: string,
  handle: (message: z.infer<T>, context: Parameters<QueueHandler>[1]) => Promise<void>,
): QueueHandler {
  return async (message, context) => {
    const parsed = schema.safeParse(message);
    if (parsed.success) return handle(parsed.data, context);
    const why = parsed.error.issues[0]?.message ?? 'invalid';
    await sendToPoison(poison, message, `malformed ${label} message: ${why}`);
    context.error(`${label}: malformed message moved to the poison queue: ${logValue(why)}`);
  };
}
