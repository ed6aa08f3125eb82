import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueClient } from '@azure/storage-queue';
import { startAzurite, type Azurite } from '../../local/azurite.js';
import { startQueueRunner } from '../../local/queue/queue-runner.js';
import { makeInvocations } from '../../local/invocation-context.js';
import type { HostSettings } from '../../local/host-json.js';
import type { QueueFunctionDeclaration } from '../../shared/runtime/declaration.js';
import { loadConfig } from '../../shared/config.js';
import { makeServices, type Services } from '../../shared/runtime/services.js';
import { eventually } from '../helpers/receiver.js';

/* The local host's queue trigger keeps the Functions host's semantics (see local/queue-runner.ts). */
let azurite: Azurite;
let services: Services;
beforeAll(async () => {
  azurite = await startAzurite();
  services = await makeServices(
    loadConfig({ AzureWebJobsStorage: azurite.connectionString, MANAGEMENT_KEYS: 'm'.repeat(16), INGEST_KEYS: 'i'.repeat(16) }),
  );
});
afterAll(async () => azurite.close());

const settings: HostSettings = {
  routePrefix: 'api',
  queues: {
    maxDequeueCount: 3,
    visibilityTimeoutMs: 0,
    batchSize: 4,
    newBatchThreshold: 2,
    maxPollingIntervalMs: 200,
    messageEncoding: 'base64',
  },
};

describe('queue runner', () => {
  it('decodes base64 JSON, passes dequeueCount, retries, then moves the message to <queue>-poison', async () => {
    const queue = new QueueClient(azurite.connectionString, 'flaky');
    const poison = new QueueClient(azurite.connectionString, 'flaky-poison');
    await queue.createIfNotExists();
    const seen: { message: unknown; dequeueCount: unknown }[] = [];
    const decl: QueueFunctionDeclaration = {
      kind: 'queue',
      name: 'flaky-fn',
      queueName: 'flaky',
      makeHandler: () => (message, context) => {
        seen.push({ message, dequeueCount: context.triggerMetadata?.['dequeueCount'] });
        return (message as { fail?: boolean }).fail ? Promise.reject(new Error('nope')) : Promise.resolve();
      },
    };
    const logs: string[] = [];
    const log = (level: string, fn: string, m: string) => logs.push(`${level} ${fn} ${m}`);
    const invocations = makeInvocations(log);
    const runner = startQueueRunner({ declarations: [decl], services, settings, log, invocations });
    try {
      await queue.sendMessage(Buffer.from(JSON.stringify({ fail: true, n: 1 })).toString('base64'));
      await queue.sendMessage(Buffer.from(JSON.stringify({ fail: false, n: 2 })).toString('base64'));
      await eventually(async () => ((await poison.peekMessages()).peekedMessageItems.length === 1 ? true : undefined), 10_000, 'poison');
      const failed = seen.filter((s) => (s.message as { n: number }).n === 1);
      expect(failed.map((s) => s.dequeueCount)).toEqual([1, 2, 3]);
      expect(seen.filter((s) => (s.message as { n: number }).n === 2)).toEqual([{ message: { fail: false, n: 2 }, dequeueCount: 1 }]);
      const [poisoned] = (await poison.receiveMessages()).receivedMessageItems;
      expect(JSON.parse(Buffer.from(poisoned!.messageText, 'base64').toString())).toEqual({ fail: true, n: 1 });
      expect((await queue.peekMessages()).peekedMessageItems).toHaveLength(0);
      expect(logs.join('\n')).toContain('moved to flaky-poison after 3 attempts');
      expect(invocations.lateLogs).toEqual([]);
    } finally {
      await runner.stop();
    }
  });

  it('poisons a message that is not base64 without calling the handler successfully', async () => {
    const queue = new QueueClient(azurite.connectionString, 'plain');
    const poison = new QueueClient(azurite.connectionString, 'plain-poison');
    await queue.createIfNotExists();
    let calls = 0;
    const decl: QueueFunctionDeclaration = {
      kind: 'queue',
      name: 'plain-fn',
      queueName: 'plain',
      makeHandler: () => () => {
        calls++;
        return Promise.resolve();
      },
    };
    const runner = startQueueRunner({ declarations: [decl], services, settings, invocations: makeInvocations(undefined) });
    try {
      await queue.sendMessage('{not base64!}');
      await eventually(async () => ((await poison.peekMessages()).peekedMessageItems.length === 1 ? true : undefined), 10_000, 'poison');
      expect(calls).toBe(0);
    } finally {
      await runner.stop();
    }
  });
});
