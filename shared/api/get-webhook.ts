import type { HttpFunctionDeclaration } from '../runtime/declaration.js';
import { requireKey } from '../http/auth.js';
import { json } from '../http/respond.js';
import { registryRef, webhookRoutes } from '../webhooks/routes.js';
import { parseName } from '../webhooks/names.js';
import { renderWebhook } from '../webhooks/render.js';
import { loadWebhook } from './load-webhook.js';

/** `GET .../webhooks/{webhookName}`. */
export const getWebhookFunction: HttpFunctionDeclaration = {
  kind: 'http',
  routes: webhookRoutes('webhooks-get', '/{webhookName}'),
  methods: ['GET'],
  makeHandler: (deps) => async (request) => {
    requireKey(request, deps.config.managementKeys, 'management');
    const ref = registryRef(request, deps.config);
    const name = parseName('webhook', request.params['webhookName']);
    const { record } = await loadWebhook(deps.webhooks, ref.registryName, name);
    return json(200, renderWebhook(record));
  },
};
