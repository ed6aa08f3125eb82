import { registerFunction } from '../shared/runtime/register-function.js';
import { Action } from '../shared/auth/actions.js';
import { authorizationRoutes } from '../shared/auth/routes.js';
import { makeDeleteRoleAssignment } from '../shared/api/delete-role-assignment.js';

/** `DELETE {scope}/providers/Microsoft.Authorization/roleAssignments/{name}`: 200 with the assignment, 204 when none. */
registerFunction({
  kind: 'http',
  routes: authorizationRoutes('role-assignments-delete', 'roleAssignments/{roleAssignmentName}'),
  methods: ['DELETE'],
  access: { kind: 'scope', action: Action.roleAssignmentsDelete },
  makeHandler: makeDeleteRoleAssignment,
});
