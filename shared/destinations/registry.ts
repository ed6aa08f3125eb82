import type { TokenCredential } from '@azure/identity';
import type { Destination, DestinationFor } from '../delivery/destination.js';
import type { Poster } from '../delivery/post-json.js';
import type { EndpointType } from '../webhooks/webhook.js';
import { httpDestination } from './http.js';
import { storageQueueDestination } from './storage-queue.js';
import { serviceBusDestination } from './service-bus.js';
import { eventHubsDestination } from './event-hubs.js';

export interface DestinationsDeps {
  /** The deliveries' HTTP client (its SSRF policy), for `WebHook`. */
  readonly poster: Pick<Poster, 'post' | 'deliver'>;
  /** ALLOW_PRIVATE_TARGETS: local hosts and the emulators' connection strings are accepted. */
  readonly allowPrivate: boolean;
  /** The app's managed identity (DefaultAzureCredential), made on first use. */
  readonly credential: () => TokenCredential;
}

export interface Destinations {
  readonly for: DestinationFor;
  /** Closes the SDK clients kept open (AMQP connections); the poster is its owner's to close. */
  close(): Promise<void>;
}

/**
 * The one table of destinations: each endpoint type and the module that sends for it. A new destination
 * is a module and a line here (and its name in webhooks/webhook.ts ENDPOINT_TYPES, its host rule in
 * endpoint-address.ts); the engine asks only `for(webhook)`.
 */
export function makeDestinations(deps: DestinationsDeps): Destinations {
  const serviceBus = serviceBusDestination(deps);
  const storageQueue = storageQueueDestination(deps);
  const eventHubs = eventHubsDestination(deps);
  const table: Readonly<Record<EndpointType, Destination>> = {
    WebHook: httpDestination(deps.poster),
    StorageQueue: storageQueue,
    ServiceBusQueue: serviceBus,
    ServiceBusTopic: serviceBus,
    EventHub: eventHubs,
  };
  return {
    for: (webhook) => table[webhook.endpointType ?? 'WebHook'],
    async close() {
      await Promise.all([serviceBus.close(), storageQueue.close(), eventHubs.close()]);
    },
  };
}
