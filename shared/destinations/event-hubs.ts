import { EventHubProducerClient } from '@azure/event-hubs';
import type { TokenCredential } from '@azure/identity';
import type { Destination } from '../delivery/destination.js';
import { maskUri } from '../delivery/outbound-request.js';
import { endpointAddress, type BrokerAddress } from './endpoint-address.js';
import { makeClientCache } from './client-cache.js';
import { applicationProperties, contentType } from './message-properties.js';
import { amqpOutcome } from './amqp-outcome.js';
import { answer, failed, stopwatch } from './outcomes.js';

export interface EventHubsDeps {
  readonly allowPrivate: boolean;
  readonly credential: () => TokenCredential;
}

/**
 * `EventHub`: the body's bytes as one event whose partition key is `{registry}/{repository}` (one
 * repository's events land in one partition, in order) and whose MessageId is the delivery's
 * webhook-id; the signature and custom headers are its properties. One try per attempt, within the
 * delivery timeout; the engine's schedule retries.
 */
export function eventHubsDestination(deps: EventHubsDeps): Destination & { close(): Promise<void> } {
  const clients = makeClientCache<EventHubProducerClient>((p) => p.close());
  const open = (address: BrokerAddress, timeoutMs: number) => {
    const options = { retryOptions: { maxRetries: 0, timeoutInMs: timeoutMs } };
    if (!address.connectionString) return new EventHubProducerClient(address.host, address.entity, deps.credential(), options);
    // A connection string that names its hub must not be given the name again.
    return address.entityInConnectionString
      ? new EventHubProducerClient(address.connectionString, options)
      : new EventHubProducerClient(address.connectionString, address.entity, options);
  };
  return {
    // A partition key keeps a repository's events in one partition, in the order they are sent.
    ordered: true,
    describe: (m) => ({
      requestHeaders: {
        MessageId: m.messageId,
        PartitionKey: m.orderingKey,
        ContentType: contentType(m),
        ...applicationProperties(m, true),
      },
      requestUri: maskUri(m.webhook.serviceUri),
    }),
    async send(m) {
      const elapsed = stopwatch();
      const parsed = endpointAddress(m.webhook, deps.allowPrivate);
      if (!parsed.ok || parsed.address.type !== 'EventHub') {
        return failed('refused', `refused: ${parsed.ok ? 'not an event hub' : parsed.problem.message}`, 0);
      }
      const address = parsed.address;
      const producer = clients.get(`${address.host}/${address.entity}\n${address.connectionString ?? ''}`, () =>
        open(address, m.timeoutMs),
      );
      try {
        await producer.sendBatch(
          [
            {
              body: Buffer.from(m.body, 'utf8'),
              messageId: m.messageId,
              contentType: contentType(m),
              properties: applicationProperties(m, false),
            },
          ],
          { partitionKey: m.orderingKey, abortSignal: AbortSignal.timeout(m.timeoutMs) },
        );
        return answer(201, elapsed(), {}, m.maxResponseBytes);
      } catch (err) {
        return amqpOutcome(err, elapsed(), m.timeoutMs, m.maxResponseBytes, address.connectionString);
      }
    },
    close: () => clients.close(),
  };
}
