import type { HttpFunctionDeclaration } from '../runtime/declaration.js';
import { requireKey } from '../http/auth.js';
import { json } from '../http/respond.js';
import { readJsonBody } from '../http/read-json-body.js';
import { ApiError } from '../errors.js';
import { registryRef, webhookRoutes } from '../webhooks/routes.js';
import { parseName } from '../webhooks/names.js';
import { renderWebhook } from '../webhooks/render.js';
import { webhookCreateBody } from '../webhooks/webhook-schema.js';
import { ConcurrencyError, type WebhookRecord } from '../webhooks/webhook-store.js';
import { sameLocation } from './load-webhook.js';
import { newSigningSecret } from '../delivery/signature.js';
import { judgeServiceUri } from '../delivery/target-policy.js';

/**
 * `PUT .../webhooks/{webhookName}`: creates (201) or replaces (200) a webhook. ARM treats this as a
 * long-running operation; we finish before answering, with `provisioningState: "Succeeded"`, which
 * satisfies the SDK's poller in one request.
 */
export const createWebhookFunction: HttpFunctionDeclaration = {
  kind: 'http',
  routes: webhookRoutes('webhooks-create', '/{webhookName}'),
  methods: ['PUT'],
  makeHandler: (deps) => async (request, context) => {
    requireKey(request, deps.config.managementKeys, 'management');
    const ref = registryRef(request, deps.config);
    const name = parseName('webhook', request.params['webhookName']);
    const body = await readJsonBody(request, webhookCreateBody, deps.config.maxRequestBodyBytes);
    const now = deps.now().toISOString();
    const record: WebhookRecord = {
      registryName: ref.registryName,
      name,
      subscriptionId: ref.subscriptionId,
      resourceGroup: ref.resourceGroup,
      location: body.location,
      tags: body.tags ?? {},
      serviceUri: body.properties.serviceUri,
      customHeaders: body.properties.customHeaders ?? {},
      status: body.properties.status ?? 'enabled',
      scope: body.properties.scope ?? '',
      actions: body.properties.actions,
      createdAt: now,
      updatedAt: now,
      signingSecret: newSigningSecret(),
      previousSigningSecret: undefined,
      previousSecretExpiresAt: undefined,
      statusReason: undefined,
      deliveryHealth: undefined,
    };
    const verdict = judgeServiceUri(record.serviceUri, deps.config.allowPrivateTargets);
    if (!verdict.allowed)
      throw new ApiError('InvalidParameter', `The serviceUri is not allowed: ${verdict.reason}.`, 'properties.serviceUri');
    for (let attempt = 0; attempt < 3; attempt++) {
      const existing = await deps.webhooks.get(ref.registryName, name);
      if (!existing) {
        const outcome = await deps.webhooks.insertWithinQuota(record, deps.config.webhooksPerRegistryLimit).catch((err: unknown) => {
          if (err instanceof ConcurrencyError) return undefined;
          throw err;
        });
        if (!outcome) continue;
        if (outcome.kind === 'quota') {
          throw new ApiError(
            'QuotaExceeded',
            `Registry '${ref.registryName}' has ${outcome.count} webhooks, the most allowed (${deps.config.webhooksPerRegistryLimit}, WEBHOOKS_PER_REGISTRY_LIMIT). Delete one first.`,
          );
        }
        if (outcome.kind === 'inserted') {
          deps.webhookCache.invalidate(ref.registryName);
          context.log(`webhook created: registry=${ref.registryName} webhook=${name}`);
          return json(201, renderWebhook(record));
        }
        continue; // created concurrently: replace it instead
      }
      if (!sameLocation(existing.record.location, record.location)) {
        throw new ApiError(
          'InvalidResourceLocation',
          `The webhook '${name}' exists in location '${existing.record.location}'; a webhook's location cannot change. Delete it first or use '${existing.record.location}'.`,
          'location',
        );
      }
      const replaced: WebhookRecord = {
        ...record,
        name: existing.record.name,
        location: existing.record.location,
        subscriptionId: existing.record.subscriptionId,
        resourceGroup: existing.record.resourceGroup,
        createdAt: existing.record.createdAt,
        // A replace keeps the signing secret: receivers verifying with it keep working.
        signingSecret: existing.record.signingSecret ?? record.signingSecret,
        previousSigningSecret: existing.record.previousSigningSecret,
        previousSecretExpiresAt: existing.record.previousSecretExpiresAt,
        deliveryHealth: existing.record.deliveryHealth,
      };
      try {
        await deps.webhooks.replace(replaced, existing.etag);
        deps.webhookCache.invalidate(ref.registryName);
        context.log(`webhook replaced: registry=${ref.registryName} webhook=${name}`);
        return json(200, renderWebhook(replaced));
      } catch (err) {
        if (!(err instanceof ConcurrencyError)) throw err;
      }
    }
    throw new ApiError('Conflict', `The webhook '${name}' is being changed by another request. Retry.`);
  },
};
