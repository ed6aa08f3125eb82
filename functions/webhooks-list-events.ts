import { registerFunction } from '../shared/runtime/register-function.js';
import { Action } from '../shared/auth/actions.js';
import { webhookRoutes } from '../shared/webhooks/routes.js';
import { makeListEvents } from '../shared/api/list-events.js';

/** `POST .../webhooks/{webhookName}/listEvents` (and GET, for `nextLink`): deliveries, newest first. */
registerFunction({
  kind: 'http',
  routes: webhookRoutes('webhooks-list-events', '/{webhookName}/listEvents'),
  methods: ['POST', 'GET'],
  access: { kind: 'registry', action: Action.webhooksListEvents },
  makeHandler: makeListEvents,
});
