import { registerFunction } from '../shared/runtime/register-function.js';
import { Action } from '../shared/auth/actions.js';
import { webhookRoutes } from '../shared/webhooks/routes.js';
import { makeDeleteWebhook } from '../shared/api/delete-webhook.js';

/** `DELETE .../webhooks/{webhookName}`: 200 when deleted, 204 when there was none; its history goes too. */
registerFunction({
  kind: 'http',
  routes: webhookRoutes('webhooks-delete', '/{webhookName}'),
  methods: ['DELETE'],
  access: { kind: 'registry', action: Action.webhooksDelete },
  makeHandler: makeDeleteWebhook,
});
