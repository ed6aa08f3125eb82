import type { RoleAssignment } from '../storage/role-assignment-store.js';
import { scopeId } from '../auth/arm-scope.js';
import { roleDefinitionId } from '../auth/role-definitions.js';

/** A role assignment as ARM renders it (api-version 2022-04-01). */
export function renderRoleAssignment(a: RoleAssignment) {
  const scope = scopeId(a.scope);
  return {
    id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${a.name}`,
    name: a.name,
    type: 'Microsoft.Authorization/roleAssignments',
    properties: {
      roleDefinitionId: roleDefinitionId(a.scope.subscriptionId, a.roleId),
      principalId: a.principalId,
      principalType: a.principalType,
      scope,
      condition: null,
      conditionVersion: null,
      createdOn: a.createdOn,
      updatedOn: a.updatedOn,
      delegatedManagedIdentityResourceId: null,
      description: null,
    },
  };
}
