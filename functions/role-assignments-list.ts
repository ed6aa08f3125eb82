import { registerFunction } from '../shared/runtime/register-function.js';
import { Action } from '../shared/auth/actions.js';
import { authorizationRoutes } from '../shared/auth/routes.js';
import { makeListRoleAssignments } from '../shared/api/list-role-assignments.js';

/** `GET {scope}/providers/Microsoft.Authorization/roleAssignments[?$filter=atScope()|principalId eq '…']`. */
registerFunction({
  kind: 'http',
  routes: authorizationRoutes('role-assignments-list', 'roleAssignments'),
  methods: ['GET'],
  access: { kind: 'scope', action: Action.roleAssignmentsRead },
  makeHandler: makeListRoleAssignments,
});
