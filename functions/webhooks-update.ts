import { registerFunction } from '../shared/runtime/register-function.js';
import { Action } from '../shared/auth/actions.js';
import { webhookRoutes } from '../shared/webhooks/routes.js';
import { makeUpdateWebhook } from '../shared/api/update-webhook.js';

/** `PATCH .../webhooks/{webhookName}`: a sparse update. */
registerFunction({
  kind: 'http',
  routes: webhookRoutes('webhooks-update', '/{webhookName}'),
  methods: ['PATCH'],
  access: { kind: 'registry', action: Action.webhooksWrite },
  makeHandler: makeUpdateWebhook,
});
