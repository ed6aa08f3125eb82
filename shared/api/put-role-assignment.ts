import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { HttpHandler } from '../handler-types.js';
import { ApiError } from '../errors.js';
import { json } from '../http/respond.js';
import { readJsonBody } from '../http/read-json-body.js';
import { authorizationScope } from '../auth/routes.js';
import { roleFromDefinitionId } from '../auth/role-definitions.js';
import { renderRoleAssignment } from './render-role-assignment.js';
import { scopeKey, parseScope } from '../auth/arm-scope.js';
import type { RoleAssignmentStore } from '../storage/role-assignment-store.js';
import { assignmentName, tenantOfRequest } from './role-assignment-params.js';
import { roleAssignmentCreateBody } from '../openapi/request-schemas.js';

export interface PutRoleAssignmentDeps {
  readonly config: Pick<Config, 'maxRequestBodyBytes' | 'entra'>;
  readonly roleAssignments: Pick<RoleAssignmentStore, 'create'>;
  readonly now: Clock;
}

/** `PUT {scope}/providers/Microsoft.Authorization/roleAssignments/{name}`: 201 created, 200 when the same one exists. */
export function makePutRoleAssignment(deps: PutRoleAssignmentDeps): HttpHandler {
  return async (request, context) => {
    const scope = authorizationScope(request);
    const name = assignmentName(request);
    const body = await readJsonBody(request, roleAssignmentCreateBody, deps.config.maxRequestBodyBytes);
    const role = roleFromDefinitionId(body.properties.roleDefinitionId);
    if (!role) {
      throw new ApiError(
        'InvalidRoleDefinitionId',
        'The role definition id is not one this service knows. Use Reader (acdd72a7-3385-48ef-bd42-f606fba81ae7), Contributor (b24988ac-6180-42a0-ab88-20f7382dd24c), Owner (8e3af657-a8ff-443c-a75c-2fe8c4bcb635) or Registry Webhooks Event Sender (d983c68d-e682-47c9-ba45-ff1bedafcb32); see GET /providers/Microsoft.Authorization/roleDefinitions.',
        'properties.roleDefinitionId',
      );
    }
    const bodyScope = body.properties.scope;
    if (bodyScope && scopeKey(parseScope(bodyScope)) !== scopeKey(scope)) {
      throw new ApiError('InvalidParameter', "properties.scope differs from the scope in the request's path.", 'properties.scope');
    }
    const now = deps.now().toISOString();
    const outcome = await deps.roleAssignments.create({
      name,
      scope,
      roleId: role.id,
      principalId: body.properties.principalId.toLowerCase(),
      principalType: body.properties.principalType,
      tenantId: tenantOfRequest(request, deps.config.entra),
      createdOn: now,
      updatedOn: now,
    });
    if (outcome.kind === 'created') {
      context.log(`role assignment created: ${name} role=${role.roleName}`);
      return json(201, renderRoleAssignment(outcome.assignment));
    }
    if (outcome.kind === 'exists') {
      const same = outcome.assignment.roleId === role.id && outcome.assignment.principalId === body.properties.principalId.toLowerCase();
      if (same) return json(200, renderRoleAssignment(outcome.assignment));
      throw new ApiError(
        'RoleAssignmentUpdateNotPermitted',
        'Tenant ID, application ID, principal ID, and scope are not allowed to be updated. Delete the role assignment and create a new one.',
      );
    }
    throw new ApiError('RoleAssignmentExists', 'The role assignment already exists.');
  };
}
