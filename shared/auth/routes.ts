import type { HttpRequest } from '@azure/functions';
import { checkApiVersion } from '../http/api-version.js';
import { scopeFromParams, type ArmScope } from './arm-scope.js';

/** The oldest Microsoft.Authorization api-version served (role assignments' shape is unchanged since). */
const OLDEST_AUTHORIZATION_API_VERSION = '2015-07-01';

const SCOPES = [
  { suffix: '', route: 'subscriptions/{subscriptionId}' },
  { suffix: '-rg', route: 'subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}' },
  {
    suffix: '-registry',
    route:
      'subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ContainerRegistry/registries/{registryName}',
  },
] as const;

/** One route per scope level a Microsoft.Authorization resource may sit at (Functions gives one route per function). */
export function authorizationRoutes(name: string, path: string): readonly { readonly name: string; readonly route: string }[] {
  return SCOPES.map((s) => ({ name: `${name}${s.suffix}`, route: `${s.route}/providers/Microsoft.Authorization/${path}` }));
}

/** The scope a Microsoft.Authorization request names, with its api-version checked (required, as ARM requires it). */
export function authorizationScope(request: HttpRequest): ArmScope {
  checkApiVersion(request.query.get('api-version'), true, OLDEST_AUTHORIZATION_API_VERSION);
  return scopeFromParams(request.params);
}

/** Checks a Microsoft.Authorization request's api-version where it names no scope (role definitions at the root). */
export const checkAuthorizationApiVersion = (request: HttpRequest): void =>
  checkApiVersion(request.query.get('api-version'), true, OLDEST_AUTHORIZATION_API_VERSION);
