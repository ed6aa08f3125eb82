/**
 * The shape az prints for an ARM resource: `properties` lifted to the top level and `resourceGroup` read
 * from the id (az's SDK models are flattened the same way).
 */
export function flattenResource(resource: { readonly id: string; readonly properties: object }): Record<string, unknown> {
  const { properties, ...rest } = resource;
  const resourceGroup = /\/resourceGroups\/([^/]+)\//i.exec(resource.id)?.[1];
  return { ...rest, ...properties, ...(resourceGroup === undefined ? {} : { resourceGroup }) };
}
