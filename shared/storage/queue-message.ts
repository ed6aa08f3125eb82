import type { QueueClient } from '@azure/storage-queue';

/**
 * The Functions host's queue trigger reads base64 (host.json `messageEncoding`), and `@azure/storage-queue`
 * does not encode: every message this service sends goes through here. A string is sent as it is (JSON
 * text already), anything else as its JSON.
 */
export function encodeQueueMessage(body: string | object): string {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return Buffer.from(text, 'utf8').toString('base64');
}

/** Sends one message, invisible for `visibilitySeconds` (a queue's delay is in whole seconds). */
export function sendQueueMessage(queue: QueueClient, body: string | object, visibilitySeconds = 0) {
  return queue.sendMessage(encodeQueueMessage(body), { visibilityTimeout: Math.max(0, Math.round(visibilitySeconds)) });
}
