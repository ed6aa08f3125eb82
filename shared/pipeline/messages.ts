import { z } from 'zod';
import { acrEvent } from '../events/acr-event.js';

/*
 * Queue messages are small and versioned (`v`), and parsed with zod on the way in: a message may have
 * been written by an older deploy (fields it has that these schemas no longer name, such as the
 * write-only `recheck` and `handoff` of earlier versions, are dropped by the parse). An events message carries a batch of one registry's events (the
 * ingest's group commit; ≤ 40 KB of JSON), which saves the fan-out a table read per event: events are
 * immutable, so carrying them is safe. A delivery message carries only ids.
 */
/** Delivery references per message: ~150 bytes each, well inside the 64 KiB a queue message holds. */
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

/** Deliveries of one registry that are due: retries grouped by due time, or a fan-out's hand-offs. */
export const deliveriesMessage = z.object({
  v: z.literal(1),
  type: z.literal('deliveries'),
  registry: z.string().min(1).max(50),
  /** Attempt the items one after another, in the order given (recover sends in order of receipt). */
  ordered: z.boolean().optional(),
  items: z
    .array(
      z.object({
        webhook: z.string().min(1).max(50),
        rowKey: z.string().min(1).max(1024),
        /** The attempt this message is for (1-based). */
        attempt: z.number().int().min(1),
      }),
    )
    .min(1)
    .max(MAX_DELIVERIES_PER_MESSAGE),
});
export type DeliveriesMessage = z.infer<typeof deliveriesMessage>;
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
