import { registerFunction } from '../shared/runtime/register-function.js';
import { Action } from '../shared/auth/actions.js';
import { webhookRoutes } from '../shared/webhooks/routes.js';
import { makeRecoverDeliveries } from '../shared/api/recover-deliveries.js';

/** `POST .../webhooks/{webhookName}/recover` `{"since"}`: queues the failed and held deliveries since then again. */
registerFunction({
  kind: 'http',
  routes: webhookRoutes('webhooks-recover', '/{webhookName}/recover'),
  methods: ['POST'],
  access: { kind: 'registry', action: Action.webhooksRecover },
  makeHandler: makeRecoverDeliveries,
});
