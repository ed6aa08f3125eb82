import type { QueueClient, DequeuedMessageItem } from '@azure/storage-queue';
import type { FunctionDeclaration, QueueHandler } from '../shared/runtime/declaration.js';
import type { Deps } from '../shared/runtime/deps.js';
import { bindQueue } from '../shared/runtime/bind.js';
import { createQueueClient } from '../shared/storage/clients.js';
import { poisonQueueName } from '../shared/constants.js';
import type { HostSettings } from './host-json.js';
import { makeInvocationContext, type HostLogger } from './invocation-context.js';
import { describeError, logValue } from '../shared/log-value.js';

/*
 * The Functions host's queue trigger, emulated for `npm start`
 * (https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue-trigger):
 * messages are fetched `batchSize` at a time and a new batch is fetched when the in-flight count falls
 * to `newBatchThreshold`; bodies are base64-decoded (messageEncoding) and JSON-parsed when they parse;
 * the handler sees `dequeueCount` and friends in triggerMetadata; success deletes the message; failure
 * makes it visible again after `visibilityTimeout`; a message failing for the `maxDequeueCount`th time
 * moves to `<queue>-poison`. An empty queue is polled with exponential back-off up to
 * `maxPollingInterval`.
 */
const MIN_POLL_MS = 100;
/**
 * How long a fetched message stays invisible while its function runs. The host leases for 10 minutes
 * and renews; the local host leases for less (so a killed `npm start` gives its messages back sooner)
 * and renews at half-time the same way.
 */
export const DEFAULT_LEASE_SECONDS = 60;

export interface QueueRunner {
  stop(): Promise<void>;
}

function decode(message: DequeuedMessageItem, encoding: 'base64' | 'none'): { text: string } | { error: string } {
  if (encoding === 'none') return { text: message.messageText };
  const text = message.messageText;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return { error: 'message is not base64 (host.json messageEncoding is base64)' };
  return { text: Buffer.from(text, 'base64').toString('utf8') };
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function runOne(
  name: string,
  queue: QueueClient,
  poison: QueueClient,
  handler: QueueHandler,
  settings: HostSettings,
  log: HostLogger | undefined,
  leaseSeconds: number,
) {
  const q = settings.queues;
  let stopped = false;
  let inFlight = 0;
  const running = new Set<Promise<void>>();
  let wake: (() => void) | undefined;

  const handle = async (message: DequeuedMessageItem) => {
    let receipt = message.popReceipt;
    const renew = setInterval(
      () => {
        queue.updateMessage(message.messageId, receipt, undefined, leaseSeconds).then(
          (r) => {
            if (r.popReceipt) receipt = r.popReceipt;
          },
          () => undefined,
        );
      },
      (leaseSeconds * 1000) / 2,
    );
    try {
      await handleLeased(message, () => receipt);
    } finally {
      clearInterval(renew);
    }
  };

  const handleLeased = async (message: DequeuedMessageItem, receipt: () => string) => {
    const toPoison = async () => {
      await poison.createIfNotExists();
      await poison.sendMessage(message.messageText);
      await queue.deleteMessage(message.messageId, receipt());
      log?.('error', name, `message ${message.messageId} moved to ${poisonQueueName(queue.name)} after ${message.dequeueCount} attempts`);
    };
    if (message.dequeueCount > q.maxDequeueCount) return toPoison();
    const decoded = decode(message, q.messageEncoding);
    try {
      if ('error' in decoded) throw new Error(decoded.error);
      const context = makeInvocationContext(name, log, {
        id: message.messageId,
        dequeueCount: message.dequeueCount,
        insertionTime: message.insertedOn.toISOString(),
        expirationTime: message.expiresOn.toISOString(),
        nextVisibleTime: message.nextVisibleOn.toISOString(),
        popReceipt: message.popReceipt,
        queueTrigger: decoded.text,
      });
      await handler(parseBody(decoded.text), context);
      await queue.deleteMessage(message.messageId, receipt());
    } catch (err) {
      log?.('error', name, `invocation failed (dequeueCount ${message.dequeueCount}): ${describeError(err)}`);
      if (message.dequeueCount >= q.maxDequeueCount) return toPoison();
      await queue.updateMessage(message.messageId, receipt(), undefined, Math.round(q.visibilityTimeoutMs / 1000));
    }
  };

  const loop = async () => {
    let idleMs = MIN_POLL_MS;
    while (!stopped) {
      if (inFlight > q.newBatchThreshold) {
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      let messages: DequeuedMessageItem[] = [];
      try {
        const res = await queue.receiveMessages({ numberOfMessages: Math.min(32, q.batchSize), visibilityTimeout: leaseSeconds });
        messages = res.receivedMessageItems;
      } catch (err) {
        if (!stopped) log?.('warning', name, `polling ${queue.name} failed: ${logValue(err instanceof Error ? err.message : err, 1000)}`);
      }
      if (messages.length === 0) {
        await new Promise((resolve) => setTimeout(resolve, idleMs));
        idleMs = Math.min(idleMs * 2, q.maxPollingIntervalMs);
        continue;
      }
      idleMs = MIN_POLL_MS;
      for (const message of messages) {
        inFlight++;
        const p = handle(message)
          .catch((err: unknown) =>
            log?.('error', name, `message ${message.messageId} not settled: ${logValue(err instanceof Error ? err.message : err, 1000)}`),
          )
          .finally(() => {
            inFlight--;
            running.delete(p);
            wake?.();
            wake = undefined;
          });
        running.add(p);
      }
    }
  };
  const done = loop();
  return {
    async stop() {
      stopped = true;
      wake?.();
      await done;
      await Promise.all(running);
    },
  };
}

export function startQueueRunner(options: {
  declarations: readonly FunctionDeclaration[];
  deps: Deps;
  settings: HostSettings;
  log?: HostLogger | undefined;
  leaseSeconds?: number | undefined;
}): QueueRunner {
  const runners = options.declarations.flatMap((decl) => {
    if (decl.kind !== 'queue') return [];
    const queue = createQueueClient(options.deps.config.storage, decl.queueName);
    const poison = createQueueClient(options.deps.config.storage, poisonQueueName(decl.queueName));
    return [
      runOne(
        decl.name,
        queue,
        poison,
        bindQueue(decl, () => Promise.resolve(options.deps)),
        options.settings,
        options.log,
        options.leaseSeconds ?? DEFAULT_LEASE_SECONDS,
      ),
    ];
  });
  return {
    async stop() {
      await Promise.all(runners.map((r) => r.stop()));
      await Promise.all(options.deps.background);
    },
  };
}
