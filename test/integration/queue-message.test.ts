import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueClient } from '@azure/storage-queue';
import { startAzurite, type Azurite } from '../../local/azurite.js';
import { makeDeliveryQueue } from '../../shared/pipeline/delivery-queue.js';

/* Every message the service sends (queue-message.ts) waits as long as it must and is never dropped unseen. */
let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => azurite.close());

const ref = { webhook: 'hook00001', eventId: 'e-1', receivedMs: 1_700_000_000_000, attempt: 2 };

describe('queue messages', () => {
  it('never expire: one that waits out an outage longer than 7 days is still there', async () => {
    const queue = new QueueClient(azurite.connectionString, 'ttlnever');
    await queue.create();
    await makeDeliveryQueue(queue).schedule('reg', [ref], 0);
    const [peeked] = (await queue.peekMessages()).peekedMessageItems;
    expect(peeked!.expiresOn.getTime()).toBeGreaterThan(Date.now() + 365 * 86_400_000);
  });

  it('due later than the queue can hide one (7 days) are sent, hidden those 7 days, not refused', async () => {
    const queue = new QueueClient(azurite.connectionString, 'ttlfar');
    await queue.create();
    const sent = await makeDeliveryQueue(queue).schedule('reg', [ref], 30 * 86_400);
    expect(sent).toHaveLength(1);
    expect((await queue.getProperties()).approximateMessagesCount).toBe(1);
    expect((await queue.peekMessages()).peekedMessageItems).toHaveLength(0);
  });
});
