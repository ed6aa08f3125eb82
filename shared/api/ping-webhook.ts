import { randomUUID } from 'node:crypto';
import type { HttpFunctionDeclaration } from '../runtime/declaration.js';
import { requireKey } from '../http/auth.js';
import { json } from '../http/respond.js';
import { registryRef, webhookRoutes } from '../webhooks/routes.js';
import { parseName } from '../webhooks/names.js';
import { loadWebhook } from './load-webhook.js';
import { newDeliveryRecord } from '../pipeline/fan-out.js';
import { attemptDelivery } from '../delivery/attempt-delivery.js';
import type { PingEvent } from '../events/acr-event.js';
import { disableGoneWebhooks } from '../pipeline/disable-gone.js';
import { logValue } from '../log-value.js';

/**
 * `POST .../webhooks/{webhookName}/ping`: sends ACR's ping event now (disabled webhooks too, as in the
 * portal), records it like any delivery, and returns its id. A ping is one attempt, never retried.
 */
export const pingWebhookFunction: HttpFunctionDeclaration = {
  kind: 'http',
  routes: webhookRoutes('webhooks-ping', '/{webhookName}/ping'),
  methods: ['POST'],
  makeHandler: (deps) => async (request, context) => {
    requireKey(request, deps.config.managementKeys, 'management');
    const ref = registryRef(request, deps.config);
    const name = parseName('webhook', request.params['webhookName']);
    const { record: webhook } = await loadWebhook(deps.webhooks, ref.registryName, name);
    const now = deps.now();
    const event: PingEvent = { id: randomUUID(), timestamp: now.toISOString(), action: 'ping' };
    const record = newDeliveryRecord(webhook, event, JSON.stringify(event), now.getTime(), now.toISOString());
    const result = await attemptDelivery(deps, webhook, record);
    const final =
      result.record.state === 'pending' ? { ...result.record, state: 'failed' as const, nextAttemptAt: undefined } : result.record;
    await deps.events.putDelivery(ref.registryName, final);
    await disableGoneWebhooks(deps, ref.registryName, [{ webhook, result }], context);
    context.log(
      `ping: registry=${ref.registryName} webhook=${webhook.name} event=${event.id} result=${final.state} ${logValue(final.lastError ?? final.responseStatus ?? '', 1000)}`,
    );
    return json(200, { id: event.id });
  },
};
