import type { WebhookRecord } from './webhook.js';

/** The ARM resource id of a webhook's registry. */
export function registryId(record: Pick<WebhookRecord, 'subscriptionId' | 'resourceGroup' | 'registryName'>): string {
  return `/subscriptions/${record.subscriptionId}/resourceGroups/${record.resourceGroup}/providers/Microsoft.ContainerRegistry/registries/${record.registryName}`;
}
