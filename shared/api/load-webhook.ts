import { ApiError } from '../errors.js';
import type { StoredWebhook, WebhookStore } from '../webhooks/webhook-store.js';

/** Reads a webhook or throws ACR's 404. */
export async function loadWebhook(store: WebhookStore, registryName: string, name: string): Promise<StoredWebhook> {
  const found = await store.get(registryName, name);
  if (!found) {
    throw new ApiError(
      'ResourceNotFound',
      `The webhook '${name}' was not found in registry '${registryName}'. List the registry's webhooks to see their names.`,
    );
  }
  return found;
}

export function sameLocation(a: string, b: string): boolean {
  const norm = (s: string) => s.replaceAll(' ', '').toLowerCase();
  return norm(a) === norm(b);
}
