import { registerFunction } from '../shared/runtime/register-function.js';
import { Action } from '../shared/auth/actions.js';
import { webhookRoutes } from '../shared/webhooks/routes.js';
import { makeRotateSigningSecret } from '../shared/api/rotate-signing-secret.js';

/** `POST .../webhooks/{webhookName}/rotateSigningSecret`: a new secret; the old one signs for 24 h more. */
registerFunction({
  kind: 'http',
  routes: webhookRoutes('webhooks-rotate-signing-secret', '/{webhookName}/rotateSigningSecret'),
  methods: ['POST'],
  access: { kind: 'registry', action: Action.webhooksRotateSigningSecret },
  makeHandler: makeRotateSigningSecret,
});
