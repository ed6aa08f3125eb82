import type { HttpFunctionDeclaration } from '../runtime/declaration.js';
import { requireKey } from '../http/auth.js';
import { json } from '../http/respond.js';
import { registryRef, webhookRoutes } from '../webhooks/routes.js';
import { parseName } from '../webhooks/names.js';
import { loadWebhook } from './load-webhook.js';

/** `POST .../webhooks/{webhookName}/getCallbackConfig`: the only place the write-only secrets are read back. */
export const getCallbackConfigFunction: HttpFunctionDeclaration = {
  kind: 'http',
  routes: webhookRoutes('webhooks-get-callback-config', '/{webhookName}/getCallbackConfig'),
  methods: ['POST'],
  makeHandler: (deps) => async (request, context) => {
    requireKey(request, deps.config.managementKeys, 'management');
    const ref = registryRef(request, deps.config);
    const name = parseName('webhook', request.params['webhookName']);
    const { record } = await loadWebhook(deps.webhooks, ref.registryName, name);
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
  },
};
