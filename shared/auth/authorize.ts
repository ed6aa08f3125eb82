import type { HttpRequest } from '@azure/functions';
import type { Config } from '../config.js';
import { ApiError } from '../errors.js';
import { keyMatches } from '../http/auth.js';
import { parseName } from '../webhooks/names.js';
import { Action, type Access, type ActionName } from './actions.js';
import { scopeFromParams, scopeId, scopeKey, type ArmScope } from './arm-scope.js';
import type { EntraPrincipal, VerifyToken } from './entra-tokens.js';
import { presentedCredential } from './presented-credential.js';
import { roleAllows, roleById } from './role-definitions.js';

/*
 * The one edge where access is decided: every HTTP route's declaration names its access, and
 * `authorize` runs before its handler. Deny by default:
 *  - the management key is the administrator (as a storage account key is): every route but the ingest,
 *    which takes ingest keys only (so the administrator's key never sits in a registry's config);
 *  - a global ingest key, or the registry's own ingest key, opens only that route (posting events);
 *  - an Entra ID token opens what its principal's role assignments grant at the target's scope or above.
 * Handlers never see keys or tokens.
 */

export type Authorize = (request: HttpRequest, access: Access) => Promise<void>;

/** What the check reads of a registry (its home, its own ingest keys); storage implements it. */
interface RegistryAccess {
  home(registryName: string): Promise<{ readonly subscriptionId: string; readonly resourceGroup: string } | undefined>;
  keysCached(registryName: string): Promise<{ readonly primary: string; readonly secondary: string } | undefined>;
}

/** What the check reads of role assignments: a principal's along a scope chain; storage implements it. */
interface AssignmentAccess {
  forPrincipal(
    scope: ArmScope,
    principalId: string,
  ): Promise<readonly { readonly roleId: string; readonly tenantId: string | undefined }[]>;
}

export interface AuthorizeDeps {
  readonly config: Pick<Config, 'managementKeys' | 'ingestKeys' | 'entra' | 'defaultSubscriptionId' | 'defaultResourceGroup'>;
  /** Present when Entra ID is configured. */
  readonly verifyToken: VerifyToken | undefined;
  readonly registries: RegistryAccess;
  readonly assignments: AssignmentAccess;
}

export function makeAuthorize(deps: AuthorizeDeps): Authorize {
  const { config } = deps;
  const tenant = config.entra?.tenants[0];
  const challenge = (description: string): Record<string, string> =>
    config.entra && tenant
      ? {
          'www-authenticate': `Bearer authorization_uri="${config.entra.authority}/${tenant}", error="invalid_token", error_description="${description.replace(/["\\]/g, '')}"`,
        }
      : { 'www-authenticate': 'Bearer realm="registry-webhooks"' };

  /** The principal's role ids along the scope chain; assignments naming another tenant do not count. */
  const grants = async (principal: EntraPrincipal, scope: ArmScope) =>
    (await deps.assignments.forPrincipal(scope, principal.objectId))
      .filter((a) => a.tenantId === undefined || a.tenantId === principal.tenantId)
      .map((a) => a.roleId);

  const requireGrant = async (principal: EntraPrincipal, action: ActionName, scope: ArmScope | undefined) => {
    if (scope && (await grants(principal, scope)).some((roleId) => allows(roleId, action))) return;
    throw new ApiError(
      'AuthorizationFailed',
      `The client with object id '${principal.objectId}' does not have authorization to perform action '${action}' over scope '${scope ? scopeId(scope) : '/'}' or the scope is invalid. If access was recently granted, refresh your credentials.`,
    );
  };

  /** The scope a registry route acts on: the registry's home; an ARM path naming another home is refused, then not found. */
  const registryScope = async (request: HttpRequest, principal: EntraPrincipal, action: ActionName): Promise<ArmScope> => {
    const registryName = parseName('registry', request.params['registryName']).toLowerCase();
    const requested = request.params['subscriptionId'] !== undefined ? scopeFromParams(request.params) : undefined;
    const home = await deps.registries.home(registryName);
    const homeScope = home
      ? { subscriptionId: home.subscriptionId.toLowerCase(), resourceGroup: home.resourceGroup, registryName }
      : undefined;
    if (requested && homeScope && scopeKey(requested) !== scopeKey(homeScope)) {
      await requireGrant(principal, action, requested);
      throw new ApiError(
        'ResourceNotFound',
        `The Resource 'Microsoft.ContainerRegistry/registries/${registryName}' under resource group '${requested.resourceGroup ?? ''}' was not found.`,
      );
    }
    return (
      homeScope ?? requested ?? { subscriptionId: config.defaultSubscriptionId, resourceGroup: config.defaultResourceGroup, registryName }
    );
  };

  const byKey = async (request: HttpRequest, key: string, access: Access) => {
    // The ingest takes ingest keys only: a management key is never configured into a registry's sender.
    if (access.kind !== 'ingest' && keyMatches(key, config.managementKeys)) return;
    if (access.kind === 'ingest') {
      if (keyMatches(key, config.ingestKeys)) return;
      const registryName = parseName('registry', request.params['registryName']);
      const keys = await deps.registries.keysCached(registryName);
      if (keys && keyMatches(key, [keys.primary, keys.secondary])) return;
      throw new ApiError('AuthenticationFailed', 'The ingest key is not valid.', undefined, challenge('invalid key'));
    }
    throw new ApiError('AuthenticationFailed', 'The management key is not valid.', undefined, challenge('invalid key'));
  };

  const byToken = async (request: HttpRequest, token: string, access: Access) => {
    const verdict = await deps.verifyToken!(token);
    if (!verdict.ok) throw new ApiError('InvalidAuthenticationToken', verdict.reason, undefined, challenge(verdict.reason));
    const principal = verdict.principal;
    switch (access.kind) {
      case 'public':
      case 'authenticated':
        return;
      case 'service':
        return requireGrant(principal, Action.serviceAdminister, undefined);
      case 'scope':
        return requireGrant(principal, access.action, scopeFromParams(request.params));
      case 'registry':
        return requireGrant(principal, access.action, await registryScope(request, principal, access.action));
      case 'ingest':
        return requireGrant(principal, Action.eventsSend, await registryScope(request, principal, Action.eventsSend));
    }
  };

  return async (request, access) => {
    if (access.kind === 'public') return;
    const credential = presentedCredential(request, deps.verifyToken !== undefined);
    if (!credential) {
      const what = access.kind === 'ingest' ? 'An ingest key' : 'A management key';
      throw new ApiError(
        'AuthenticationFailed',
        config.entra
          ? `${what} or an Entra ID access token is required: send 'Authorization: Bearer <token>', or the key as the 'x-functions-key' header or '?code=<key>'.`
          : `${what} is required: send it as the 'x-functions-key' header, 'Authorization: Bearer <key>' or '?code=<key>'.`,
        undefined,
        challenge('missing credentials'),
      );
    }
    if (credential.kind === 'key') return byKey(request, credential.value, access);
    return byToken(request, credential.value, access);
  };
}

const allows = (roleId: string, action: ActionName) => {
  const role = roleById(roleId);
  return role !== undefined && roleAllows(role, action);
};
