import { registerFunction } from '../shared/runtime/register-function.js';
import { Action } from '../shared/auth/actions.js';
import { authorizationRoutes } from '../shared/auth/routes.js';
import { makePutRoleAssignment } from '../shared/api/put-role-assignment.js';

/** `PUT {scope}/providers/Microsoft.Authorization/roleAssignments/{name}`: assigns a role at a scope (ARM's shape). */
registerFunction({
  kind: 'http',
  routes: authorizationRoutes('role-assignments-create', 'roleAssignments/{roleAssignmentName}'),
  methods: ['PUT'],
  access: { kind: 'scope', action: Action.roleAssignmentsWrite },
  makeHandler: makePutRoleAssignment,
});
