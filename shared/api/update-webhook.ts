import type { HttpFunctionDeclaration } from '../runtime/declaration.js';
import { requireKey } from '../http/auth.js';
import { json } from '../http/respond.js';
import { readJsonBody } from '../http/read-json-body.js';
import { ApiError } from '../errors.js';
import { registryRef, webhookRoutes } from '../webhooks/routes.js';
import { parseName } from '../webhooks/names.js';
import { renderWebhook } from '../webhooks/render.js';
import { webhookUpdateBody, type WebhookUpdateBody } from '../webhooks/webhook-schema.js';
import { ConcurrencyError, type WebhookRecord } from '../webhooks/webhook-store.js';
import { loadWebhook, sameLocation } from './load-webhook.js';
import { newSigningSecret } from '../delivery/signature.js';
import { restartStreak } from '../webhooks/delivery-health.js';
import { judgeServiceUri } from '../delivery/target-policy.js';

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
    updatedAt: now,
  };
}

/** `PATCH .../webhooks/{webhookName}`: a sparse update; `customHeaders: {}` clears the headers. */
export const updateWebhookFunction: HttpFunctionDeclaration = {
  kind: 'http',
  routes: webhookRoutes('webhooks-update', '/{webhookName}'),
  methods: ['PATCH'],
  makeHandler: (deps) => async (request, context) => {
    requireKey(request, deps.config.managementKeys, 'management');
    const ref = registryRef(request, deps.config);
    const name = parseName('webhook', request.params['webhookName']);
    const body = await readJsonBody(request, webhookUpdateBody, deps.config.maxRequestBodyBytes);
    if (body.properties?.serviceUri !== undefined) {
      const verdict = judgeServiceUri(body.properties.serviceUri, deps.config.allowPrivateTargets);
      if (!verdict.allowed)
        throw new ApiError('InvalidParameter', `The serviceUri is not allowed: ${verdict.reason}.`, 'properties.serviceUri');
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      const existing = await loadWebhook(deps.webhooks, ref.registryName, name);
      if (body.location !== undefined && !sameLocation(body.location, existing.record.location)) {
        throw new ApiError(
          'InvalidResourceLocation',
          `A webhook's location cannot change: '${existing.record.name}' is in '${existing.record.location}'. Leave location out of the update.`,
          'location',
        );
      }
      const updated = merge(existing.record, body, deps.now().toISOString());
      try {
        await deps.webhooks.replace(updated, existing.etag);
        deps.webhookCache.invalidate(ref.registryName);
        context.log(`webhook updated: registry=${ref.registryName} webhook=${existing.record.name}`);
        return json(200, renderWebhook(updated));
      } catch (err) {
        if (!(err instanceof ConcurrencyError)) throw err;
      }
    }
    throw new ApiError('Conflict', `The webhook '${name}' is being changed by another request. Retry.`);
  },
};
