import { registerFunction } from '../shared/runtime/register-function.js';
import { makePortal } from '../shared/portal/portal-function.js';

/** `GET /api/portal`: the Webhooks page (anonymous: it holds no secret and asks for the key). */
registerFunction({
  kind: 'http',
  routes: [{ name: 'portal', route: 'portal' }],
  methods: ['GET'],
  access: { kind: 'public' },
  makeHandler: makePortal,
});
