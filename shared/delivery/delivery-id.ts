/**
 * Which delivery: one event to one webhook of a registry, as ingested at `receivedMs` (for a redelivery,
 * when it was asked for: a redelivery is a new delivery of the same event, listed newest first). Storage
 * turns it into keys (storage/event-keys.ts); nothing outside storage knows them. Queue messages carry it.
 */
export interface DeliveryId {
  readonly registry: string;
  readonly webhook: string;
  readonly eventId: string;
  readonly receivedMs: number;
}

/** The id of a delivery of `registry` (records do not carry their registry). */
export const deliveryIdOf = (
  registry: string,
  delivery: { readonly webhook: string; readonly eventId: string; readonly receivedMs: number },
): DeliveryId => ({ registry, webhook: delivery.webhook, eventId: delivery.eventId, receivedMs: delivery.receivedMs });
