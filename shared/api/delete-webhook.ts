import type { HttpFunctionDeclaration } from '../runtime/declaration.js';
import { requireKey } from '../http/auth.js';
import { registryRef, webhookRoutes } from '../webhooks/routes.js';
import { parseName } from '../webhooks/names.js';

/** `DELETE .../webhooks/{webhookName}`: 200 when deleted, 204 when there was none (as ARM answers). */
export const deleteWebhookFunction: HttpFunctionDeclaration = {
  kind: 'http',
  routes: webhookRoutes('webhooks-delete', '/{webhookName}'),
  methods: ['DELETE'],
  makeHandler: (deps) => async (request, context) => {
    requireKey(request, deps.config.managementKeys, 'management');
    const ref = registryRef(request, deps.config);
    const name = parseName('webhook', request.params['webhookName']);
    const deleted = await deps.webhooks.remove(ref.registryName, name);
    if (deleted) context.log(`webhook deleted: registry=${ref.registryName} webhook=${name}`);
    return { status: deleted ? 200 : 204 };
  },
};
