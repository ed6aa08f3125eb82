import { z } from 'zod';
import type { DeliveryRecord } from '../delivery/delivery-record.js';
import { bodySource, type BodySource } from '../delivery/body-source.js';
import { nameKey } from './key-part.js';
import { headersOf, storedHeaders, storedHeadersOf } from './header-template.js';
import { headersOfLines, linesOf, storedLines } from './header-lines.js';

/*
 * A delivery row's `record` since issue 24's row size work: what the rest of the row does not tell, as a
 * JSON array `[2, ...values]`, each value the field of its place in PLACES, null when it has none, the
 * trailing ones without left out. That JSON is escaped again inside every request's JSON (each quote costs
 * two bytes there), so a name per field cost a row ~60 bytes and the maps' quotes ~100. Besides:
 * - `webhook` only when the row key does not spell it (its nameKey: a name with capitals);
 * - `bodyFrom` as its format, or [format, registryName, subscriptionId, resourceGroup, location], the
 *   registry's name null when the partition key spells it;
 * - the request headers as header-template.ts keeps them (a versioned template: a signed delivery's are
 *   its timestamp), the response headers as `name:value` lines (header-lines.ts); empty maps left out.
 */

/** The fields in a compact record's places, the most common first. Never reorder: add at the end. */
const PLACES = [
  'requestUri',
  'bodyFrom',
  'requestHeaders',
  'responseStatus',
  'responseReason',
  'responseHeaders',
  'durationMs',
  'queuedMs',
  'lastError',
  'contentType',
  'action',
  'image',
  'waiting',
  'webhook',
] as const;

const format = bodySource.shape.format;
const places = z.object({
  requestUri: z.string(),
  bodyFrom: z.union([format, z.tuple([format, z.string().nullable(), z.string(), z.string(), z.string()])]).optional(),
  requestHeaders: storedHeaders.optional(),
  responseStatus: z.number().int().optional(),
  responseReason: z.string().optional(),
  responseHeaders: storedLines.optional(),
  durationMs: z.number().optional(),
  queuedMs: z.number().optional(),
  lastError: z.string().optional(),
  contentType: z.string().optional(),
  action: z.string().optional(),
  image: z.string().optional(),
  waiting: z.string().optional(),
  webhook: z.string().optional(),
} satisfies Record<(typeof PLACES)[number], z.ZodType>);
type Places = z.output<typeof places>;

/** A compact record, JSON parsed: `[2, ...values]`, by name. */
export const compactRecord = z
  .tuple([z.literal(2)], z.unknown())
  .transform(([, ...values]) => Object.fromEntries(PLACES.map((name, i) => [name, values[i] ?? undefined])))
  .pipe(places);

/** The row a compact record is read from: its keys and event id. */
interface Row {
  readonly partitionKey: string;
  readonly rowKey: string;
  readonly eventId: string;
}

/** The record's fields a compact record keeps, under their own names; the webhook and the event id from the row. */
export function fieldsOfCompact(c: Places, row: Row) {
  return {
    webhook: c.webhook ?? row.rowKey.split('|')[1]!,
    action: c.action,
    image: c.image,
    bodyFrom: typeof c.bodyFrom === 'string' ? { format: c.bodyFrom } : c.bodyFrom && bodyFromTuple(c.bodyFrom, row.partitionKey),
    contentType: c.contentType,
    requestHeaders: c.requestHeaders === undefined ? {} : headersOf(c.requestHeaders, { eventId: row.eventId, contentType: c.contentType }),
    requestUri: c.requestUri,
    lastError: c.lastError,
    responseStatus: c.responseStatus,
    responseReason: c.responseReason,
    responseHeaders: c.responseHeaders === undefined ? {} : headersOfLines(c.responseHeaders),
    durationMs: c.durationMs,
    queuedMs: c.queuedMs,
    waiting: c.waiting,
  };
}

const bodyFromTuple = (
  [f, registryName, subscriptionId, resourceGroup, location]: readonly [BodySource['format'], string | null, string, string, string],
  partitionKey: string,
): BodySource => ({
  format: f,
  webhook: { registryName: registryName ?? registryOf(partitionKey), subscriptionId, resourceGroup, location },
});

/** The registry's part of an event's partition key, `{registry}|{shard}` (event-keys.ts). */
const registryOf = (partitionKey: string) => partitionKey.slice(0, partitionKey.lastIndexOf('|'));

/** The compact record of a delivery, its row in `partitionKey`: what the row keeps besides its properties. */
export function compactRecordOf(r: DeliveryRecord, partitionKey: string): unknown[] {
  const from = r.bodyFrom;
  const w = from?.webhook;
  const fields: z.input<typeof places> = {
    requestUri: r.requestUri,
    bodyFrom: w
      ? [from.format, registryOf(partitionKey) === w.registryName ? null : w.registryName, w.subscriptionId, w.resourceGroup, w.location]
      : from?.format,
    requestHeaders: isEmpty(r.requestHeaders) ? undefined : storedHeadersOf(r.requestHeaders, r),
    responseStatus: r.responseStatus,
    responseReason: r.responseReason,
    responseHeaders: isEmpty(r.responseHeaders) ? undefined : linesOf(r.responseHeaders),
    durationMs: r.durationMs,
    queuedMs: r.queuedMs,
    lastError: r.lastError,
    contentType: r.contentType,
    action: from ? undefined : r.action,
    image: from ? undefined : r.image,
    waiting: r.waiting,
    webhook: nameKey(r.webhook) === r.webhook ? undefined : r.webhook,
  };
  const values: unknown[] = [2];
  for (const name of PLACES) values.push(fields[name] ?? null);
  while (values.length > 1 && values.at(-1) === null) values.pop();
  return values;
}

const isEmpty = (map: Readonly<Record<string, string>>) => {
  for (const _ in map) return false;
  return true;
};
