import { registerFunction } from '../shared/runtime/register-function.js';
import { Action } from '../shared/auth/actions.js';
import { webhookRoutes } from '../shared/webhooks/routes.js';
import { makePingWebhook } from '../shared/api/ping-webhook.js';

/** `POST .../webhooks/{webhookName}/ping`: sends a ping event now, records it, returns its id. */
registerFunction({
  kind: 'http',
  routes: webhookRoutes('webhooks-ping', '/{webhookName}/ping'),
  methods: ['POST'],
  access: { kind: 'registry', action: Action.webhooksPing },
  makeHandler: makePingWebhook,
});
