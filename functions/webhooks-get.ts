import { registerFunction } from '../shared/runtime/register-function.js';
import { Action } from '../shared/auth/actions.js';
import { webhookRoutes } from '../shared/webhooks/routes.js';
import { makeGetWebhook } from '../shared/api/get-webhook.js';

/** `GET .../webhooks/{webhookName}`: one webhook, without its write-only fields. */
registerFunction({
  kind: 'http',
  routes: webhookRoutes('webhooks-get', '/{webhookName}'),
  methods: ['GET'],
  access: { kind: 'registry', action: Action.webhooksRead },
  makeHandler: makeGetWebhook,
});
