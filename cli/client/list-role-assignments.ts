import type { ApiClient } from './api-client.js';
import { listAll } from './list-all.js';
import { roleAssignmentsPath } from './paths.js';
import { roleAssignmentListSchema, type RoleAssignment } from './schemas.js';

interface AssignmentQuery {
  /** Only this principal's assignments (an object id). */
  readonly assignee?: string | undefined;
  /** Only assignments made at exactly `scope`, not inherited from above it nor made below it. */
  readonly atScopeOnly?: boolean | undefined;
}

/**
 * Every role assignment at `scope` that the query selects, all pages. Without `atScopeOnly` ARM answers
 * those at, above and below the scope (`principalId eq` narrows to one principal). `atScope()` answers
 * those at and above; ARM refuses it combined with `principalId eq`, so, as az does, the principal and
 * the exact scope are then matched here.
 */
export async function listRoleAssignments(client: ApiClient, scope: string, query: AssignmentQuery): Promise<RoleAssignment[]> {
  const assignee = query.assignee?.toLowerCase();
  const filter = query.atScopeOnly ? 'atScope()' : assignee === undefined ? undefined : `principalId eq '${assignee}'`;
  const all = await listAll(client, { method: 'GET', path: roleAssignmentsPath(scope, undefined, filter) }, roleAssignmentListSchema);
  if (!query.atScopeOnly) return all;
  return all.filter(
    (a) =>
      a.properties.scope.replace(/\/+$/, '').toLowerCase() === scope.toLowerCase() &&
      (assignee === undefined || a.properties.principalId.toLowerCase() === assignee),
  );
}
