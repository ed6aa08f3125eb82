import type { Webhook } from '../client/schemas.js';

/**
 * The shape az prints for a webhook: `properties` lifted to the top level and `resourceGroup` read from
 * the id (az's SDK models are flattened the same way).
 */
export function flattenWebhook(webhook: Webhook): Record<string, unknown> {
  const { properties, ...rest } = webhook;
  const resourceGroup = /\/resourceGroups\/([^/]+)\//i.exec(webhook.id)?.[1];
  return { ...rest, ...properties, ...(resourceGroup === undefined ? {} : { resourceGroup }) };
}
