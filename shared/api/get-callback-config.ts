import type { HttpHandler } from '../handler-types.js';
import { json } from '../http/respond.js';
import { registryRef } from '../webhooks/routes.js';
import { parseName } from '../webhooks/names.js';
import { loadWebhook } from './load-webhook.js';
import type { WebhookStore } from '../storage/webhook-store.js';
import type { ManagementConfig } from './management-deps.js';

export interface GetCallbackConfigDeps {
  readonly config: ManagementConfig;
  readonly webhooks: Pick<WebhookStore, 'get'>;
}

/** `POST .../webhooks/{webhookName}/getCallbackConfig`: the only place the write-only secrets are read back. */
export function makeGetCallbackConfig(deps: GetCallbackConfigDeps): HttpHandler {
  return async (request, context) => {
    const ref = registryRef(request, deps.config);
    const name = parseName('webhook', request.params['webhookName']);
    const record = await loadWebhook(deps.webhooks, ref.registryName, name);
    context.log(`callback config read: registry=${record.registryName} webhook=${record.name}`);
    // `signingSecret` is our addition (ACR has no signatures); ARM clients ignore the extra field.
    return json(
      200,
      {
        serviceUri: record.serviceUri,
        customHeaders: { ...record.customHeaders },
        ...(record.signingSecret ? { signingSecret: record.signingSecret } : {}),
      },
      { 'cache-control': 'no-store' },
    );
  };
}
