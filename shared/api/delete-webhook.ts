import type { HttpHandler } from '../handler-types.js';
import { registryRef } from '../webhooks/routes.js';
import { parseName } from '../webhooks/names.js';
import type { WebhookStore } from '../storage/webhook-store.js';
import type { DeliveryStore } from '../storage/delivery-store.js';
import type { ManagementConfig } from './management-deps.js';

export interface DeleteWebhookDeps {
  readonly config: ManagementConfig;
  readonly webhooks: Pick<WebhookStore, 'remove'>;
  readonly deliveries: Pick<DeliveryStore, 'deleteDeliveries'>;
}

/** `DELETE .../webhooks/{webhookName}`: 200 when deleted, 204 when there was none (as ARM answers); its delivery history goes too. */
export function makeDeleteWebhook(deps: DeleteWebhookDeps): HttpHandler {
  return async (request, context) => {
    const ref = registryRef(request, deps.config);
    const name = parseName('webhook', request.params['webhookName']);
    const deleted = await deps.webhooks.remove(ref.registryName, name);
    // The history goes with the webhook (also when a previous delete stopped half-way).
    const history = await deps.deliveries.deleteDeliveries(ref.registryName, name);
    if (deleted) context.log(`webhook deleted: registry=${ref.registryName} webhook=${name} history=${history}`);
    return { status: deleted ? 200 : 204 };
  };
}
