import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';

/**
 * The host's poison move: the message, as it was (still encoded), to `<queue>-poison`, then off its
 * queue. Sent before the delete, so a crash between the two duplicates it rather than loses it.
 */
export async function moveToPoison(queue: QueueClient, poison: QueueClient, message: DequeuedMessageItem, receipt: string): Promise<void> {
  await poison.createIfNotExists();
  await poison.sendMessage(message.messageText);
  await queue.deleteMessage(message.messageId, receipt);
}
