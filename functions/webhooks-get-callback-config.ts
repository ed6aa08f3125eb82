import { registerFunction } from '../shared/runtime/register-function.js';
import { Action } from '../shared/auth/actions.js';
import { webhookRoutes } from '../shared/webhooks/routes.js';
import { makeGetCallbackConfig } from '../shared/api/get-callback-config.js';

/** `POST .../webhooks/{webhookName}/getCallbackConfig`: the only read of the write-only secrets. */
registerFunction({
  kind: 'http',
  routes: webhookRoutes('webhooks-get-callback-config', '/{webhookName}/getCallbackConfig'),
  methods: ['POST'],
  access: { kind: 'registry', action: Action.webhooksGetCallbackConfig },
  makeHandler: makeGetCallbackConfig,
});
