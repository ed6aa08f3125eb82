import type { HttpFunctionDeclaration } from '../runtime/declaration.js';
import { requireKey } from '../http/auth.js';
import { registryRef, webhookRoutes } from '../webhooks/routes.js';
import { parseName } from '../webhooks/names.js';
import { ApiError } from '../errors.js';
import { ConcurrencyError } from '../webhooks/webhook-store.js';

/** `DELETE .../webhooks/{webhookName}`: 200 when deleted, 204 when there was none (as ARM answers); its delivery history goes too. */
export const deleteWebhookFunction: HttpFunctionDeclaration = {
  kind: 'http',
  routes: webhookRoutes('webhooks-delete', '/{webhookName}'),
  methods: ['DELETE'],
  makeHandler: (deps) => async (request, context) => {
    requireKey(request, deps.config.managementKeys, 'management');
    const ref = registryRef(request, deps.config);
    const name = parseName('webhook', request.params['webhookName']);
    const deleted = await deps.webhooks.remove(ref.registryName, name).catch((err: unknown) => {
      if (err instanceof ConcurrencyError)
        throw new ApiError('Conflict', `The registry '${ref.registryName}' is being changed by other requests. Retry.`);
      throw err;
    });
    deps.webhookCache.invalidate(ref.registryName);
    // The history goes with the webhook (also when a previous delete stopped half-way).
    const history = await deps.events.deleteDeliveries(ref.registryName, name);
    if (deleted) context.log(`webhook deleted: registry=${ref.registryName} webhook=${name} history=${history}`);
    return { status: deleted ? 200 : 204 };
  },
};
