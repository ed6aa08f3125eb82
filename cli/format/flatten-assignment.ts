import type { RoleAssignment } from '../client/schemas.js';
import { roleName } from '../options/role.js';
import { flattenResource } from './flatten-resource.js';

/** The shape `az role assignment list` prints: flattened, with `roleDefinitionName` beside the id. */
export function flattenAssignment(assignment: RoleAssignment): Record<string, unknown> {
  return { ...flattenResource(assignment), roleDefinitionName: roleName(assignment.properties.roleDefinitionId) };
}
