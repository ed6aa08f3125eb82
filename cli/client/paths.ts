/** The short alias of ACR's ARM path: `/registries/{registry}/webhooks[/{name}[/op]]`. */
export function webhooksPath(registry: string, name?: string, ...rest: string[]): string {
  const parts = ['registries', registry, 'webhooks', ...(name === undefined ? [] : [name]), ...rest];
  return `/${parts.map(encodeURIComponent).join('/')}`;
}

/** The ingest endpoint for ACR-format events posted directly. */
export function ingestPath(registry: string): string {
  return `/registries/${encodeURIComponent(registry)}/events`;
}

/** A registry-level operation on the short alias, as the webhook commands use: `/registries/{registry}/{op}`. */
export function registryPath(registry: string, operation: string): string {
  return `/registries/${encodeURIComponent(registry)}/${encodeURIComponent(operation)}`;
}

/** The role assignments API version az and `@azure/arm-authorization` use. */
const ROLE_ASSIGNMENTS_API_VERSION = '2022-04-01';

/**
 * ARM's role assignments at a scope: `{scope}/providers/Microsoft.Authorization/roleAssignments[/{name}]`
 * with the api-version and, for a list, a `$filter` (`atScope()`, `principalId eq '…'`).
 */
export function roleAssignmentsPath(scope: string, name?: string, filter?: string): string {
  const segments = scope
    .split('/')
    .filter(Boolean)
    .map(encodeURIComponent)
    .concat('providers', 'Microsoft.Authorization', 'roleAssignments', ...(name === undefined ? [] : [encodeURIComponent(name)]));
  const query = `api-version=${ROLE_ASSIGNMENTS_API_VERSION}${filter === undefined ? '' : `&$filter=${encodeURIComponent(filter)}`}`;
  return `/${segments.join('/')}?${query}`;
}
