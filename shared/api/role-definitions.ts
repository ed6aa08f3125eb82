import type { HttpHandler } from '../handler-types.js';
import { ApiError } from '../errors.js';
import { json } from '../http/respond.js';
import { checkAuthorizationApiVersion } from '../auth/routes.js';
import { ROLE_DEFINITIONS, renderRoleDefinition, roleById } from '../auth/role-definitions.js';

const ROLE_NAME = /^roleName\s+eq\s+'([^']{1,100})'$/i;

/**
 * `GET [{scope}]/providers/Microsoft.Authorization/roleDefinitions[/{id}]`: the roles an assignment may
 * name. `$filter=roleName eq '{name}'` is how az looks a role up by name.
 */
export function makeRoleDefinitions(): HttpHandler {
  return (request) => {
    checkAuthorizationApiVersion(request);
    const id = request.params['roleDefinitionId'];
    if (id !== undefined) {
      const role = roleById(id);
      if (!role) return Promise.reject(new ApiError('ResourceNotFound', 'The role definition does not exist.'));
      return Promise.resolve(json(200, renderRoleDefinition(role)));
    }
    const filter = request.query.get('$filter');
    let roles = ROLE_DEFINITIONS;
    if (filter) {
      const name = ROLE_NAME.exec(filter.trim())?.[1];
      if (name === undefined) return Promise.reject(new ApiError('InvalidParameter', "Use $filter=roleName eq '{name}'.", '$filter'));
      roles = roles.filter((r) => r.roleName.toLowerCase() === name.toLowerCase());
    }
    return Promise.resolve(json(200, { value: roles.map(renderRoleDefinition) }));
  };
}
