import { registerFunction } from '../shared/runtime/register-function.js';
import { Action } from '../shared/auth/actions.js';
import { authorizationRoutes } from '../shared/auth/routes.js';
import { makeGetRoleAssignment } from '../shared/api/get-role-assignment.js';

/** `GET {scope}/providers/Microsoft.Authorization/roleAssignments/{name}`. */
registerFunction({
  kind: 'http',
  routes: authorizationRoutes('role-assignments-get', 'roleAssignments/{roleAssignmentName}'),
  methods: ['GET'],
  access: { kind: 'scope', action: Action.roleAssignmentsRead },
  makeHandler: makeGetRoleAssignment,
});
