import type { HttpHandler } from '../handler-types.js';
import { ApiError } from '../errors.js';
import { json } from '../http/respond.js';
import { authorizationScope } from '../auth/routes.js';
import { renderRoleAssignment } from './render-role-assignment.js';
import type { RoleAssignmentStore } from '../storage/role-assignment-store.js';
import { assignmentName } from './role-assignment-params.js';

export interface GetRoleAssignmentDeps {
  readonly roleAssignments: Pick<RoleAssignmentStore, 'get'>;
}

/** `GET {scope}/providers/Microsoft.Authorization/roleAssignments/{name}`. */
export function makeGetRoleAssignment(deps: GetRoleAssignmentDeps): HttpHandler {
  return async (request) => {
    const scope = authorizationScope(request);
    const assignment = await deps.roleAssignments.get(scope, assignmentName(request));
    if (!assignment) throw new ApiError('RoleAssignmentNotFound', 'The role assignment does not exist at this scope.');
    return json(200, renderRoleAssignment(assignment));
  };
}
