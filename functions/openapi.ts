import { registerFunction } from '../shared/runtime/register-function.js';
import { makeOpenApi } from '../shared/api/openapi.js';

/** `GET /api/openapi.json`: the OpenAPI 3.1 document of every HTTP function (no key). */
registerFunction({
  kind: 'http',
  routes: [{ name: 'openapi', route: 'openapi.json' }],
  methods: ['GET'],
  access: { kind: 'public' },
  makeHandler: makeOpenApi,
});
