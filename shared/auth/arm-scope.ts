import { ApiError } from '../errors.js';

/*
 * ARM scopes, the three levels this service knows (subscription ⊃ resource group ⊃ registry). An
 * assignment at a scope applies to everything below it, as in ARM:
 * https://learn.microsoft.com/azure/role-based-access-control/scope-overview
 * Scopes compare case-insensitively (ARM ids do); `key` is the lowercase form used for matching and storage.
 */

export interface ArmScope {
  readonly subscriptionId: string;
  readonly resourceGroup?: string | undefined;
  readonly registryName?: string | undefined;
}

const SUBSCRIPTION = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const RESOURCE_GROUP = /^[-\w._()]{1,90}$/;
const REGISTRY = /^[a-zA-Z0-9]{5,50}$/;
const REGISTRY_PROVIDER = 'providers/microsoft.containerregistry/registries';

/** The scope as ARM writes it: `/subscriptions/{s}[/resourceGroups/{rg}[/providers/Microsoft.ContainerRegistry/registries/{r}]]`. */
export function scopeId(scope: ArmScope): string {
  let id = `/subscriptions/${scope.subscriptionId}`;
  if (scope.resourceGroup !== undefined) id += `/resourceGroups/${scope.resourceGroup}`;
  if (scope.resourceGroup !== undefined && scope.registryName !== undefined)
    id += `/providers/Microsoft.ContainerRegistry/registries/${scope.registryName}`;
  return id;
}

/** The lowercase form scopes are matched and stored by. */
export const scopeKey = (scope: ArmScope): string => scopeId(scope).toLowerCase();

/** The scope and every scope above it, nearest last: `[subscription, resource group?, registry?]`. */
export function scopeChain(scope: ArmScope): readonly ArmScope[] {
  const chain: ArmScope[] = [{ subscriptionId: scope.subscriptionId }];
  if (scope.resourceGroup !== undefined) {
    chain.push({ subscriptionId: scope.subscriptionId, resourceGroup: scope.resourceGroup });
    if (scope.registryName !== undefined) chain.push(scope);
  }
  return chain;
}

const invalidScope = (raw: string) =>
  new ApiError(
    'InvalidParameter',
    `The scope '${raw.slice(0, 300)}' is not valid. Use /subscriptions/{id}, /subscriptions/{id}/resourceGroups/{name} or /subscriptions/{id}/resourceGroups/{name}/providers/Microsoft.ContainerRegistry/registries/{name}.`,
    'scope',
  );

/** Parses a scope id (leading slash optional, as the SDKs send `//subscriptions/...` or `/subscriptions/...`). */
export function parseScope(raw: string): ArmScope {
  const parts = raw.split('/').filter((p) => p !== '');
  if (parts[0]?.toLowerCase() !== 'subscriptions' || !parts[1] || !SUBSCRIPTION.test(parts[1])) throw invalidScope(raw);
  const subscriptionId = parts[1].toLowerCase();
  if (parts.length === 2) return { subscriptionId };
  if (parts[2]?.toLowerCase() !== 'resourcegroups' || !parts[3] || !RESOURCE_GROUP.test(parts[3])) throw invalidScope(raw);
  if (parts.length === 4) return { subscriptionId, resourceGroup: parts[3] };
  const rest = parts.slice(4, 7).join('/').toLowerCase();
  if (parts.length !== 8 || rest !== REGISTRY_PROVIDER || !parts[7] || !REGISTRY.test(parts[7])) throw invalidScope(raw);
  return { subscriptionId, resourceGroup: parts[3], registryName: parts[7].toLowerCase() };
}

/** A scope from a route's parameters (`subscriptionId`, `resourceGroupName`, `registryName`), validated. */
export function scopeFromParams(params: Readonly<Record<string, string>>): ArmScope {
  const sub = params['subscriptionId'] ?? '';
  const rg = params['resourceGroupName'];
  const registry = params['registryName'];
  const raw =
    `/subscriptions/${sub}` +
    (rg !== undefined ? `/resourceGroups/${rg}` : '') +
    (registry !== undefined ? `/providers/Microsoft.ContainerRegistry/registries/${registry}` : '');
  return parseScope(raw);
}
