/** The short alias of ACR's ARM path: `/registries/{registry}/webhooks[/{name}[/op]]`. */
export function webhooksPath(registry: string, name?: string, ...rest: string[]): string {
  const parts = ['registries', registry, 'webhooks', ...(name === undefined ? [] : [name]), ...rest];
  return `/${parts.map(encodeURIComponent).join('/')}`;
}

/** The ingest endpoint for ACR-format events posted directly. */
export function ingestPath(registry: string): string {
  return `/registries/${encodeURIComponent(registry)}/events`;
}
