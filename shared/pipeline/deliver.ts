import type { InvocationContext } from '@azure/functions';
import type { Deps } from '../runtime/deps.js';
import { attemptDelivery } from '../delivery/attempt-delivery.js';
import { nameKey } from '../webhooks/names.js';
import { deliveryMessage } from './messages.js';
import { sendToPoison } from './poison.js';
import { scheduleDelivery } from './schedule-delivery.js';
import { logFailure } from './log-failure.js';

/**
 * The delivery worker: one attempt of one delivery per message (retries and hand-offs). A message is
 * acted on only while the record still waits for exactly that attempt, so a duplicate or stale message
 * (a hand-off whose attempt finished, a retry already made) is acknowledged and does nothing.
 */
export function makeDeliver(deps: Deps) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const parsed = deliveryMessage.safeParse(message);
    if (!parsed.success) {
      await sendToPoison(
        deps.queues.deliveriesPoison,
        message,
        `malformed delivery message: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      );
      context.error(`deliver: malformed message moved to the poison queue`);
      return;
    }
    const m = parsed.data;
    const record = await deps.events.getDelivery(m.registry, m.rowKey);
    if (!record || record.state !== 'pending' || record.attempts !== m.attempt - 1) return;
    const tag = `registry=${m.registry} event=${record.eventId} action=${record.action}`;
    const webhook = (await deps.webhookCache.get(m.registry)).find((w) => nameKey(w.name) === nameKey(m.webhook));
    if (!webhook || webhook.status !== 'enabled') {
      const why = webhook ? 'the webhook is disabled; redeliver once it is enabled' : 'the webhook was deleted';
      const now = deps.now().toISOString();
      await deps.events.putDelivery(m.registry, { ...record, state: 'failed', nextAttemptAt: undefined, lastError: why, updatedAt: now });
      context.warn(`delivery abandoned: ${tag} webhook=${m.webhook}: ${why}`);
      return;
    }
    const result = await attemptDelivery(deps, webhook, record);
    await deps.events.putDelivery(m.registry, result.record);
    if (result.record.state === 'succeeded') {
      context.log(
        `delivered: ${tag} webhook=${webhook.name} attempt=${result.record.attempts} status=${result.record.responseStatus ?? ''}`,
      );
      return;
    }
    logFailure(context, tag, webhook, result);
    if (result.retryInSeconds !== undefined) {
      await scheduleDelivery(
        deps,
        { registry: m.registry, webhook: webhook.name, rowKey: record.rowKey, attempt: result.record.attempts + 1 },
        result.retryInSeconds,
      );
    }
  };
}
