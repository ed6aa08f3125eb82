import { imageOf, type DeliveredEvent } from '../events/acr-event.js';
import type { DeliveryRecord } from '../delivery/delivery-record.js';
import { maskUri } from '../delivery/outbound-request.js';
import type { WebhookRecord } from '../webhooks/webhook.js';
import { Rows } from '../storage/event-keys.js';

/** A delivery before its first attempt; its row key orders a webhook's deliveries newest first by `receivedMs`. */
export function newDeliveryRecord(
  webhook: WebhookRecord,
  event: DeliveredEvent,
  body: string,
  receivedMs: number,
  now: string,
): DeliveryRecord {
  return {
    rowKey: Rows.delivery(webhook.name, receivedMs, event.id),
    webhook: webhook.name,
    eventId: event.id,
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
