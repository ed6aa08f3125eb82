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

/** The longest a queue keeps a new message invisible: 7 days. */
const MAX_VISIBILITY_SECONDS = 7 * 24 * 3600;

/**
 * Sends one message, invisible for `visibilitySeconds` (whole seconds, at most the queue's 7 days: a later
 * due time comes back then, to be looked at again). It never expires: with the default time to live (7
 * days) a message that waited out a long outage, or a delay near 7 days, would be dropped unseen.
 */
export function sendQueueMessage(queue: QueueClient, body: string | object, visibilitySeconds = 0) {
  return queue.sendMessage(encodeQueueMessage(body), {
    visibilityTimeout: Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.round(visibilitySeconds))),
    messageTimeToLive: -1,
  });
}
