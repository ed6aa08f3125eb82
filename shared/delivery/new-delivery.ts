import { imageOf, type DeliveredEvent } from '../events/acr-event.js';
import type { DeliveryRecord } from './delivery-record.js';
import { DEFAULT_CONTENT_TYPE, maskUri } from './outbound-request.js';
import type { WebhookRecord } from '../webhooks/webhook.js';
import type { RenderedBody } from './formats/payload-format.js';
import { renderPayload } from './formats/render-payload.js';
import { bodySourceOf } from './body-source.js';

/**
 * A delivery before its first attempt, its body rendered once in the webhook's payload format (the record
 * keeps those bytes: retries, redeliveries and signatures use them as they are). A webhook's deliveries
 * are listed newest first by `receivedMs`. `fromEvent`: the payload is the event's own, as its row keeps
 * it, so the delivery's row leaves the body out (body-source.ts; the fan-out decides).
 */
export function newDeliveryRecord(
  webhook: WebhookRecord,
  payload: DeliveredEvent,
  receivedMs: number,
  now: string,
  fromEvent = false,
): DeliveryRecord {
  const record = deliveryRecordOf(
    webhook,
    { eventId: payload.id, action: payload.action, image: imageOf(payload) },
    renderPayload(webhook, payload),
    receivedMs,
    now,
  );
  return fromEvent ? { ...record, bodyFrom: bodySourceOf(webhook) } : record;
}

/** A delivery of a body rendered before (a redelivery sends the recorded one again). */
export function deliveryRecordOf(
  webhook: Pick<WebhookRecord, 'name' | 'serviceUri'>,
  event: { readonly eventId: string; readonly action: string; readonly image: string },
  rendered: RenderedBody,
  receivedMs: number,
  now: string,
): DeliveryRecord {
  return {
    webhook: webhook.name,
    eventId: event.eventId,
    receivedMs,
    action: event.action,
    image: event.image,
    body: rendered.body,
    ...(rendered.contentType !== DEFAULT_CONTENT_TYPE ? { contentType: rendered.contentType } : {}),
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
