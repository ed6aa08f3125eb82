import { z } from 'zod';
import { acrEvent } from '../events/acr-event.js';

/*
 * Queue messages are small and versioned (`v`), and parsed with zod on the way in: a message may have
 * been written by an older deploy. An event message carries the event itself (≤ a few KB, immutable),
 * which saves the fan-out a table read per event; a delivery message carries only ids.
 */
export const eventMessage = z.object({
  v: z.literal(1),
  type: z.literal('event'),
  registry: z.string().min(1).max(50),
  receivedAt: z.string(),
  event: acrEvent,
  /** Set when the same event id was accepted before: the fan-out checks whether it already ran. */
  recheck: z.boolean().optional(),
});
export type EventMessage = z.infer<typeof eventMessage>;

export const deliveryMessage = z.object({
  v: z.literal(1),
  type: z.literal('delivery'),
  registry: z.string().min(1).max(50),
  webhook: z.string().min(1).max(50),
  rowKey: z.string().min(1).max(1024),
  /** The attempt this message is for (1-based). */
  attempt: z.number().int().min(1),
  /** A hand-off: the fan-out's inline attempt was still running when it returned. */
  handoff: z.boolean().optional(),
});
export type DeliveryMessage = z.infer<typeof deliveryMessage>;

/** The Functions host's default queue encoding is base64 (host.json `messageEncoding`). */
export function encodeMessage(message: EventMessage | DeliveryMessage): string {
  return Buffer.from(JSON.stringify(message), 'utf8').toString('base64');
}
