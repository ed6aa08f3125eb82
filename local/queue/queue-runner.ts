import type { QueueClient, DequeuedMessageItem } from '@azure/storage-queue';
import type { QueueHandler } from '../../shared/handler-types.js';
import type { FunctionDeclaration } from '../../shared/runtime/declaration.js';
import type { Services } from '../../shared/runtime/services.js';
import { bindQueue } from '../../shared/runtime/bind.js';
import { createQueueClient } from '../../shared/storage/clients.js';
import { poisonQueueName } from '../../shared/constants.js';
import type { HostSettings } from '../host-json.js';
import type { HostLogger, Invocations } from '../invocation-context.js';
import { DEFAULT_LEASE_SECONDS, holdLease } from './lease.js';
import { decodeMessage } from './decode.js';
import { moveToPoison } from './poison.js';
import { makeBackoff } from './backoff.js';
import { makeInFlight } from './in-flight.js';
import { describeError, logValue } from '../../shared/log-value.js';

/*
 * The Functions host's queue trigger, emulated for `npm start`
 * (https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue-trigger):
 * messages are fetched `batchSize` at a time and a new batch is fetched when the in-flight count falls
 * to `newBatchThreshold` (in-flight.ts); bodies are base64-decoded (messageEncoding) and JSON-parsed when
 * they parse (decode.ts); each is leased while its function runs (lease.ts); the handler sees
 * `dequeueCount` and friends in triggerMetadata; success deletes the message; failure makes it visible
 * again after `visibilityTimeout`; a message failing for the `maxDequeueCount`th time moves to
 * `<queue>-poison` (poison.ts). An empty queue is polled with exponential back-off up to
 * `maxPollingInterval` (backoff.ts).
 */
const MIN_POLL_MS = 100;

interface QueueRunner {
  stop(): Promise<void>;
}

interface Trigger {
  readonly name: string;
  readonly queue: QueueClient;
  readonly poison: QueueClient;
  readonly handler: QueueHandler;
  readonly settings: HostSettings['queues'];
  readonly log: HostLogger | undefined;
  readonly invocations: Invocations;
  readonly leaseSeconds: number;
}

/** One message, start to settlement: invoke, then delete, retry later, or poison. */
async function invoke(t: Trigger, message: DequeuedMessageItem, receipt: () => string): Promise<void> {
  const toPoison = async () => {
    await moveToPoison(t.queue, t.poison, message, receipt());
    t.log?.(
      'error',
      t.name,
      `message ${message.messageId} moved to ${poisonQueueName(t.queue.name)} after ${message.dequeueCount} attempts`,
    );
  };
  if (message.dequeueCount > t.settings.maxDequeueCount) return toPoison();
  const decoded = decodeMessage(message, t.settings.messageEncoding);
  try {
    if ('error' in decoded) throw new Error(decoded.error);
    await t.invocations.run(t.name, (context) => t.handler(decoded.body, context), {
      id: message.messageId,
      dequeueCount: message.dequeueCount,
      insertionTime: message.insertedOn.toISOString(),
      expirationTime: message.expiresOn.toISOString(),
      nextVisibleTime: message.nextVisibleOn.toISOString(),
      popReceipt: message.popReceipt,
      queueTrigger: decoded.text,
    });
    await t.queue.deleteMessage(message.messageId, receipt());
  } catch (err) {
    t.log?.('error', t.name, `invocation failed (dequeueCount ${message.dequeueCount}): ${describeError(err)}`);
    if (message.dequeueCount >= t.settings.maxDequeueCount) return toPoison();
    await t.queue.updateMessage(message.messageId, receipt(), undefined, Math.round(t.settings.visibilityTimeoutMs / 1000));
  }
}

function runTrigger(t: Trigger): QueueRunner {
  let stopped = false;
  const inFlight = makeInFlight(t.settings.newBatchThreshold);
  const backoff = makeBackoff(MIN_POLL_MS, t.settings.maxPollingIntervalMs);
  const handle = async (message: DequeuedMessageItem) => {
    const lease = holdLease(t.queue, message, t.leaseSeconds);
    try {
      await invoke(t, message, () => lease.receipt());
    } finally {
      await lease.stop();
    }
  };
  const loop = async () => {
    while (!stopped) {
      if (inFlight.full()) {
        await inFlight.settled();
        continue;
      }
      let messages: DequeuedMessageItem[] = [];
      try {
        const res = await t.queue.receiveMessages({
          numberOfMessages: Math.min(32, t.settings.batchSize),
          visibilityTimeout: t.leaseSeconds,
        });
        messages = res.receivedMessageItems;
      } catch (err) {
        if (!stopped)
          t.log?.('warning', t.name, `polling ${t.queue.name} failed: ${logValue(err instanceof Error ? err.message : err, 1000)}`);
      }
      if (messages.length === 0) {
        await backoff.idle();
        continue;
      }
      backoff.reset();
      for (const message of messages) {
        inFlight.add(
          handle(message).catch((err: unknown) =>
            t.log?.(
              'error',
              t.name,
              `message ${message.messageId} not settled: ${logValue(err instanceof Error ? err.message : err, 1000)}`,
            ),
          ),
        );
      }
    }
  };
  const done = loop();
  return {
    async stop() {
      stopped = true;
      inFlight.interrupt();
      await done;
      await inFlight.drain();
    },
  };
}

/** Runs every queue-triggered declaration against the services' storage until stopped. */
export function startQueueRunner(options: {
  declarations: readonly FunctionDeclaration[];
  services: Services;
  settings: HostSettings;
  log?: HostLogger | undefined;
  /** Where the runner's contexts come from, finished when their handler settles (the host's). */
  invocations: Invocations;
  leaseSeconds?: number | undefined;
}): QueueRunner {
  const runners = options.declarations.flatMap((decl) =>
    decl.kind !== 'queue'
      ? []
      : [
          runTrigger({
            name: decl.name,
            queue: createQueueClient(options.services.config.storage, decl.queueName),
            poison: createQueueClient(options.services.config.storage, poisonQueueName(decl.queueName)),
            handler: bindQueue(decl, () => Promise.resolve(options.services)),
            settings: options.settings.queues,
            log: options.log,
            invocations: options.invocations,
            leaseSeconds: options.leaseSeconds ?? DEFAULT_LEASE_SECONDS,
          }),
        ],
  );
  return {
    async stop() {
      await Promise.all(runners.map((r) => r.stop()));
      await Promise.all(options.services.background.running);
    },
  };
}
