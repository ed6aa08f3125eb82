import { registerFunction } from '../shared/runtime/register-function.js';
import { authorizationRoutes } from '../shared/auth/routes.js';
import { makeRoleDefinitions } from '../shared/api/role-definitions.js';

/** `GET [{scope}]/providers/Microsoft.Authorization/roleDefinitions`: the built-in roles (any signed-in caller). */
registerFunction({
  kind: 'http',
  routes: [
    ...authorizationRoutes('role-definitions-list', 'roleDefinitions'),
    { name: 'role-definitions-list-root', route: 'providers/Microsoft.Authorization/roleDefinitions' },
  ],
  methods: ['GET'],
  access: { kind: 'authenticated' },
  makeHandler: makeRoleDefinitions,
});
