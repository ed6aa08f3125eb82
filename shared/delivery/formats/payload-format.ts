import type { DeliveredEvent } from '../../events/acr-event.js';
import type { WebhookRecord } from '../../webhooks/webhook.js';

/** What a format may read of the webhook: its registry (name, ARM id parts, region) and its name. */
export type FormatWebhook = Pick<WebhookRecord, 'name' | 'registryName' | 'subscriptionId' | 'resourceGroup' | 'location'>;

/** A delivery's body as it is recorded and sent, byte for byte, with the content type it is sent as. */
export interface RenderedBody {
  readonly body: string;
  readonly contentType: string;
}

/**
 * One payload format (issue 23): renders the payload a delivery carries (ACR's payload of an event, a
 * coalesced index push, a ping) into the body sent. Pure and synchronous: it runs once, when the delivery
 * is planned, and the record keeps its output, so retries and signatures see the same bytes.
 */
export type PayloadRenderer = (payload: DeliveredEvent, webhook: FormatWebhook) => RenderedBody;
