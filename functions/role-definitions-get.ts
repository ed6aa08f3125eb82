import { registerFunction } from '../shared/runtime/register-function.js';
import { authorizationRoutes } from '../shared/auth/routes.js';
import { makeRoleDefinitions } from '../shared/api/role-definitions.js';

/** `GET [{scope}]/providers/Microsoft.Authorization/roleDefinitions/{roleDefinitionId}`: one built-in role. */
registerFunction({
  kind: 'http',
  routes: [
    ...authorizationRoutes('role-definitions-get', 'roleDefinitions/{roleDefinitionId}'),
    { name: 'role-definitions-get-root', route: 'providers/Microsoft.Authorization/roleDefinitions/{roleDefinitionId}' },
  ],
  methods: ['GET'],
  access: { kind: 'authenticated' },
  makeHandler: makeRoleDefinitions,
});
