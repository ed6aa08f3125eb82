import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { HttpHandler } from '../handler-types.js';
import { json } from '../http/respond.js';
import { readJsonBody } from '../http/read-json-body.js';
import { ApiError } from '../errors.js';
import { registryRef } from '../webhooks/routes.js';
import { parseName } from '../webhooks/names.js';
import { renderWebhook } from './render-webhook.js';
import { sameLocation, webhookUpdateBody, type WebhookRecord, type WebhookUpdateBody } from '../webhooks/webhook.js';
import type { WebhookStore } from '../storage/webhook-store.js';
import { newSigningSecret } from '../delivery/signature.js';
import { restartStreak } from '../webhooks/delivery-health.js';
import { checkEndpoint } from './check-endpoint.js';
import type { ManagementConfig } from './management-deps.js';
import { notFound } from './load-webhook.js';

export interface UpdateWebhookDeps {
  readonly config: ManagementConfig & Pick<Config, 'maxRequestBodyBytes' | 'allowPrivateTargets'>;
  readonly webhooks: Pick<WebhookStore, 'update'>;
  readonly now: Clock;
}

/**
 * Merges only the fields sent (az sends sparse bodies); a map that is sent replaces the stored one. A new
 * endpoint type drops the old destination's connection string and TTL unless they are sent again;
 * `connectionString: ""` removes it (the managed identity then).
 */
function merge(record: WebhookRecord, body: WebhookUpdateBody, now: string): WebhookRecord {
  const p = body.properties ?? {};
  const newType = p.endpointType !== undefined && p.endpointType !== (record.endpointType ?? 'WebHook');
  return {
    ...record,
    tags: body.tags ?? record.tags,
    serviceUri: p.serviceUri ?? record.serviceUri,
    customHeaders: p.customHeaders ?? record.customHeaders,
    status: p.status ?? record.status,
    // Enabling again clears why the service had disabled it.
    statusReason: p.status === 'enabled' ? undefined : record.statusReason,
    deliveryHealth:
      p.status === 'enabled' && record.status === 'disabled' && record.deliveryHealth
        ? restartStreak(record.deliveryHealth)
        : record.deliveryHealth,
    signingSecret: record.signingSecret ?? newSigningSecret(),
    scope: p.scope ?? record.scope,
    actions: p.actions ?? record.actions,
    multiArch: p.multiArch ?? record.multiArch,
    // Left out: unchanged; null: no limit.
    rateLimitPerSecond: p.rateLimitPerSecond === undefined ? record.rateLimitPerSecond : (p.rateLimitPerSecond ?? undefined),
    payloadFormat: p.payloadFormat ?? record.payloadFormat,
    skipReferrers: p.skipReferrers ?? record.skipReferrers,
    endpointType: p.endpointType ?? record.endpointType,
    connectionString: p.connectionString !== undefined ? p.connectionString || undefined : newType ? undefined : record.connectionString,
    queueMessageTimeToLiveSeconds: p.queueMessageTimeToLiveSeconds ?? (newType ? undefined : record.queueMessageTimeToLiveSeconds),
    updatedAt: now,
  };
}

/**
 * `PATCH .../webhooks/{webhookName}`: a sparse update; `customHeaders: {}` clears the headers and
 * `rateLimitPerSecond: null` the limit.
 */
export function makeUpdateWebhook(deps: UpdateWebhookDeps): HttpHandler {
  return async (request, context) => {
    const ref = registryRef(request, deps.config);
    const name = parseName('webhook', request.params['webhookName']);
    const body = await readJsonBody(request, webhookUpdateBody, deps.config.maxRequestBodyBytes);
    const p = body.properties ?? {};
    // Checked again only when the endpoint changes: a webhook made while private targets were allowed can still be disabled.
    const endpointChanged = [p.serviceUri, p.endpointType, p.connectionString, p.queueMessageTimeToLiveSeconds].some(
      (v) => v !== undefined,
    );
    const updated = await deps.webhooks.update(ref.registryName, name, (existing) => {
      if (body.location !== undefined && !sameLocation(body.location, existing.location)) {
        throw new ApiError(
          'InvalidResourceLocation',
          `A webhook's location cannot change: '${existing.name}' is in '${existing.location}'. Leave location out of the update.`,
          'location',
        );
      }
      const merged = merge(existing, body, deps.now().toISOString());
      if (endpointChanged) checkEndpoint(merged, deps.config.allowPrivateTargets);
      return merged;
    });
    if (!updated) notFound(ref.registryName, name);
    context.log(`webhook updated: registry=${ref.registryName} webhook=${updated.name}`);
    return json(200, renderWebhook(updated));
  };
}
