import { ApiError } from '../errors.js';
import type { WebhookRecord } from '../webhooks/webhook.js';
import type { WebhookStore } from '../storage/webhook-store.js';

/** Reads a webhook or throws ACR's 404. */
export async function loadWebhook(store: Pick<WebhookStore, 'get'>, registryName: string, name: string): Promise<WebhookRecord> {
  return (await store.get(registryName, name)) ?? notFound(registryName, name);
}

/** ACR's 404 for a webhook. */
export function notFound(registryName: string, name: string): never {
  throw new ApiError(
    'ResourceNotFound',
    `The webhook '${name}' was not found in registry '${registryName}'. List the registry's webhooks to see their names.`,
  );
}
