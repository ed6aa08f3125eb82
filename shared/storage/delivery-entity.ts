import { z } from 'zod';
import type { TableEntity, TransactionAction } from '@azure/data-tables';
import { DELIVERY_STATES, type DeliveryRecord } from '../delivery/delivery-record.js';
import { bodySource, renderFromEvent } from '../delivery/body-source.js';
import { jsonField, optionalField } from './entity-fields.js';
import { Rows, receivedMsOf } from './event-keys.js';
import { compactRecord, compactRecordOf, fieldsOfCompact } from './compact-record.js';

/*
 * A `del|` row (layout in event-keys.ts). Since issue 24's storage CPU work a row has as properties only
 * what a query filters, selects or merges (eventId, state, attempts, nextAttemptAt, createdAt, updatedAt)
 * and everything else in one JSON property, `record`: storage parses, checks and stores each property of
 * each row, so ~17 properties cost more than one. Since issue 24's row size work, `record` is compact
 * (compact-record.ts: a JSON array of only what the rest of the row does not tell), and `attempts`,
 * `updatedAt` and `responseBody` are left out when 0, `createdAt` and empty. Rows of the layouts before keep reading: `record` a JSON object of the fields
 * under their own names, the maps whole; before it every field a property of its own (maps as JSON
 * strings, fields added later absent or null), with the body, action and image (every row written
 * before issue 24) or `bodyFrom` instead.
 *
 * The two fields that can be large, the body (when a row keeps it) and the stored response body (up to
 * STORED_RESPONSE_BYTES, 32,000), stay properties of their own: a string property holds at most 32 K
 * characters in Azure Table Storage, and JSON's escaping could push one packed with the rest past it.
 */

/** A body, action and image, or how to render them again from the event's row (`bodyFrom`). */
const hasBody = (e: { body?: string | undefined; action?: string | undefined; image?: string | undefined; bodyFrom?: unknown }) =>
  (e.body !== undefined && e.action !== undefined && e.image !== undefined) || e.bodyFrom !== undefined;
const BODY_MESSAGE = 'a delivery row keeps its body, action and image, or how to render them again (bodyFrom)';

/** What every layout has as properties of its own. */
const columns = {
  rowKey: z.string().refine((key) => receivedMsOf(key) !== undefined, 'not a delivery row key'),
  eventId: z.string(),
  state: z.enum(DELIVERY_STATES),
  attempts: z.number().int(),
  nextAttemptAt: optionalField(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
};

/** The rest of a record, as `record` kept it before it was compact (maps as JSON objects). */
const packedFields = z.object({
  webhook: z.string(),
  action: optionalField(z.string()),
  image: optionalField(z.string()),
  bodyFrom: optionalField(bodySource),
  contentType: optionalField(z.string()),
  requestHeaders: z.record(z.string(), z.string()),
  requestUri: z.string(),
  lastError: optionalField(z.string()),
  responseStatus: optionalField(z.number().int()),
  responseReason: optionalField(z.string()),
  responseHeaders: z.record(z.string(), z.string()),
  durationMs: optionalField(z.number()),
  queuedMs: optionalField(z.number()),
  waiting: optionalField(z.string()),
});

/** A row of the layout since issue 24's row size work: `record` compact (compact-record.ts). */
const compactEntity = z
  .object({
    ...columns,
    // Left out when they say nothing: no attempt yet, not updated since created, no response (a merge, as
    // recover's, sets them).
    attempts: z.number().int().default(0),
    updatedAt: z.string().optional(),
    responseBody: z.string().default(''),
    body: optionalField(z.string()),
    partitionKey: z.string(),
    record: jsonField(compactRecord),
  })
  .transform(({ record, updatedAt, partitionKey, ...own }) => ({
    ...fieldsOfCompact(record, { ...own, partitionKey }),
    ...own,
    updatedAt: updatedAt ?? own.createdAt,
  }))
  .refine(hasBody, BODY_MESSAGE);

/** A row of the layout before it: `record` with every field under its own name. */
const packedEntity = z
  .object({ ...columns, body: optionalField(z.string()), responseBody: z.string(), record: jsonField(packedFields) })
  .transform(({ record, ...own }) => ({ ...record, ...own }))
  .refine(hasBody, BODY_MESSAGE);

/** A row of the layouts before: each field a property. */
const columnsEntity = z
  .object({
    ...columns,
    webhook: z.string(),
    action: optionalField(z.string()),
    image: optionalField(z.string()),
    body: optionalField(z.string()),
    bodyFrom: optionalField(jsonField(bodySource)),
    contentType: optionalField(z.string()),
    requestHeaders: jsonField(z.record(z.string(), z.string())),
    requestUri: z.string(),
    lastError: optionalField(z.string()),
    responseStatus: optionalField(z.number().int()),
    responseReason: optionalField(z.string()),
    responseHeaders: jsonField(z.record(z.string(), z.string())),
    responseBody: z.string(),
    durationMs: optionalField(z.number()),
    queuedMs: optionalField(z.number()),
    waiting: optionalField(z.string()),
  })
  .refine(hasBody, BODY_MESSAGE);

type StoredFields = z.output<typeof columnsEntity>;

/** A `del|` row read, and the event whose row it needs (its body is rendered from it), if it needs one. */
export interface StoredDelivery {
  readonly fields: StoredFields;
  readonly needsEvent: string | undefined;
}

/**
 * A `del|` row in any layout this version or an earlier one wrote; undefined for a row it does not read:
 * one a later version wrote in a layout of its own (a compact record of another version, a `bodyFrom` shape
 * it does not know), or one damaged by hand. Its readers leave it out or fail their message
 * (delivery-store.ts); none writes a record over it (recover's reset merges only state and attempts).
 */
export function readDeliveryEntity(entity: unknown): StoredDelivery | undefined {
  const record = typeof entity === 'object' && entity !== null && 'record' in entity ? entity.record : undefined;
  const parsed = (
    record === undefined ? columnsEntity : typeof record === 'string' && record.startsWith('[') ? compactEntity : packedEntity
  ).safeParse(entity);
  if (!parsed.success) return undefined;
  const fields: StoredFields = parsed.data;
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
 * event's row when read). Fields without a value are undefined, which JSON.stringify and the SDK leave out:
 * rows are written whole (upsert Replace), so none is left behind.
 */
export function toDeliveryEntity(partitionKey: string, r: DeliveryRecord): TableEntity {
  return {
    partitionKey,
    rowKey: Rows.delivery(r.webhook, r.receivedMs, r.eventId),
    eventId: r.eventId,
    state: r.state,
    attempts: r.attempts === 0 ? undefined : r.attempts,
    nextAttemptAt: r.nextAttemptAt,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt === r.createdAt ? undefined : r.updatedAt,
    ...(r.bodyFrom ? {} : { body: r.body }),
    responseBody: r.responseBody === '' ? undefined : r.responseBody,
    record: JSON.stringify(compactRecordOf(r, partitionKey)),
  };
}

/** A transaction's write of a delivery's row. */
export type DeliveryWrite = (pk: string, record: DeliveryRecord) => TransactionAction;

/** Writes the row whole, whether or not it is there. */
export const upsertDelivery: DeliveryWrite = (pk, record) => ['upsert', toDeliveryEntity(pk, record), 'Replace'];

/** Creates the row: the transaction fails (409) if it is there. */
export const insertDelivery: DeliveryWrite = (pk, record) => ['create', toDeliveryEntity(pk, record)];
