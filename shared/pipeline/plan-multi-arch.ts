import type { WebhookRecord } from '../webhooks/webhook.js';
import type { AcrEvent } from '../events/acr-event.js';
import { nameKey } from '../storage/key-part.js';
import type { EventsMessage } from './messages.js';
import type { EventsQueue } from './events-queue.js';
import type { CoalesceWindow } from '../multiarch/coalesce-window.js';
import type { IndexReader } from '../multiarch/index-reader.js';
import { acrPayload, coalescedPayload, isIndexPush, isTaglessChildPush } from '../multiarch/payloads.js';
import { resolvePlatforms } from '../multiarch/resolve-platforms.js';

/** What the multi-arch step of a fan-out uses. */
export interface MultiArchDeps {
  readonly config: { readonly multiArchWindowMs: number };
  readonly coalesceWindow: CoalesceWindow;
  readonly indexReader: IndexReader;
  readonly eventsQueue: Pick<EventsQueue, 'send'>;
}

/** A delivery to plan: the webhook and the ACR payload it gets (rendered in its format when recorded). */
interface Send {
  readonly webhook: WebhookRecord;
  readonly payload: AcrEvent;
  /** The payload is the coalesced index push, not the event's own: its body cannot be rendered again from the event's row. */
  readonly coalesced?: true;
}

/** The deliveries of one event, and whether it is a waiting push released (its hold row goes once its records are written). */
interface Plan {
  readonly sends: readonly Send[];
  readonly released: boolean;
}

type Item = EventsMessage['items'][number];

/**
 * The multi-arch step of a fan-out, between matching and sending. perManifest webhooks get every event
 * as ACR sends it. For coalesced webhooks: a tagless child push waits for its index (see coalesce-window.ts) and
 * its window's end scheduled as a delayed events message that names the webhooks; an index push adopts
 * its children and goes out once, with `target.platforms`; a release item delivers the waiting push on its
 * own unless an index adopted it meanwhile.
 */
export async function planMultiArch(
  deps: MultiArchDeps,
  registry: string,
  item: Item,
  targets: readonly WebhookRecord[],
  log: (message: string) => void,
): Promise<Plan> {
  const { event } = item;
  const plain = acrPayload(event);
  if (item.release) {
    const names = new Set(item.release.webhooks.map(nameKey));
    const waiting = targets.filter((w) => names.has(nameKey(w.name)));
    const child = { repository: event.target.repository, digest: event.target.digest ?? '', eventId: event.id };
    if ((await deps.coalesceWindow.release(registry, child)) === 'adopted') {
      log('waiting push was adopted by an index; nothing to deliver on its own');
      return { sends: [], released: false };
    }
    log(`waiting push released after the multi-arch window to ${waiting.length} coalesced webhook(s)`);
    return { sends: waiting.map((webhook) => ({ webhook, payload: plain })), released: true };
  }
  const coalesced = targets.filter((w) => w.multiArch === 'coalesced');
  if (coalesced.length === 0) return { sends: targets.map((webhook) => ({ webhook, payload: plain })), released: false };

  if (isTaglessChildPush(event)) {
    const webhooks = coalesced.map((w) => w.name);
    const outcome = await deps.coalesceWindow.hold(registry, {
      repository: event.target.repository,
      digest: event.target.digest!,
      eventId: event.id,
      receivedAt: item.receivedAt,
      webhooks,
    });
    if (outcome === 'waiting') {
      await deps.eventsQueue.send(
        registry,
        [{ event, receivedAt: item.receivedAt, release: { webhooks } }],
        Math.ceil(deps.config.multiArchWindowMs / 1000),
      );
    }
    log(
      outcome === 'waiting'
        ? `waiting for its index, for ${coalesced.length} coalesced webhook(s)`
        : 'adopted by an index already seen; not delivered on its own',
    );
    return { sends: targets.filter((w) => w.multiArch !== 'coalesced').map((webhook) => ({ webhook, payload: plain })), released: false };
  }

  if (isIndexPush(event) && event.target.digest) {
    const platforms = await resolvePlatforms(deps.indexReader, event, log);
    const taken = await deps.coalesceWindow.adopt(
      registry,
      event.target.repository,
      { digest: event.target.digest, receivedAt: item.receivedAt },
      platforms.map((p) => p.digest),
    );
    log(`index with ${platforms.length} platform(s) adopted ${taken.length} waiting push(es)`);
    const coalesced = coalescedPayload(event, platforms);
    return {
      sends: targets.map((webhook) =>
        webhook.multiArch === 'coalesced' ? { webhook, payload: coalesced, coalesced: true as const } : { webhook, payload: plain },
      ),
      released: false,
    };
  }
  return { sends: targets.map((webhook) => ({ webhook, payload: plain })), released: false };
}
