import type { HttpHandler } from '../handler-types.js';
import { json } from '../http/respond.js';
import { registryRef } from '../webhooks/routes.js';
import { parseName } from '../webhooks/names.js';
import { renderWebhook } from './render-webhook.js';
import { loadWebhook } from './load-webhook.js';
import type { WebhookStore } from '../storage/webhook-store.js';
import type { ManagementConfig } from './management-deps.js';

export interface GetWebhookDeps {
  readonly config: ManagementConfig;
  readonly webhooks: Pick<WebhookStore, 'get'>;
}

/** `GET .../webhooks/{webhookName}`. */
export function makeGetWebhook(deps: GetWebhookDeps): HttpHandler {
  return async (request) => {
    const ref = registryRef(request, deps.config);
    const name = parseName('webhook', request.params['webhookName']);
    const record = await loadWebhook(deps.webhooks, ref.registryName, name);
    return json(200, renderWebhook(record));
  };
}
