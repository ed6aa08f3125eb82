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
    // `signingSecret` and `connectionString` are our additions (ACR has neither); ARM clients ignore extra fields.
    return json(
      200,
      {
        serviceUri: record.serviceUri,
        customHeaders: { ...record.customHeaders },
        ...(record.signingSecret ? { signingSecret: record.signingSecret } : {}),
        ...(record.connectionString ? { connectionString: record.connectionString } : {}),
      },
      { 'cache-control': 'no-store' },
    );
  };
}
