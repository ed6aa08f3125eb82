import { CliError } from '../errors.js';
import { ROLE_DEFINITIONS } from '../../shared/auth/role-definitions.js';
import { isGuid } from './arm-ids.js';

const DEFINITION_ID = /^(?:\/subscriptions\/[^/]+)?\/providers\/Microsoft\.Authorization\/roleDefinitions\/([^/]+)$/i;

/**
 * The GUID of the role `--role` names, as az takes it: a built-in role's name (any case), a GUID, or a
 * role definition id. A GUID the service does not know goes through, for the service to refuse.
 */
export function roleGuid(role: string): string {
  const guid = DEFINITION_ID.exec(role)?.[1] ?? role;
  if (isGuid(guid)) return guid.toLowerCase();
  const byName = ROLE_DEFINITIONS.find((r) => r.roleName.toLowerCase() === role.trim().toLowerCase());
  if (byName) return byName.id;
  throw new CliError(
    `--role must be one of ${ROLE_DEFINITIONS.map((r) => `'${r.roleName}'`).join(', ')}, or a role definition GUID (got '${role}').`,
    2,
  );
}

/** The role name az shows in `roleDefinitionName` for a `roleDefinitionId`; the GUID itself when unknown. */
export function roleName(roleDefinitionId: string): string {
  const guid = DEFINITION_ID.exec(roleDefinitionId)?.[1] ?? roleDefinitionId;
  return ROLE_DEFINITIONS.find((r) => r.id === guid.toLowerCase())?.roleName ?? guid;
}
