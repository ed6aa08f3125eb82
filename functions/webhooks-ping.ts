import { registerFunction } from '../shared/runtime/register-function.js';
import { webhookRoutes } from '../shared/webhooks/routes.js';
import { makePingWebhook } from '../shared/api/ping-webhook.js';

/** `POST .../webhooks/{webhookName}/ping`: sends a ping event now, records it, returns its id. */
registerFunction({
  kind: 'http',
  routes: webhookRoutes('webhooks-ping', '/{webhookName}/ping'),
  methods: ['POST'],
  makeHandler: makePingWebhook,
});
