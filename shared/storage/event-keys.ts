import { createHash } from 'node:crypto';
import type { DeliveryId } from '../delivery/delivery-id.js';
import { keyPart, nameKey } from './key-part.js';

/*
 * Table `events`. A registry's rows are spread over partitions so that no partition takes more than Azure
 * Table Storage's ~2,000 entities/s at 1,000 events/s × 100 webhooks (docs/scale.md):
 *
 *   PartitionKey {registry}|{shard}    an event's own rows: its shard is a hash of the event id, one of
 *                                      EVENT_SHARDS, so everything one event's fan-out writes (its
 *                                      deliveries and its `fannedout` mark) is still one entity-group
 *                                      transaction, and a registry's events spread evenly
 *     evt|{eventId}                    the event as accepted (dedupe by id) and its fan-out's claim:
 *                                      `state` claimed(owner, leaseUntil, recorded) → fannedout, moved by
 *                                      ETag-conditional writes only (pipeline/claims.ts); `queued` is
 *                                      what an older deploy wrote
 *     del|{webhook}|{invertedMs}|{eventId}
 *                                      one delivery of an event to a webhook: listEvents merges the
 *                                      `del|{webhook}|` range of every shard, newest first thanks to the
 *                                      inverted time. What is particular to it: webhook, eventId, state,
 *                                      attempts, the latest response, the request's URI and headers
 *                                      (secrets masked), contentType. As properties of their own only what
 *                                      a query filters, selects or merges (eventId, state, attempts,
 *                                      nextAttemptAt, createdAt, updatedAt) and the two that can be large
 *                                      (`responseBody`, and `body` when kept: a property holds at most 32 K
 *                                      characters); the rest, maps included, in
 *                                      one JSON property `record` (since issue 24: storage does work per
 *                                      property), and there, since issue 24's row size work, only what
 *                                      the rest of the row does not tell, as a JSON array `[2, ...]` of
 *                                      fields in fixed places (compact-record.ts): no webhook when the row
 *                                      key spells it, the request headers as a versioned template that
 *                                      keeps the signature's timestamp and the custom headers' names
 *                                      (header-template.ts), other maps as `name:value` lines, nothing
 *                                      empty; `sendingUntil` (ISO) while a delivery worker holds the
 *                                      next attempt (merged ETag-conditional, delivery-store.ts
 *                                      claimAttempts; the record written after the attempt drops it);
 *                                      `attempts`, `updatedAt`, `responseBody` left out when 0,
 *                                      `createdAt`, empty. A row of an ACR push: ~860 bytes before, ~470
 *                                      since. delivery-entity.ts reads rows of every layout. The
 *                                      fan-out creates its rows (Azurite looks a create's key up once, an
 *                                      upsert's twice) and upserts an event's rows only if one is there.
 *                                      Its body, action and image:
 *                                      - since issue 24, a delivery whose body is its event's own payload
 *                                        rendered in its webhook's format keeps `bodyFrom` instead
 *                                        (`{"format"}`, plus what the format reads of the webhook for
 *                                        cloudevents, slack, teams): the body is rendered again from the
 *                                        `evt|` row, the same bytes (delivery/body-source.ts). ~1.5 KiB
 *                                        less per row; a read of such rows costs one point read of the
 *                                        `evt|` row per distinct event (delivery-store.ts);
 *                                      - `body`, `action`, `image` as before for what no event row
 *                                        reproduces (a coalesced index push, a ping, a redelivery, the end
 *                                        of a multi-arch hold window) and in every row written earlier
 *                                      (`record` holds `bodyFrom` or `action` and `image`; before it was
 *                                      compact, a JSON object of every field under its own name; rows
 *                                      written before `record` have each field as a property, maps as JSON
 *                                      strings)
 *   PartitionKey {registry}            what the registry remembers across events (one or two writes per
 *                                      push; registry-memory-store.ts) and the multi-arch hold windows
 *                                      (hold-store.ts):
 *     man|{repo}|{digest}              a manifest this registry pushed (media type): a delete of a digest
 *                                      without this row was a blob, not an image
 *     man|{repo}|{digest}|{tag}        a tag that was pushed pointing at that manifest
 *     tag|{repo}|{tag}                 where a tag points now (so a moved tag is not reported on delete)
 *     hold|{repo}|{digest}|{eventId}   a tagless child push held for coalesced webhooks: `receivedAt`,
 *                                      `webhooks`, `state` held → released
 *     claim|{repo}|{digest}            an index listed this child: `indexDigest`, `indexReceivedAt`
 *
 * Rows written before the shards existed (`evt|`, `del|` in PartitionKey {registry}) are moved to their
 * shards once by migrateLegacyRows (legacy-rows.ts: `npm run migrate`, and every `npm start`); nothing
 * reads them there. Retention (history-store.ts) removes `del|`, `evt|`, `hold|` and `claim|` rows past
 * EVENT_RETENTION_DAYS, in any partition; `man|` and `tag|` are kept (a delete can come long after its push).
 * An `evt|` row goes EVENT_ROW_GRACE_MS after its deliveries' (dated by receipt, they by creation), and a
 * delivery keeps no body only when written within that long of its event's receipt: a `del|` row never
 * outlives the `evt|` row its body is rendered from.
 *
 * Keys may not contain / \ # ? or control characters, and '|' separates their parts: every part that
 * comes from an event (id, repository, digest, tag) goes through `keyPart`, the one key encoding, which
 * cannot throw and bounds the length: the longest key (man|repo|digest|tag) is at most 706 characters.
 * The inverted time is the event's ingest time, so a re-run of a fan-out rewrites the same rows instead
 * of adding new ones. A delivery's row key ends in its event's key part, so its shard is known from the
 * row key alone.
 */

/**
 * How many partitions a registry's events and deliveries are spread over. Fixed: an event's shard must not move.
 * @internal
 */
export const EVENT_SHARDS = 64;

/** The shard of an event, from its id's key part: two hex digits. */
function shardOf(eventKey: string): string {
  const h = createHash('sha256').update(eventKey).digest();
  return (h.readUInt16BE(0) % EVENT_SHARDS).toString(16).padStart(2, '0');
}

/**
 * The partition of an event's own rows (its `evt|` row and its deliveries).
 * @internal
 */
export const eventPartition = (registry: string, eventId: string): string => `${nameKey(registry)}|${shardOf(keyPart(eventId))}`;

/** The shard partition of an `evt|` or `del|` row: both keys end in the event's key part. */
export const shardOfRow = (registry: string, rowKey: string): string =>
  `${nameKey(registry)}|${shardOf(rowKey.slice(rowKey.lastIndexOf('|') + 1))}`;

export const Partitions = {
  /** Manifest memory, tags and holds. */
  registry: (registry: string) => nameKey(registry),
  event: eventPartition,
  /** Where a registry's deliveries are: its shards. */
  allDeliveries: (registry: string) =>
    Array.from({ length: EVENT_SHARDS }, (_, i) => `${nameKey(registry)}|${i.toString(16).padStart(2, '0')}`),
};

const MAX_MS = 9_999_999_999_999;
/** Milliseconds counted down, so a RowKey range lists newest first. */
export const invertedMs = (ms: number) => String(MAX_MS - ms).padStart(13, '0');

export const Rows = {
  event: (eventId: string) => `evt|${keyPart(eventId)}`,
  manifest: (repository: string, digest: string) => `man|${keyPart(repository, 300)}|${keyPart(digest, 200)}`,
  manifestTag: (repository: string, digest: string, tag: string) => `${Rows.manifest(repository, digest)}|${keyPart(tag, 200)}`,
  tag: (repository: string, tag: string) => `tag|${keyPart(repository, 300)}|${keyPart(tag, 200)}`,
  delivery: (webhook: string, receivedMs: number, eventId: string) =>
    `del|${nameKey(webhook)}|${invertedMs(receivedMs)}|${keyPart(eventId)}`,
  deliveryRange: (webhook: string) => [`del|${nameKey(webhook)}|`, `del|${nameKey(webhook)}}`] as const,
  /** A webhook's deliveries of events received at or after `sinceMs` (inverted time: the newest first). */
  deliveriesSince: (webhook: string, sinceMs: number) =>
    [`del|${nameKey(webhook)}|`, `del|${nameKey(webhook)}|${invertedMs(sinceMs)}}`] as const,
  hold: (repository: string, digest: string, eventId: string) =>
    `hold|${keyPart(repository, 300)}|${keyPart(digest, 200)}|${keyPart(eventId)}`,
  /** A repository's waiting pushes (multi-arch). */
  holdRange: (repository: string) => [`hold|${keyPart(repository, 300)}|`, `hold|${keyPart(repository, 300)}}`] as const,
  /** The index that listed a child manifest (the row's prefix predates the name; kept so existing rows are found). */
  parentIndex: (repository: string, digest: string) => `claim|${keyPart(repository, 300)}|${keyPart(digest, 200)}`,
};

/**
 * How much longer than its deliveries' rows an event's row is kept, and how late after its receipt a
 * delivery may be written and still render its body from it (a fan-out comes seconds after the ingest).
 */
export const EVENT_ROW_GRACE_MS = 3_600_000;

/** The row kinds that are history, the field that dates each, and how long past the retention each stays: what retention removes. */
export const HISTORY_ROWS = [
  { from: 'del|', to: 'del}', field: 'createdAt', graceMs: 0 },
  { from: 'evt|', to: 'evt}', field: 'receivedAt', graceMs: EVENT_ROW_GRACE_MS },
  { from: 'hold|', to: 'hold}', field: 'receivedAt', graceMs: 0 },
  { from: 'claim|', to: 'claim}', field: 'indexReceivedAt', graceMs: 0 },
] as const;

/** The row kinds that lived in PartitionKey {registry} before the shards and now live in the shards. */
export const SHARDED_ROWS = [
  { from: 'evt|', to: 'evt}' },
  { from: 'del|', to: 'del}' },
] as const;

/** Where a delivery's row is: the only place a DeliveryId becomes keys. */
export const deliveryKeys = (id: DeliveryId) => ({
  partitionKey: Partitions.event(id.registry, id.eventId),
  rowKey: Rows.delivery(id.webhook, id.receivedMs, id.eventId),
});

/** When the event of a delivery row was ingested (the row key carries it, inverted), in ms. */
export function receivedMsOf(deliveryRowKey: string): number | undefined {
  const inverted = deliveryRowKey.split('|')[2];
  return inverted && /^\d{13}$/.test(inverted) ? MAX_MS - Number(inverted) : undefined;
}

/**
 * The event id and ingest time a delivery row key of `webhook` names, or undefined when it names none:
 * for queue messages of the previous version, which carried row keys. An event id's key part is its
 * percent-encoding (validated ids are printable ASCII, never shortened), so it decodes; the result is
 * checked by building the key again.
 */
export function deliveryOfRowKey(webhook: string, rowKey: string): { eventId: string; receivedMs: number } | undefined {
  const receivedMs = receivedMsOf(rowKey);
  if (receivedMs === undefined) return undefined;
  let eventId: string;
  try {
    eventId = decodeURIComponent(rowKey.slice(rowKey.lastIndexOf('|') + 1));
  } catch {
    return undefined;
  }
  return Rows.delivery(webhook, receivedMs, eventId) === rowKey ? { eventId, receivedMs } : undefined;
}
