import { randomUUID } from 'node:crypto';
import type { HttpHandler } from '../handler-types.js';
import type { Clock } from '../clock.js';
import { json } from '../http/respond.js';
import { registryRef } from '../webhooks/routes.js';
import { parseName } from '../webhooks/names.js';
import { loadWebhook } from './load-webhook.js';
import { newDeliveryRecord } from '../delivery/new-delivery.js';
import type { AttemptDelivery } from '../delivery/attempt-delivery.js';
import type { PingEvent } from '../events/acr-event.js';
import { sendAndRecord } from '../delivery/send-and-record.js';
import type { WebhookStore } from '../storage/webhook-store.js';
import type { DeliveryStore } from '../storage/delivery-store.js';
import type { ManagementConfig } from './management-deps.js';
import { logValue } from '../log-value.js';

export interface PingWebhookDeps {
  readonly now: Clock;
  readonly config: ManagementConfig;
  readonly webhooks: Pick<WebhookStore, 'get'>;
  readonly deliveries: Pick<DeliveryStore, 'putDelivery'>;
  readonly attempt: AttemptDelivery;
}

/**
 * `POST .../webhooks/{webhookName}/ping`: sends ACR's ping event now (in the webhook's payload format) (disabled webhooks too, as in the
 * portal), records it like any delivery, and returns its id. A ping is one attempt, never retried.
 */
export function makePingWebhook(deps: PingWebhookDeps): HttpHandler {
  return async (request, context) => {
    const ref = registryRef(request, deps.config);
    const name = parseName('webhook', request.params['webhookName']);
    const webhook = await loadWebhook(deps.webhooks, ref.registryName, name);
    const now = deps.now();
    const event: PingEvent = { id: randomUUID(), timestamp: now.toISOString(), action: 'ping' };
    const record = newDeliveryRecord(webhook, event, now.getTime(), now.toISOString());
    const { results } = await sendAndRecord(
      // A ping is never retried: nothing follows its attempt.
      { attempt: deps.attempt, followUp: async () => {} },
      {
        registry: ref.registryName,
        // Not paced: a ping is the one request a person asked for, and its answer is awaited.
        sends: [{ webhook, record, tag: `registry=${ref.registryName} event=${event.id} action=ping`, turn: { unpaced: true } }],
        record: async ([r]) => {
          await deps.deliveries.putDelivery(ref.registryName, r!);
          return [true];
        },
        retries: 'never',
        log: context,
      },
    );
    const final = results[0]!.record;
    context.log(
      `ping: registry=${ref.registryName} webhook=${webhook.name} event=${event.id} result=${final.state} ${logValue(final.lastError ?? final.responseStatus ?? '', 1000)}`,
    );
    return json(200, { id: event.id });
  };
}
