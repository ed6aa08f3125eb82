import type { z } from 'zod';
import { WEBHOOK_RESOURCE_TYPE } from '../constants.js';
import type { webhookResource } from '../openapi/response-schemas.js';
import type { WebhookRecord } from '../webhooks/webhook.js';
import { HEALTHY } from '../webhooks/delivery-health.js';
import { registryId } from '../webhooks/registry-id.js';

/** ACR's Webhook resource. `serviceUri`, `customHeaders` and `connectionString` are write-only and never appear here. */
export type WebhookResource = z.infer<typeof webhookResource>;

export function renderWebhook(record: WebhookRecord): WebhookResource {
  return {
    id: `${registryId(record)}/webhooks/${record.name}`,
    name: record.name,
    type: WEBHOOK_RESOURCE_TYPE,
    location: record.location,
    tags: { ...record.tags },
    systemData: { createdAt: record.createdAt, lastModifiedAt: record.updatedAt },
    properties: {
      status: record.status,
      scope: record.scope,
      actions: [...record.actions],
      // Every write completes before we answer, so ARM's poller finishes on the first response.
      provisioningState: 'Succeeded',
      ...(record.statusReason ? { statusReason: record.statusReason } : {}),
      // Our additions, shown once set: ARM clients that never set them see ACR's resource unchanged.
      ...(record.multiArch ? { multiArch: record.multiArch } : {}),
      ...(record.rateLimitPerSecond !== undefined ? { rateLimitPerSecond: record.rateLimitPerSecond } : {}),
      ...(record.payloadFormat ? { payloadFormat: record.payloadFormat } : {}),
      ...(record.skipReferrers !== undefined ? { skipReferrers: record.skipReferrers } : {}),
      ...(record.endpointType ? { endpointType: record.endpointType } : {}),
      ...(record.queueMessageTimeToLiveSeconds !== undefined
        ? { queueMessageTimeToLiveSeconds: record.queueMessageTimeToLiveSeconds }
        : {}),
      // Read-only, our addition (ARM clients ignore unknown properties).
      deliveryHealth: record.deliveryHealth ?? HEALTHY,
    },
  };
}
