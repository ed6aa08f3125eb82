import { z } from 'zod';

/*
 * The event id grammar: 1-128 printable ASCII characters other than space (U+0021-U+007E). What
 * registries send fits: the CNCF registry, ACR and Event Grid use UUIDs (36 characters), CloudEvents
 * producers UUIDs or short tokens. An id becomes the `webhook-id` header of every delivery, a part of
 * storage keys (at most 3 × 128 characters once encoded, well under Table Storage's 1 KiB) and a field
 * of log lines, so anything else (control characters, spaces, non-ASCII) is refused at ingest, per event.
 */
export const EVENT_ID_MAX = 128;
const EVENT_ID = /^[!-~]{1,128}$/;

export const EVENT_ID_RULE = `must be 1-${EVENT_ID_MAX} printable ASCII characters without spaces (a UUID, for example)`;

export function isEventId(value: unknown): value is string {
  return typeof value === 'string' && value.length <= EVENT_ID_MAX && EVENT_ID.test(value);
}

export const eventId = z.string().refine(isEventId, EVENT_ID_RULE);
