import { z } from 'zod';
import type { TableEntity, TransactionAction } from '@azure/data-tables';
import { DELIVERY_STATES, type DeliveryRecord } from '../delivery/delivery-record.js';
import { bodySource, renderFromEvent, type BodySource } from '../delivery/body-source.js';
import { jsonField, optionalField } from './entity-fields.js';
import { Rows, receivedMsOf } from './event-keys.js';
import { nameKey } from './key-part.js';
import { headersOf, storedHeaders, storedHeadersOf } from './header-template.js';
import { headersOfLines, linesOf, storedLines } from './header-lines.js';

/*
 * A `del|` row (layout in event-keys.ts). Since issue 24's storage CPU work a row has as properties only
 * what a query filters, selects or merges (eventId, state, attempts, nextAttemptAt, createdAt, updatedAt)
 * and everything else in one JSON property, `record`: storage parses, checks and stores each property of
 * each row, so ~17 properties cost more than one. Since issue 24's row size work, `record` keeps only what
 * the rest of the row does not tell, under short names (`"v":2`, below): its JSON is escaped again inside a
 * request's JSON, so every name and quote is paid twice. Rows of the layouts before keep reading: `record`
 * with the fields under their own names and the headers whole; before it every field a property of its
 * own (maps as JSON strings, fields added later absent or null), with the body, action and image (every
 * row written before issue 24) or `bodyFrom` instead.
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

/** The rest of a record, as `record` kept it before `"v":2` (maps as JSON objects). */
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
type PackedFields = z.output<typeof packedFields>;

/*
 * The rest of a record, as `record` keeps it since `"v":2`: a field without a value is left out, and so
 * are empty maps (and the `responseBody` property when empty); maps are kept as lines when they can be
 * (header-lines.ts). Each name stands for one field:
 *   w  webhook, only when its name is not its row key's part (nameKey: a name with capitals)
 *   f  bodyFrom: its format, or [format, registryName, subscriptionId, resourceGroup, location]
 *   a, i  action, image (a row that keeps its body)        c  contentType
 *   h  requestHeaders, as header-template.ts keeps them     u  requestUri
 *   e  lastError    s  responseStatus    r  responseReason    rh  responseHeaders
 *   d  durationMs   q  queuedMs          wt waiting
 */
const format = bodySource.shape.format;
const compactFields = z.object({
  v: z.literal(2),
  w: z.string().optional(),
  f: z.union([format, z.tuple([format, z.string(), z.string(), z.string(), z.string()])]).optional(),
  a: z.string().optional(),
  i: z.string().optional(),
  c: z.string().optional(),
  h: storedHeaders.optional(),
  u: z.string(),
  e: z.string().optional(),
  s: z.number().int().optional(),
  r: z.string().optional(),
  rh: storedLines.optional(),
  d: z.number().optional(),
  q: z.number().optional(),
  wt: z.string().optional(),
});
type CompactFields = z.output<typeof compactFields>;

/** A compact `record` under the fields' own names; the webhook and the event id from the row. */
function unpacked(c: CompactFields, own: { readonly rowKey: string; readonly eventId: string }): PackedFields {
  return {
    webhook: c.w ?? own.rowKey.split('|')[1]!,
    action: c.a,
    image: c.i,
    bodyFrom: typeof c.f === 'string' ? { format: c.f } : c.f && bodyFromTuple(c.f),
    contentType: c.c,
    requestHeaders: c.h === undefined ? {} : headersOf(c.h, { eventId: own.eventId, contentType: c.c }),
    requestUri: c.u,
    lastError: c.e,
    responseStatus: c.s,
    responseReason: c.r,
    responseHeaders: c.rh === undefined ? {} : headersOfLines(c.rh),
    durationMs: c.d,
    queuedMs: c.q,
    waiting: c.wt,
  };
}

const bodyFromTuple = ([f, registryName, subscriptionId, resourceGroup, location]: readonly [
  BodySource['format'],
  string,
  string,
  string,
  string,
]) => ({
  format: f,
  webhook: { registryName, subscriptionId, resourceGroup, location },
});

/** What a compact `record` keeps of a record (see compactFields). */
function compacted(r: DeliveryRecord): z.input<typeof compactFields> {
  const from = r.bodyFrom;
  const w = from?.webhook;
  return {
    v: 2,
    w: nameKey(r.webhook) === r.webhook ? undefined : r.webhook,
    f: w ? [from.format, w.registryName, w.subscriptionId, w.resourceGroup, w.location] : from?.format,
    ...(from ? {} : { a: r.action, i: r.image }),
    c: r.contentType,
    h: isEmpty(r.requestHeaders) ? undefined : storedHeadersOf(r.requestHeaders, r),
    u: r.requestUri,
    e: r.lastError,
    s: r.responseStatus,
    r: r.responseReason,
    rh: isEmpty(r.responseHeaders) ? undefined : linesOf(r.responseHeaders),
    d: r.durationMs,
    q: r.queuedMs,
    wt: r.waiting,
  };
}

const isEmpty = (map: Readonly<Record<string, string>>) => {
  for (const _ in map) return false;
  return true;
};

/** A row of the layouts since issue 24's storage CPU work: `record` compact (`"v":2`) or not. */
const packedEntity = z
  .object({
    ...columns,
    body: optionalField(z.string()),
    // Left out when empty since `"v":2` (nothing sent yet, no response).
    responseBody: z.string().default(''),
    record: jsonField(z.union([compactFields, packedFields])),
  })
  .transform(({ record, ...own }) => ({ ...('v' in record ? unpacked(record, own) : record), ...own }))
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

export function readDeliveryEntity(entity: unknown): StoredDelivery {
  const packed = typeof entity === 'object' && entity !== null && 'record' in entity;
  const fields: StoredFields = packed ? packedEntity.parse(entity) : columnsEntity.parse(entity);
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
    attempts: r.attempts,
    nextAttemptAt: r.nextAttemptAt,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    ...(r.bodyFrom ? {} : { body: r.body }),
    responseBody: r.responseBody === '' ? undefined : r.responseBody,
    record: JSON.stringify(compacted(r)),
  };
}

/** A transaction's write of a delivery's row. */
export type DeliveryWrite = (pk: string, record: DeliveryRecord) => TransactionAction;

/** Writes the row whole, whether or not it is there. */
export const upsertDelivery: DeliveryWrite = (pk, record) => ['upsert', toDeliveryEntity(pk, record), 'Replace'];

/** Creates the row: the transaction fails (409) if it is there. */
export const insertDelivery: DeliveryWrite = (pk, record) => ['create', toDeliveryEntity(pk, record)];
