import type { InvocationContext } from '@azure/functions';
import type { Deps } from '../runtime/deps.js';
import type { QueueFunctionDeclaration } from '../runtime/declaration.js';
import { Queue } from '../constants.js';
import { isSystemEventAction } from '../events/acr-system-events.js';
import { registryId } from '../webhooks/render.js';
import { storageStatus } from '../storage/clients.js';
import { encodeMessage, mirrorMessage, type MirrorMessage } from '../pipeline/messages.js';
import { sendToPoison } from '../pipeline/poison.js';
import type { MirrorEvent } from './system-event.js';
import { logValue } from '../log-value.js';

/*
 * The mirror's own stage: a topic outage delays only this queue, never a webhook delivery. A failed publish
 * is not thrown back at the host (whose 5 tries, visibilityTimeout apart, would poison a batch after half a
 * minute of outage): the batch is queued again with `failures + 1`, visible after the next delay of
 * EVENTGRID_RETRY_SCHEDULE (the last delay repeats), and given up to `eventgrid-mirror-poison` a day after
 * it was first queued (Event Grid's own delivery retry window). Answers no retry can fix (400, 404, 413)
 * go to the poison queue at once. Only a failure to re-queue is thrown, so the host retries that.
 */
export const MIRROR_MAX_AGE_MS = 24 * 3600 * 1000;
const PERMANENT = new Set([400, 404, 413]);

/** The delay before retry number `failures` (1-based): the schedule's entry, the last one repeating. */
export function mirrorRetryDelay(schedule: readonly number[], failures: number): number {
  return schedule[Math.min(failures, schedule.length) - 1] ?? 60;
}

async function toMirrorEvents(deps: Deps, m: MirrorMessage): Promise<MirrorEvent[]> {
  // The registry's webhooks name its ARM id and region (ACR: a webhook's location is its registry's);
  // a registry without webhooks gets the default subscription and resource group and no location.
  const hooks = await deps.webhookCache.get(m.registry);
  const hook = hooks[0];
  const id = registryId(
    hook ?? {
      subscriptionId: deps.config.defaultSubscriptionId,
      resourceGroup: deps.config.defaultResourceGroup,
      registryName: m.registry,
    },
  );
  return m.events.flatMap((event) =>
    isSystemEventAction(event.action) ? [{ event: { ...event, action: event.action }, registryId: id, location: hook?.location }] : [],
  );
}

export function makeMirrorHandler(deps: Deps) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const parsed = mirrorMessage.safeParse(message);
    if (!parsed.success) {
      await sendToPoison(deps.queues.mirrorPoison, message, `malformed mirror message: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      context.error(`mirror: malformed message moved to the poison queue: ${logValue(parsed.error.issues[0]?.message ?? '')}`);
      return;
    }
    const m = parsed.data;
    const tag = `registry=${m.registry} events=${m.events.length} ids=${logValue(m.events.map((e) => e.id).join(','), 4096)}`;
    if (!deps.mirror.enabled) {
      // Queued while a topic was configured; keep the events for a replay rather than drop them.
      await sendToPoison(deps.queues.mirrorPoison, message, 'the Event Grid mirror is no longer configured');
      context.warn(`mirror: ${tag} moved to the poison queue: EVENTGRID_TOPIC_ENDPOINT is not set`);
      return;
    }
    const events = await toMirrorEvents(deps, m);
    if (events.length === 0) return;
    try {
      await deps.mirror.publish(events);
      context.log(`mirror: ${tag} published${m.failures > 0 ? ` after ${m.failures} failed attempts` : ''}`);
      return;
    } catch (err) {
      const status = storageStatus(err);
      const reason = `${status ?? 'no answer'}: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500);
      const failures = m.failures + 1;
      const delay = mirrorRetryDelay(deps.config.eventGrid?.retrySchedule ?? [60], failures);
      const expired = deps.now().getTime() + delay * 1000 - Date.parse(m.since) > MIRROR_MAX_AGE_MS;
      if ((status !== undefined && PERMANENT.has(status)) || expired) {
        await sendToPoison(deps.queues.mirrorPoison, m, `publish failed ${failures} times; last: ${reason}`);
        context.error(`mirror: ${tag} given up after ${failures} attempts (${logValue(reason, 1000)}); moved to the poison queue`);
        return;
      }
      await deps.queues.mirror.sendMessage(encodeMessage({ ...m, failures }), { visibilityTimeout: delay });
      context.warn(`mirror: ${tag} publish failed (${logValue(reason, 1000)}); retry ${failures + 1} in ${delay}s`);
    }
  };
}

/** Queue trigger on `eventgrid-mirror`: one batch of a registry's events to the Event Grid topic. */
export const mirrorFunction: QueueFunctionDeclaration = {
  kind: 'queue',
  name: 'eventgrid-mirror',
  queueName: Queue.mirror,
  makeHandler: makeMirrorHandler,
};
