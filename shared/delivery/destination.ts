import type { WebhookRecord } from '../webhooks/webhook.js';
import type { OutboundRequest } from './outbound-request.js';
import type { Busy, DeliveryPost, PostOutcome } from './post-json.js';

/**
 * One attempt's message, whatever carries it: the rendered body, the headers a webhook's POST carries
 * (Standard Webhooks and custom, lowercased, with masked copies for the record), and the ids a broker keeps.
 */
export interface OutboundMessage {
  readonly webhook: WebhookRecord;
  /** The rendered body: sent as these bytes (a Storage Queue gets them base64-encoded). */
  readonly body: string;
  readonly request: OutboundRequest;
  /** The delivery's `webhook-id`: a broker's message id, the same on every attempt (duplicate detection). */
  readonly messageId: string;
  /** `{registry}/{repository}` (ordering-key.ts): a Service Bus session id, an Event Hubs partition key. */
  readonly orderingKey: string;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  /**
   * A paced delivery's place and patience while it waits for a connection (pacing.ts): a destination that
   * pools connections per origin (HTTP) answers `busy` past it. Undefined: wait up to the timeout (a ping).
   */
  readonly connectionWait?: DeliveryPost['connectionWait'] | undefined;
}

/** The request as the delivery record keeps it (listEvents' eventRequestMessage), secrets masked. */
interface ShownRequest {
  readonly requestHeaders: Readonly<Record<string, string>>;
  readonly requestUri: string;
}

/**
 * Where a webhook's deliveries go: one module per endpoint type (destinations/), chosen by the registry
 * there. A destination sends and classifies the outcome as an HTTP exchange would be: a `response` with a
 * status (2xx success; 401/403/404 and other 4xx final; 408, 429, 5xx retried) or an `error` (timeout and
 * network errors retried, `refused` final). The retry schedule is the engine's, not an SDK's.
 */
export interface Destination {
  /**
   * Whether the destination keeps the order it is sent in per ordering key (a Service Bus session, an Event
   * Hubs partition key): then one repository's deliveries go one at a time, in order of receipt (ordered-lanes.ts).
   */
  readonly ordered: boolean;
  /** What the record shows as the request: a POST's headers, or a message's properties. */
  describe(message: OutboundMessage): ShownRequest;
  /** Sends once, within `message.timeoutMs`, or answers `busy` (not sent: no connection by `connectionWait`). Never rejects. */
  send(message: OutboundMessage): Promise<PostOutcome | Busy>;
}

/** The destination for a webhook (its endpoint type's). */
export type DestinationFor = (webhook: WebhookRecord) => Destination;
