import { ServiceBusClient, type ServiceBusSender } from '@azure/service-bus';
import type { TokenCredential } from '@azure/identity';
import type { Destination, OutboundMessage } from '../delivery/destination.js';
import { maskUri } from '../delivery/outbound-request.js';
import { endpointAddress, type BrokerAddress } from './endpoint-address.js';
import { makeClientCache } from './client-cache.js';
import { applicationProperties, contentType } from './message-properties.js';
import { amqpOutcome } from './amqp-outcome.js';
import { answer, failed, stopwatch } from './outcomes.js';

export interface ServiceBusDeps {
  readonly allowPrivate: boolean;
  readonly credential: () => TokenCredential;
}

interface Open {
  readonly client: ServiceBusClient;
  readonly sender: ServiceBusSender;
}

/** The message's TTL in ms, when the webhook sets one (-1, "never", leaves the entity's default). */
const ttlMs = (m: OutboundMessage) => {
  const s = m.webhook.queueMessageTimeToLiveSeconds;
  return s !== undefined && s > 0 ? s * 1000 : undefined;
};

/**
 * `ServiceBusQueue` and `ServiceBusTopic`: the body's bytes as one message whose MessageId is the
 * delivery's webhook-id (the same on every attempt, so duplicate detection drops a repeat) and whose
 * SessionId is `{registry}/{repository}`, so a sessionful queue or subscription keeps each repository's
 * events in order; the signature and custom headers are application properties. The SDK tries once
 * (`maxRetries: 0`) within the delivery timeout; the engine's schedule does the retrying.
 */
export function serviceBusDestination(deps: ServiceBusDeps): Destination & { close(): Promise<void> } {
  const clients = makeClientCache<Open>(async (c) => {
    await c.sender.close();
    await c.client.close();
  });
  const open = (address: BrokerAddress, timeoutMs: number): Open => {
    const options = { retryOptions: { maxRetries: 0, timeoutInMs: timeoutMs } };
    const client = address.connectionString
      ? new ServiceBusClient(address.connectionString, options)
      : new ServiceBusClient(address.host, deps.credential(), options);
    return { client, sender: client.createSender(address.entity) };
  };
  return {
    // Sessions keep a repository's messages in the order they are sent.
    ordered: true,
    describe(m) {
      const ttl = ttlMs(m);
      return {
        requestHeaders: {
          MessageId: m.messageId,
          SessionId: m.orderingKey,
          ContentType: contentType(m),
          ...(ttl !== undefined ? { TimeToLive: String(ttl / 1000) } : {}),
          ...applicationProperties(m, true),
        },
        requestUri: maskUri(m.webhook.serviceUri),
      };
    },
    async send(m) {
      const elapsed = stopwatch();
      const parsed = endpointAddress(m.webhook, deps.allowPrivate);
      if (!parsed.ok || (parsed.address.type !== 'ServiceBusQueue' && parsed.address.type !== 'ServiceBusTopic')) {
        return failed('refused', `refused: ${parsed.ok ? 'not a Service Bus entity' : parsed.problem.message}`, 0);
      }
      const address = parsed.address;
      const { sender } = clients.get(`${address.host}/${address.entity}\n${address.connectionString ?? ''}`, () =>
        open(address, m.timeoutMs),
      );
      const ttl = ttlMs(m);
      try {
        await sender.sendMessages(
          {
            body: Buffer.from(m.body, 'utf8'),
            messageId: m.messageId,
            sessionId: m.orderingKey,
            contentType: contentType(m),
            applicationProperties: applicationProperties(m, false),
            ...(ttl !== undefined ? { timeToLive: ttl } : {}),
          },
          { abortSignal: AbortSignal.timeout(m.timeoutMs) },
        );
        return answer(201, elapsed(), {}, m.maxResponseBytes);
      } catch (err) {
        return amqpOutcome(err, elapsed(), m.timeoutMs, m.maxResponseBytes, address.connectionString);
      }
    },
    close: () => clients.close(),
  };
}
