import type { Webhook } from '../client/schemas.js';
import { flattenResource } from './flatten-resource.js';

/** The shape az prints for a webhook. */
export function flattenWebhook(webhook: Webhook): Record<string, unknown> {
  return flattenResource(webhook);
}
