import { z } from 'zod';
import { acrEvent } from '../events/acr-event.js';
import { eventId } from '../events/event-id.js';
import { deliveryOfRowKey } from '../storage/event-keys.js';

/*
 * Queue messages are small and versioned (`v`), and parsed with zod on the way in: a message may have
 * been written by an older deploy (fields it has that these schemas no longer name, such as the
 * write-only `recheck` and `handoff` of earlier versions, are dropped by the parse). An events message carries a batch of one registry's events (the
 * ingest's group commit; ≤ 40 KB of JSON), which saves the fan-out a table read per event: events are
 * immutable, so carrying them is safe. A delivery message carries only ids (DeliveryId, less the
 * registry, which the message names once).
 */
/** Delivery references per message: ~250 bytes at most each, well inside the 64 KiB a queue message holds. */
export const MAX_DELIVERIES_PER_MESSAGE = 200;

export const eventsMessage = z.object({
  v: z.literal(1),
  type: z.literal('events'),
  registry: z.string().min(1).max(50),
  items: z
    .array(
      z.object({
        event: acrEvent,
        receivedAt: z.string(),
        /**
         * The end of a multi-arch hold window (sent delayed by MULTI_ARCH_WINDOW_SECONDS): deliver this
         * held child push to these coalesced webhooks, unless an index claimed it meanwhile.
         */
        release: z.object({ webhooks: z.array(z.string().min(1).max(50)).min(1).max(1000) }).optional(),
      }),
    )
    .min(1)
    .max(100),
});
export type EventsMessage = z.infer<typeof eventsMessage>;

const webhookName = z.string().min(1).max(50);
/** The attempt this message is for (1-based). */
const attempt = z.number().int().min(1);

/**
 * One delivery due: its DeliveryId (the registry is the message's) and the attempt it is due for; for a
 * delivery that waited for its turn (pacing.ts), the turn kept for it (epoch ms).
 */
const deliveryRef = z.object({
  webhook: webhookName,
  eventId,
  receivedMs: z.number().int().min(0),
  attempt,
  notBeforeMs: z.number().int().min(0).optional(),
});

/** A delivery as version 1 named it: by its row key. Turned into the current shape (storage reads the key). */
const rowKeyRef = z.object({ webhook: webhookName, rowKey: z.string().min(1).max(1024), attempt }).transform((ref, ctx) => {
  const id = deliveryOfRowKey(ref.webhook, ref.rowKey);
  if (id) return { webhook: ref.webhook, eventId: id.eventId, receivedMs: id.receivedMs, attempt: ref.attempt, notBeforeMs: undefined };
  ctx.addIssue({ code: 'custom', message: 'not the row key of a delivery of this webhook', path: ['rowKey'] });
  return z.NEVER;
});

const deliveriesFields = {
  type: z.literal('deliveries'),
  registry: z.string().min(1).max(50),
  /** Attempt the items one after another, in the order given (recover sends in order of receipt). */
  ordered: z.boolean().optional(),
};

/**
 * Deliveries of one registry that are due: retries grouped by due time, a fan-out's hand-offs, or a
 * recover's page. Version 1 (the deploy before DeliveryId) named each by its row key; such a message, still
 * on the queue across a deploy, parses to the current shape.
 */
export const deliveriesMessage = z.union([
  z.object({ v: z.literal(2), ...deliveriesFields, items: z.array(deliveryRef).min(1).max(MAX_DELIVERIES_PER_MESSAGE) }),
  z
    .object({ v: z.literal(1), ...deliveriesFields, items: z.array(rowKeyRef).min(1).max(MAX_DELIVERIES_PER_MESSAGE) })
    .transform((m) => ({ ...m, v: 2 as const })),
]);
export type DeliveriesMessage = z.output<typeof deliveriesMessage>;
export type DeliveryRef = DeliveriesMessage['items'][number];

/**
 * A batch of one registry's events to publish to the Event Grid topic (queue `eventgrid-mirror`). Events
 * are carried, as in an events message; `failures` and `since` drive the mirror's own retry schedule.
 */
export const mirrorMessage = z.object({
  v: z.literal(1),
  type: z.literal('mirror'),
  registry: z.string().min(1).max(50),
  /** Publish attempts of this batch that failed so far. */
  failures: z.number().int().min(0),
  /** When the batch was first queued; it is given up (poison queue) a day after. */
  since: z.string(),
  events: z.array(acrEvent).min(1).max(100),
});
export type MirrorMessage = z.infer<typeof mirrorMessage>;
