import { AzureKeyCredential, EventGridPublisherClient } from '@azure/eventgrid';
import { DefaultAzureCredential } from '@azure/identity';
import type { EventGridConfig } from '../config.js';
import { toCloudEvent, toEventGridEvent, type MirrorEvent } from './system-event.js';

/** Where ingested events are mirrored: an Event Grid topic, or nowhere. */
export interface EventMirror {
  /** False for the no-op mirror: the ingest then queues nothing for it. */
  readonly enabled: boolean;
  /** Publishes the events in one request; throws on failure (a `statusCode` says what the topic answered). */
  publish(events: readonly MirrorEvent[]): Promise<void>;
}

export const noopMirror: EventMirror = { enabled: false, publish: () => Promise.resolve() };

/** Per request: Event Grid answers in well under a second; a hung connection must not hold the invocation. */
const PUBLISH_TIMEOUT_MS = 30_000;

/**
 * Publishes with `@azure/eventgrid`: a topic key when one is set, otherwise Entra ID
 * (`DefaultAzureCredential`; `clientId` picks a user-assigned identity, as for storage). The SDK's own
 * retries are off: the mirror queue retries with a longer schedule, without holding an invocation.
 */
export function makeEventGridMirror(config: EventGridConfig, clientId: string | undefined): EventMirror {
  const credential = config.key
    ? new AzureKeyCredential(config.key)
    : new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
  const options = { allowInsecureConnection: config.endpoint.startsWith('http:'), retryOptions: { maxRetries: 0 } };
  const sendOptions = { requestOptions: { timeout: PUBLISH_TIMEOUT_MS } };
  if (config.schema === 'CloudEvent') {
    const client = new EventGridPublisherClient(config.endpoint, 'CloudEvent', credential, options);
    return { enabled: true, publish: (events) => client.send(events.map(toCloudEvent), sendOptions) };
  }
  const client = new EventGridPublisherClient(config.endpoint, 'EventGrid', credential, options);
  return { enabled: true, publish: (events) => client.send(events.map(toEventGridEvent), sendOptions) };
}
