import { imageOf, type DeliveredEvent } from '../events/acr-event.js';
import type { DeliveryRecord } from './delivery-record.js';
import { maskUri } from './outbound-request.js';
import type { WebhookRecord } from '../webhooks/webhook.js';

/** A delivery before its first attempt; a webhook's deliveries are listed newest first by `receivedMs`. */
export function newDeliveryRecord(
  webhook: WebhookRecord,
  event: DeliveredEvent,
  body: string,
  receivedMs: number,
  now: string,
): DeliveryRecord {
  return {
    webhook: webhook.name,
    eventId: event.id,
    receivedMs,
    action: event.action,
    image: imageOf(event),
    body,
    requestHeaders: {},
    requestUri: maskUri(webhook.serviceUri),
    state: 'pending',
    attempts: 0,
    nextAttemptAt: undefined,
    lastError: undefined,
    responseStatus: undefined,
    responseReason: undefined,
    responseHeaders: {},
    responseBody: '',
    durationMs: undefined,
    createdAt: now,
    updatedAt: now,
  };
}
