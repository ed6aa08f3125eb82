import { CliError } from '../errors.js';

/*
 * The ARM ids the role-assignment commands take, checked before any request so a typo is a usage error
 * (exit 2) that says what to write. The shapes are the three scopes the service knows (issue 19), as ARM
 * writes them: https://learn.microsoft.com/azure/role-based-access-control/scope-overview
 */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SCOPE =
  /^\/subscriptions\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:\/resourceGroups\/[-\w.()]{1,90}(?:\/providers\/Microsoft\.ContainerRegistry\/registries\/[a-z0-9]{5,50})?)?$/i;
const ASSIGNMENT = /^(.*)\/providers\/Microsoft\.Authorization\/roleAssignments\/([^/]+)$/i;

export const isGuid = (value: string): boolean => GUID.test(value);

/** An option that must be a GUID (an object id, an assignment name), lower-cased as ARM returns them. */
export function parseGuid(option: string, value: string, hint = ''): string {
  if (!isGuid(value))
    throw new CliError(`${option} must be a GUID such as 00000000-0000-0000-0000-000000000000 (got '${value}')${hint}.`, 2);
  return value.toLowerCase();
}

export interface ArmScope {
  /** As given, without a trailing slash. */
  readonly scope: string;
  readonly subscriptionId: string;
}

export function parseScope(raw: string): ArmScope {
  const scope = raw.replace(/\/+$/, '');
  const match = SCOPE.exec(scope);
  if (!match?.[1]) {
    throw new CliError(
      `--scope must be /subscriptions/{id}, /subscriptions/{id}/resourceGroups/{name} or /subscriptions/{id}/resourceGroups/{name}/providers/Microsoft.ContainerRegistry/registries/{name} (got '${raw}').`,
      2,
    );
  }
  return { scope, subscriptionId: match[1].toLowerCase() };
}

/** A role assignment's id (`{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}`), as `--ids` takes it. */
export function parseAssignmentId(id: string): { readonly scope: string; readonly name: string } {
  const match = ASSIGNMENT.exec(id);
  if (!match?.[1] || !match[2] || !isGuid(match[2]) || !SCOPE.test(match[1])) {
    throw new CliError(
      `--ids takes role assignment ids, {scope}/providers/Microsoft.Authorization/roleAssignments/{guid}, as 'role assignment list' prints them (got '${id}').`,
      2,
    );
  }
  return { scope: match[1], name: match[2].toLowerCase() };
}
