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
import { judgeServiceUri } from '../delivery/target-policy.js';
import type { ManagementConfig } from './management-deps.js';
import { notFound } from './load-webhook.js';

export interface UpdateWebhookDeps {
  readonly config: ManagementConfig & Pick<Config, 'maxRequestBodyBytes' | 'allowPrivateTargets'>;
  readonly webhooks: Pick<WebhookStore, 'update'>;
  readonly now: Clock;
}

/** Merges only the fields sent (az sends sparse bodies); a map that is sent replaces the stored one. */
function merge(record: WebhookRecord, body: WebhookUpdateBody, now: string): WebhookRecord {
  const p = body.properties ?? {};
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
    if (body.properties?.serviceUri !== undefined) {
      const verdict = judgeServiceUri(body.properties.serviceUri, deps.config.allowPrivateTargets);
      if (!verdict.allowed)
        throw new ApiError('InvalidParameter', `The serviceUri is not allowed: ${verdict.reason}.`, 'properties.serviceUri');
    }
    const updated = await deps.webhooks.update(ref.registryName, name, (existing) => {
      if (body.location !== undefined && !sameLocation(body.location, existing.location)) {
        throw new ApiError(
          'InvalidResourceLocation',
          `A webhook's location cannot change: '${existing.name}' is in '${existing.location}'. Leave location out of the update.`,
          'location',
        );
      }
      return merge(existing, body, deps.now().toISOString());
    });
    if (!updated) notFound(ref.registryName, name);
    context.log(`webhook updated: registry=${ref.registryName} webhook=${updated.name}`);
    return json(200, renderWebhook(updated));
  };
}
