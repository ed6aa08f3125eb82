import { z } from 'zod';
import { headersOfLines, linesOf, storedLines } from './header-lines.js';

/*
 * A delivery's request headers, as a row keeps them (issue 24: ~200 of a row's ~860 bytes). What an HTTP
 * delivery records (outboundRequest's masked headers) is almost all known from the rest of its row: the
 * content type is the record's `contentType`, the User-Agent a constant, `webhook-id` the event id, the
 * signature and every custom header's value masked. So a row keeps only what is not: whether it was signed
 * and when (`webhook-timestamp`), and the custom headers' names in the order sent, under the number of the
 * template that rebuilds the rest: `[1, timestamp | null, ...customNames]`.
 *
 * A template is fixed once rows use it: its User-Agent is written here, not taken from outbound-request.ts,
 * so that if ours changes, a row written before still shows what it sent (the new one gets a template 2,
 * and until then rows keep their headers whole). A template is used only when it rebuilds the very same
 * map, entries in the same order; anything else (a Service Bus message's properties, a row of an older
 * deploy) keeps its headers as they are, as lines when it can (header-lines.ts).
 */

const MASK = '***';
/** Template 1's User-Agent: outbound-request.ts's USER_AGENT when it was made. Never change it (see above). */
const USER_AGENT_1 = 'AzureContainerRegistry/1.0 registry-webhooks/0.1';
const DEFAULT_CONTENT_TYPE_1 = 'application/json';

/** How a row keeps a delivery's request headers: as template 1 (above), or whole. */
export const storedHeaders = z.union([z.tuple([z.literal(1), z.number().int().nonnegative().nullable()], z.string()), storedLines]);
type StoredHeaders = z.infer<typeof storedHeaders>;

/** What the template reads of the rest of the record. */
interface HeaderContext {
  readonly eventId: string;
  readonly contentType?: string | undefined;
}

/** The headers a row keeps (`stored`), as the record had them. */
export function headersOf(stored: StoredHeaders, record: HeaderContext): Record<string, string> {
  if (!Array.isArray(stored)) return headersOfLines(stored);
  const [, timestamp, ...custom] = stored;
  // The order outboundRequest builds them in: content type and User-Agent, the signature's, then custom headers.
  const headers: Record<string, string> = { 'content-type': record.contentType ?? DEFAULT_CONTENT_TYPE_1, 'user-agent': USER_AGENT_1 };
  if (timestamp !== null) {
    headers['webhook-id'] = record.eventId;
    headers['webhook-timestamp'] = String(timestamp);
    headers['webhook-signature'] = MASK;
  }
  for (const name of custom) headers[name] = MASK;
  return headers;
}

/** What a row keeps of `headers` (not empty): template 1 when it gives them back exactly, else the headers themselves. */
export function storedHeadersOf(headers: Readonly<Record<string, string>>, record: HeaderContext): StoredHeaders {
  const stamp = headers['webhook-timestamp'];
  const timestamp = stamp !== undefined && /^\d{1,15}$/.test(stamp) ? Number(stamp) : null;
  const custom = Object.keys(headers).filter((name) => headers[name] === MASK && name !== 'webhook-signature');
  const template: StoredHeaders = [1, timestamp, ...custom];
  return sameEntries(headersOf(template, record), headers) ? template : linesOf(headers);
}

/** The same names and values in the same order (what listEvents shows). */
function sameEntries(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const names = Object.keys(a);
  const others = Object.keys(b);
  return names.length === others.length && names.every((name, i) => others[i] === name && a[name] === b[name]);
}
