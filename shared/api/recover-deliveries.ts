import type { z } from 'zod';
import type { HttpHandler } from '../handler-types.js';
import { json } from '../http/respond.js';
import { readJsonBody } from '../http/read-json-body.js';
import { ApiError } from '../errors.js';
import { registryRef } from '../webhooks/routes.js';
import { parseName } from '../webhooks/names.js';
import { loadWebhook } from './load-webhook.js';
import { MAX_DELIVERIES_PER_MESSAGE } from '../pipeline/messages.js';
import type { DeliveryQueue } from '../pipeline/delivery-queue.js';
import type { WebhookStore } from '../storage/webhook-store.js';
import type { DeliveryStore, RecoverableDelivery } from '../storage/delivery-store.js';
import type { DeliveryId } from '../delivery/delivery-id.js';
import type { ManagementConfig } from './management-deps.js';
import type { Config } from '../config.js';
import type { Clock } from '../clock.js';
import { recoverBody } from '../openapi/request-schemas.js';
import type { recoverResult } from '../openapi/response-schemas.js';

/**
 * `POST .../webhooks/{webhookName}/recover` `{"since"}`: queues again every `failed` or `held` delivery
 * of the webhook whose event was received at or after `since`, oldest first, each with its original
 * `webhook-id` and body (the same row goes back to `pending` with a fresh retry schedule). The request
 * only reads keys, resets rows 100 per transaction and sends one queue message per 200; the delivery
 * worker sends them, in order within each message, so recovering thousands does not hold the request.
 * A disabled webhook answers 409: held deliveries would only be held again.
 */
export interface RecoverDeliveriesDeps {
  readonly config: ManagementConfig & Pick<Config, 'maxRequestBodyBytes'>;
  readonly webhooks: Pick<WebhookStore, 'get'>;
  readonly deliveries: Pick<DeliveryStore, 'recoverableDeliveries' | 'resetForRecovery'>;
  readonly deliveryQueue: Pick<DeliveryQueue, 'reserveOrdered' | 'releaseOrdered'>;
  readonly now: Clock;
}

export function makeRecoverDeliveries(deps: RecoverDeliveriesDeps): HttpHandler {
  return async (request, context) => {
    const ref = registryRef(request, deps.config);
    const name = parseName('webhook', request.params['webhookName']);
    const body = await readJsonBody(request, recoverBody, deps.config.maxRequestBodyBytes);
    const webhook = await loadWebhook(deps.webhooks, ref.registryName, name);
    if (webhook.status !== 'enabled') {
      throw new ApiError(
        'Conflict',
        `The webhook '${webhook.name}' is disabled, so recovered deliveries would only be held again. Enable it first (PATCH properties.status to 'enabled'), then recover.`,
      );
    }
    const rows = await deps.deliveries.recoverableDeliveries(ref.registryName, webhook.name, Date.parse(body.since));
    const now = deps.now().toISOString();
    let redelivered = 0;
    for (let i = 0; i < rows.length; i += MAX_DELIVERIES_PER_MESSAGE) {
      redelivered += await recoverPage(deps, ref.registryName, rows.slice(i, i + MAX_DELIVERIES_PER_MESSAGE), now);
    }
    context.log(`recover: registry=${ref.registryName} webhook=${webhook.name} since=${body.since} redelivered=${redelivered}`);
    return json(200, { redelivered } satisfies z.infer<typeof recoverResult>);
  };
}

/** How long a page's message stays invisible unless the page is reset in time (a crash in between). */
const PAGE_LEASE_SECONDS = 30;

/**
 * One page, crash-safe: the message is sent first, invisible; then the rows are reset (ETag-conditional);
 * then the message is rewritten to carry exactly the rows this call reset, and made visible. A crash
 * before the reset leaves rows `failed`/`held` (the late message finds nothing to do; recover again); a
 * crash after it leaves the message to appear after its lease. Nothing is left pending without a message.
 */
async function recoverPage(
  deps: RecoverDeliveriesDeps,
  registry: string,
  rows: readonly RecoverableDelivery[],
  now: string,
): Promise<number> {
  const refs = (ids: readonly DeliveryId[]) =>
    ids.map((id) => ({ webhook: id.webhook, eventId: id.eventId, receivedMs: id.receivedMs, attempt: 1 }));
  const sent = await deps.deliveryQueue.reserveOrdered(registry, refs(rows.map((r) => r.id)), PAGE_LEASE_SECONDS);
  const reset: DeliveryId[] = [];
  for (let j = 0; j < rows.length; j += 100) {
    reset.push(...(await deps.deliveries.resetForRecovery(rows.slice(j, j + 100), now)));
  }
  await deps.deliveryQueue.releaseOrdered(sent, registry, refs(reset));
  return reset.length;
}
