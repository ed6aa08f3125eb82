import { registerFunction } from '../shared/runtime/register-function.js';
import { Action } from '../shared/auth/actions.js';
import { webhookRoutes } from '../shared/webhooks/routes.js';
import { makeCreateWebhook } from '../shared/api/create-webhook.js';

/** `PUT .../webhooks/{webhookName}`: creates (201) or replaces (200) a webhook. */
registerFunction({
  kind: 'http',
  routes: webhookRoutes('webhooks-create', '/{webhookName}'),
  methods: ['PUT'],
  access: { kind: 'registry', action: Action.webhooksWrite },
  makeHandler: makeCreateWebhook,
});
