import { z } from 'zod';
import type { TableEntity, TransactionAction } from '@azure/data-tables';
import { DELIVERY_STATES, type DeliveryRecord } from '../delivery/delivery-record.js';
import { bodySource, renderFromEvent } from '../delivery/body-source.js';
import { jsonField, optionalField } from './entity-fields.js';
import { Rows, receivedMsOf } from './event-keys.js';

/**
 * A `del|` row as stored (maps as JSON strings; fields added later are absent or null in older rows). A row
 * keeps either its `body`, `action` and `image` (every row written before issue 24, and what no event row
 * reproduces) or `bodyFrom`, how to render them again from its event's row (layout in event-keys.ts).
 */
const deliveryEntity = z
  .object({
    rowKey: z.string().refine((key) => receivedMsOf(key) !== undefined, 'not a delivery row key'),
    webhook: z.string(),
    eventId: z.string(),
    action: optionalField(z.string()),
    image: optionalField(z.string()),
    body: optionalField(z.string()),
    bodyFrom: optionalField(jsonField(bodySource)),
    contentType: optionalField(z.string()),
    requestHeaders: jsonField(z.record(z.string(), z.string())),
    requestUri: z.string(),
    state: z.enum(DELIVERY_STATES),
    attempts: z.number().int(),
    nextAttemptAt: optionalField(z.string()),
    lastError: optionalField(z.string()),
    responseStatus: optionalField(z.number().int()),
    responseReason: optionalField(z.string()),
    responseHeaders: jsonField(z.record(z.string(), z.string())),
    responseBody: z.string(),
    durationMs: optionalField(z.number()),
    queuedMs: optionalField(z.number()),
    waiting: optionalField(z.string()),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .refine(
    (e) => (e.body !== undefined && e.action !== undefined && e.image !== undefined) || e.bodyFrom !== undefined,
    'a delivery row keeps its body, action and image, or how to render them again (bodyFrom)',
  );

/** A `del|` row read, and the event whose row it needs (its body is rendered from it), if it needs one. */
export interface StoredDelivery {
  readonly fields: z.output<typeof deliveryEntity>;
  readonly needsEvent: string | undefined;
}

export function readDeliveryEntity(entity: unknown): StoredDelivery {
  const fields = deliveryEntity.parse(entity);
  return { fields, needsEvent: fields.body === undefined ? fields.eventId : undefined };
}

/**
 * The record of a row read, its body rendered again from `eventJson` (its event row's `payload`) when the
 * row keeps none. Undefined when it needs its event and that is gone or is not an event: retention removes
 * an event's row after its deliveries' (event-keys.ts), so such a delivery is past retention too.
 */
export function deliveryOf(stored: StoredDelivery, eventJson: string | undefined): DeliveryRecord | undefined {
  const { rowKey, body, action, image, ...fields } = stored.fields;
  const receivedMs = receivedMsOf(rowKey)!;
  if (body !== undefined && action !== undefined && image !== undefined) return { ...fields, body, action, image, receivedMs };
  const again = eventJson === undefined || !fields.bodyFrom ? undefined : renderFromEvent(eventJson, fields.bodyFrom, fields.webhook);
  return again && { ...fields, ...again, receivedMs };
}

/**
 * The row of a record. With `bodyFrom`, the body, action and image are left out (rendered again from the
 * event's row when read). Properties without a value are undefined, which the SDK leaves out of the
 * request rather than sending null: rows are written whole (upsert Replace), so both leave none behind.
 */
export function toDeliveryEntity(partitionKey: string, record: DeliveryRecord): TableEntity {
  const fromEvent = record.bodyFrom !== undefined;
  return {
    partitionKey,
    rowKey: Rows.delivery(record.webhook, record.receivedMs, record.eventId),
    webhook: record.webhook,
    eventId: record.eventId,
    action: fromEvent ? undefined : record.action,
    image: fromEvent ? undefined : record.image,
    body: fromEvent ? undefined : record.body,
    bodyFrom: fromEvent ? JSON.stringify(record.bodyFrom) : undefined,
    contentType: record.contentType,
    requestHeaders: JSON.stringify(record.requestHeaders),
    requestUri: record.requestUri,
    state: record.state,
    attempts: record.attempts,
    nextAttemptAt: record.nextAttemptAt,
    lastError: record.lastError,
    responseStatus: record.responseStatus,
    responseReason: record.responseReason,
    responseHeaders: JSON.stringify(record.responseHeaders),
    responseBody: record.responseBody,
    durationMs: record.durationMs,
    queuedMs: record.queuedMs,
    waiting: record.waiting,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/** A transaction's write of a delivery's row. */
export type DeliveryWrite = (pk: string, record: DeliveryRecord) => TransactionAction;

/** Writes the row whole, whether or not it is there. */
export const upsertDelivery: DeliveryWrite = (pk, record) => ['upsert', toDeliveryEntity(pk, record), 'Replace'];

/** Creates the row: the transaction fails (409) if it is there. */
export const insertDelivery: DeliveryWrite = (pk, record) => ['create', toDeliveryEntity(pk, record)];
