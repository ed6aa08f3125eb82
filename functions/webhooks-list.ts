import { registerFunction } from '../shared/runtime/register-function.js';
import { Action } from '../shared/auth/actions.js';
import { webhookRoutes } from '../shared/webhooks/routes.js';
import { makeListWebhooks } from '../shared/api/list-webhooks.js';

/** `GET .../webhooks`: one page of the registry's webhooks, `nextLink` when there are more. */
registerFunction({
  kind: 'http',
  routes: webhookRoutes('webhooks-list', ''),
  methods: ['GET'],
  access: { kind: 'registry', action: Action.webhooksRead },
  makeHandler: makeListWebhooks,
});
