import type { QueueClient } from '@azure/storage-queue';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { QueueHandler } from '../handler-types.js';
import { isSystemEventAction } from '../events/acr-system-events.js';
import { registryId } from '../webhooks/registry-id.js';
import type { WebhookStore } from '../storage/webhook-store.js';
import { statusOf } from '../storage/rest-errors.js';
import { mirrorMessage, type MirrorMessage } from '../pipeline/messages.js';
import type { MirrorQueue } from '../pipeline/mirror-queue.js';
import { parseOrPoison, sendToPoison } from '../pipeline/poison.js';
import type { EventMirror } from './event-mirror.js';
import type { MirrorEvent } from './system-event.js';
import { acrPayload, coalescedPayload, isIndexPush } from '../multiarch/payloads.js';
import { resolvePlatforms } from '../multiarch/resolve-platforms.js';
import type { IndexReader } from '../multiarch/index-reader.js';
import { logValue } from '../log-value.js';

export interface MirrorDeps {
  readonly config: Pick<Config, 'defaultSubscriptionId' | 'defaultResourceGroup' | 'eventGrid'>;
  readonly webhooks: Pick<WebhookStore, 'listCached'>;
  readonly queues: { readonly mirrorPoison: QueueClient };
  /** Where a failed publish is queued again. */
  readonly mirrorQueue: MirrorQueue;
  /** The Event Grid mirror, or the no-op one when no topic is configured. */
  readonly mirror: EventMirror;
  readonly indexReader: IndexReader;
  readonly now: Clock;
}

/*
 * The mirror's own stage: a topic outage delays only this queue, never a webhook delivery. A failed publish
 * is not thrown back at the host (whose 5 tries, visibilityTimeout apart, would poison a batch after half a
 * minute of outage): the batch is queued again with `failures + 1`, visible after the next delay of
 * EVENTGRID_RETRY_SCHEDULE (the last delay repeats), and given up to `eventgrid-mirror-poison` a day after
 * it was first queued (Event Grid's own delivery retry window). Answers no retry can fix (400, 404, 413)
 * go to the poison queue at once. Only a failure to re-queue is thrown, so the host retries that.
 */
const MIRROR_MAX_AGE_MS = 24 * 3600 * 1000;
const PERMANENT = new Set([400, 404, 413]);

/**
 * The delay before retry number `failures` (1-based): the schedule's entry, the last one repeating.
 * @internal
 */
export function mirrorRetryDelay(schedule: readonly number[], failures: number): number {
  return schedule[Math.min(failures, schedule.length) - 1] ?? 60;
}

async function toMirrorEvents(deps: MirrorDeps, m: MirrorMessage, log: (message: string) => void): Promise<MirrorEvent[]> {
  // The registry's webhooks name its ARM id and region (ACR: a webhook's location is its registry's);
  // a registry without webhooks gets the default subscription and resource group and no location.
  const hooks = await deps.webhooks.listCached(m.registry);
  const hook = hooks[0];
  const id = registryId(
    hook ?? {
      subscriptionId: deps.config.defaultSubscriptionId,
      resourceGroup: deps.config.defaultResourceGroup,
      registryName: m.registry,
    },
  );
  const out: MirrorEvent[] = [];
  for (const raw of m.events) {
    if (!isSystemEventAction(raw.action)) continue;
    // ACR's payload; an index push once, with its platforms (as coalesced webhooks get it).
    const event = isIndexPush(raw)
      ? coalescedPayload(raw, await resolvePlatforms(deps.indexReader, raw, (x) => log(`event=${raw.id} ${x}`)))
      : acrPayload(raw);
    out.push({ event: { ...event, action: raw.action }, registryId: id, location: hook?.location });
  }
  return out;
}

export function makeMirrorHandler(deps: MirrorDeps): QueueHandler {
  return parseOrPoison(mirrorMessage, deps.queues.mirrorPoison, 'mirror', async (m, context) => {
    const tag = `registry=${m.registry} events=${m.events.length} ids=${logValue(m.events.map((e) => e.id).join(','), 4096)}`;
    if (!deps.mirror.enabled) {
      // Queued while a topic was configured; keep the events for a replay rather than drop them.
      await sendToPoison(deps.queues.mirrorPoison, m, 'the Event Grid mirror is no longer configured');
      context.warn(`mirror: ${tag} moved to the poison queue: EVENTGRID_TOPIC_ENDPOINT is not set`);
      return;
    }
    const events = await toMirrorEvents(deps, m, (x) => context.log(`mirror: registry=${m.registry} ${x}`));
    if (events.length === 0) return;
    try {
      await deps.mirror.publish(events);
      context.log(`mirror: ${tag} published${m.failures > 0 ? ` after ${m.failures} failed attempts` : ''}`);
      return;
    } catch (err) {
      const status = statusOf(err);
      const reason = `${status ?? 'no answer'}: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500);
      const failures = m.failures + 1;
      const delay = mirrorRetryDelay(deps.config.eventGrid?.retrySchedule ?? [60], failures);
      const expired = deps.now().getTime() + delay * 1000 - Date.parse(m.since) > MIRROR_MAX_AGE_MS;
      if ((status !== undefined && PERMANENT.has(status)) || expired) {
        await sendToPoison(deps.queues.mirrorPoison, m, `publish failed ${failures} times; last: ${reason}`);
        context.error(`mirror: ${tag} given up after ${failures} attempts (${logValue(reason, 1000)}); moved to the poison queue`);
        return;
      }
      await deps.mirrorQueue.send({ ...m, failures }, delay);
      context.warn(`mirror: ${tag} publish failed (${logValue(reason, 1000)}); retry ${failures + 1} in ${delay}s`);
    }
  });
}
