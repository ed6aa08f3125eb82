import { setTimeout as delay } from 'node:timers/promises';
import type { InvocationContext } from '@azure/functions';
import type { ClaimStore as Claims } from '../storage/claim-store.js';
import type { AcrEvent } from '../events/acr-event.js';
import type { Clock } from '../clock.js';
import { logValue } from '../log-value.js';

/*
 * An event's fan-out is a state machine in its `evt|` row, moved only by ETag-conditional writes:
 *
 *   claimed(owner, leaseUntil) ──fan-out recorded──▶ fannedout
 *        ▲        │ lease ended (owner died or froze)
 *        └────────┘ taken over by whoever writes first with the ETag it read
 *
 * The ingest creates the row already claimed by the process that dispatches it. A queue worker that
 * meets a live claim waits for its lease to end (bounded), then re-reads: a finished fan-out is
 * `fannedout` and is skipped; an abandoned one is taken over. Two workers that both read an expired
 * claim race on the ETag: one wins, the other re-reads and stands aside. A second first attempt is made
 * only for webhooks whose outcome the first owner never recorded (`recorded` counts the delivery rows it
 * wrote), and carries the same `webhook-id` (the event id).
 */

export interface EventItem {
  readonly event: AcrEvent;
  readonly receivedAt: string;
  /** The event's JSON as its `evt|` row holds it, when known: its deliveries' bodies may then be rendered from the row (fan-out.ts). */
  readonly stored?: string | undefined;
}

/** An event this worker owns: its row's current ETag, and whether earlier owners recorded deliveries. */
export interface Claimed {
  readonly item: EventItem;
  etag: string;
  readonly recorded: number;
}

export interface ClaimSettings {
  readonly owner: string;
  readonly leaseMs: number;
  readonly now: Clock;
}

/** A live claim outlasted the wait: the message is retried later, when the claim has surely ended. */
class ClaimHeldElsewhere extends Error {}

type ClaimStore = Pick<Claims, 'readClaim' | 'takeClaim' | 'createClaim'>;

/** For the queue trigger: claims each event of a message whose fan-out is not done. */
export async function claimEvents(
  events: ClaimStore,
  registry: string,
  items: readonly EventItem[],
  settings: ClaimSettings,
  context: InvocationContext,
): Promise<Claimed[]> {
  const claimed = await Promise.all(items.map((item) => claimOne(events, registry, item, settings, context)));
  return claimed.filter((c): c is Claimed => c !== undefined);
}

async function claimOne(
  events: ClaimStore,
  registry: string,
  item: EventItem,
  settings: ClaimSettings,
  context: InvocationContext,
): Promise<Claimed | undefined> {
  const { event } = item;
  // Wait at most one lease (plus slack) for someone else's live claim to end.
  const deadline = settings.now().getTime() + settings.leaseMs + 5_000;
  for (;;) {
    const now = settings.now().getTime();
    const lease = { owner: settings.owner, leaseUntil: new Date(now + settings.leaseMs).toISOString() };
    const row = await events.readClaim(registry, event.id);
    if (!row) {
      // Its row is gone (retention) or was never saved: claim it afresh rather than drop the event.
      const etag = await events.createClaim(registry, item, lease);
      if (etag) return { item: { ...item, stored: JSON.stringify(item.event) }, etag, recorded: 0 };
      continue;
    }
    if (row.state === 'fannedout') {
      context.log(`fan-out: registry=${registry} event=${logValue(event.id)} already fanned out; nothing to do`);
      return undefined;
    }
    const held = row.state === 'claimed' && row.leaseUntil !== undefined ? Date.parse(row.leaseUntil) : 0;
    if (held > now) {
      if (held > deadline)
        throw new ClaimHeldElsewhere(`event ${logValue(event.id)} is claimed by ${row.owner ?? 'another worker'} until ${row.leaseUntil}`);
      context.log(
        `fan-out: registry=${registry} event=${logValue(event.id)} is being fanned out by ${row.owner ?? 'another worker'} (claimed until ${row.leaseUntil}); waiting`,
      );
      await delay(held - now + 50);
      continue;
    }
    const etag = await events.takeClaim(registry, event.id, row.etag, lease);
    if (etag) {
      if (row.state === 'claimed')
        context.log(`fan-out: registry=${registry} event=${logValue(event.id)} took over an expired claim of ${row.owner ?? 'a worker'}`);
      return { item: { ...item, stored: row.payload }, etag, recorded: row.recorded ?? 0 };
    }
  }
}
