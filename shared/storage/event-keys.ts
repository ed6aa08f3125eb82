import { createHash } from 'node:crypto';
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
 *                                      inverted time
 *   PartitionKey {registry}            what the registry remembers across events (one or two writes per
 *                                      push), and every row written before the shards existed (read as
 *                                      one more shard, never written to again):
 *     man|{repo}|{digest}              a manifest this registry pushed (media type): a delete of a digest
 *                                      without this row was a blob, not an image
 *     man|{repo}|{digest}|{tag}        a tag that was pushed pointing at that manifest
 *     tag|{repo}|{tag}                 where a tag points now (so a moved tag is not reported on delete)
 *     hold|…, hclaim|…                 multi-arch hold windows (multiarch/coalesce-window.ts)
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

export const Partitions = {
  /** Manifest memory, tags and holds; and every row written before the shards. */
  registry: (registry: string) => nameKey(registry),
  event: eventPartition,
  /** The partition of a delivery row (its key ends in its event's key part). */
  ofDelivery: (registry: string, rowKey: string) => `${nameKey(registry)}|${shardOf(rowKey.slice(rowKey.lastIndexOf('|') + 1))}`,
  /** Where a registry's deliveries can be: every shard, and the rows from before the shards. */
  allDeliveries: (registry: string) => [
    nameKey(registry),
    ...Array.from({ length: EVENT_SHARDS }, (_, i) => `${nameKey(registry)}|${i.toString(16).padStart(2, '0')}`),
  ],
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
};

/** When the event of a delivery row was ingested (the row key carries it, inverted), in ms. */
export function receivedMsOf(deliveryRowKey: string): number | undefined {
  const inverted = deliveryRowKey.split('|')[2];
  return inverted && /^\d{13}$/.test(inverted) ? MAX_MS - Number(inverted) : undefined;
}
