import { registerFunction } from '../shared/runtime/register-function.js';
import { Action } from '../shared/auth/actions.js';
import { webhookRoutes } from '../shared/webhooks/routes.js';
import { makeRedeliverEvent } from '../shared/api/redeliver-event.js';

/** `POST .../webhooks/{webhookName}/events/{eventId}/redeliver`: sends a recorded event again. */
registerFunction({
  kind: 'http',
  routes: webhookRoutes('webhooks-redeliver', '/{webhookName}/events/{eventId}/redeliver'),
  methods: ['POST'],
  access: { kind: 'registry', action: Action.webhooksRedeliver },
  makeHandler: makeRedeliverEvent,
});
