import { registerFunction } from '../shared/runtime/register-function.js';
import { webhookRoutes } from '../shared/webhooks/routes.js';
import { makeUpdateWebhook } from '../shared/api/update-webhook.js';

/** `PATCH .../webhooks/{webhookName}`: a sparse update. */
registerFunction({
  kind: 'http',
  routes: webhookRoutes('webhooks-update', '/{webhookName}'),
  methods: ['PATCH'],
  makeHandler: makeUpdateWebhook,
});
