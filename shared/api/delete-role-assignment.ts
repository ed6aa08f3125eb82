import type { HttpHandler } from '../handler-types.js';
import { json } from '../http/respond.js';
import { authorizationScope } from '../auth/routes.js';
import { renderRoleAssignment } from './render-role-assignment.js';
import type { RoleAssignmentStore } from '../storage/role-assignment-store.js';
import { assignmentName } from './role-assignment-params.js';

export interface DeleteRoleAssignmentDeps {
  readonly roleAssignments: Pick<RoleAssignmentStore, 'remove'>;
}

/** `DELETE {scope}/providers/Microsoft.Authorization/roleAssignments/{name}`: 200 with what was deleted, 204 when there was none. */
export function makeDeleteRoleAssignment(deps: DeleteRoleAssignmentDeps): HttpHandler {
  return async (request, context) => {
    const scope = authorizationScope(request);
    const name = assignmentName(request);
    const removed = await deps.roleAssignments.remove(scope, name);
    if (!removed) return { status: 204 };
    context.log(`role assignment deleted: ${name}`);
    return json(200, renderRoleAssignment(removed));
  };
}
