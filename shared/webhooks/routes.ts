import type { HttpRequest } from '@azure/functions';
import type { Config } from '../config.js';
import { checkApiVersion } from '../http/api-version.js';
import { parseName } from './names.js';
import { ApiError } from '../errors.js';

const ARM_REGISTRY =
  'subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ContainerRegistry/registries/{registryName}';
const ARM_BASE = `${ARM_REGISTRY}/webhooks`;
const SHORT_BASE = 'registries/{registryName}/webhooks';

/**
 * Every management operation answers on ACR's ARM path and on the short alias. Each becomes one
 * registered function (Azure Functions gives one route per function): `name` and `name-short`.
 */
export function webhookRoutes(name: string, suffix: string): readonly { readonly name: string; readonly route: string }[] {
  return [
    { name, route: `${ARM_BASE}${suffix}` },
    { name: `${name}-short`, route: `${SHORT_BASE}${suffix}` },
  ];
}

/** A registry-level operation (`/listIngestKeys`) on ACR's ARM path and the short alias. */
export function registryRoutes(name: string, suffix: string): readonly { readonly name: string; readonly route: string }[] {
  return [
    { name, route: `${ARM_REGISTRY}${suffix}` },
    { name: `${name}-short`, route: `registries/{registryName}${suffix}` },
  ];
}

/** Where a request points: the registry (and ARM coordinates used in resource ids). */
export interface RegistryRef {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly registryName: string;
}

const RESOURCE_GROUP = /^[-\w._()]{1,90}$/;
const SUBSCRIPTION = /^[0-9a-fA-F-]{36}$/;

/**
 * Reads the registry coordinates and checks api-version. Registry names are globally unique (as
 * `*.azurecr.io` names are), so identity is the name; subscription and resource group are recorded for ids.
 */
export function registryRef(request: HttpRequest, config: Pick<Config, 'defaultSubscriptionId' | 'defaultResourceGroup'>): RegistryRef {
  const sub = request.params['subscriptionId'];
  const arm = sub !== undefined;
  checkApiVersion(request.query.get('api-version'), arm);
  const registryName = parseName('registry', request.params['registryName']);
  if (!arm) return { subscriptionId: config.defaultSubscriptionId, resourceGroup: config.defaultResourceGroup, registryName };
  const rg = request.params['resourceGroupName'] ?? '';
  if (!SUBSCRIPTION.test(sub)) throw new ApiError('InvalidParameter', `The subscription id '${sub}' is not a GUID.`, 'subscriptionId');
  if (!RESOURCE_GROUP.test(rg)) throw new ApiError('InvalidParameter', `The resource group name '${rg}' is invalid.`, 'resourceGroupName');
  return { subscriptionId: sub.toLowerCase(), resourceGroup: rg, registryName };
}
