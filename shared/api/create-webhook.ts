import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { HttpHandler } from '../handler-types.js';
import { json } from '../http/respond.js';
import { readJsonBody } from '../http/read-json-body.js';
import { ApiError } from '../errors.js';
import { registryRef } from '../webhooks/routes.js';
import { parseName } from '../webhooks/names.js';
import { renderWebhook } from './render-webhook.js';
import { sameLocation, webhookCreateBody, type WebhookRecord } from '../webhooks/webhook.js';
import type { WebhookStore } from '../storage/webhook-store.js';
import { newSigningSecret } from '../delivery/signature.js';
import { checkEndpoint } from './check-endpoint.js';
import type { ManagementConfig } from './management-deps.js';
import type { RegistryStore } from '../storage/registry-store.js';

export interface CreateWebhookDeps {
  readonly config: ManagementConfig & Pick<Config, 'maxRequestBodyBytes' | 'allowPrivateTargets' | 'webhooksPerRegistryLimit'>;
  readonly webhooks: Pick<WebhookStore, 'update' | 'insertWithinQuota'>;
  /** A registry's first webhook binds its home (the scope access is checked at). */
  readonly registries: Pick<RegistryStore, 'bind'>;
  readonly now: Clock;
}

/**
 * `PUT .../webhooks/{webhookName}`: creates (201) or replaces (200) a webhook. ARM treats this as a
 * long-running operation; we finish before answering, with `provisioningState: "Succeeded"`, which
 * satisfies the SDK's poller in one request.
 */
export function makeCreateWebhook(deps: CreateWebhookDeps): HttpHandler {
  return async (request, context) => {
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
      multiArch: body.properties.multiArch,
      rateLimitPerSecond: body.properties.rateLimitPerSecond,
      payloadFormat: body.properties.payloadFormat,
      skipReferrers: body.properties.skipReferrers,
      endpointType: body.properties.endpointType,
      connectionString: body.properties.connectionString || undefined,
      queueMessageTimeToLiveSeconds: body.properties.queueMessageTimeToLiveSeconds,
      deliveryHealth: undefined,
    };
    checkEndpoint(record, deps.config.allowPrivateTargets);
    await deps.registries.bind(ref);
    // Replace when it exists, else insert; a webhook deleted or created meanwhile sends us round again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const replaced = await deps.webhooks.update(ref.registryName, name, (existing) => {
        if (!sameLocation(existing.location, record.location)) {
          throw new ApiError(
            'InvalidResourceLocation',
            `The webhook '${name}' exists in location '${existing.location}'; a webhook's location cannot change. Delete it first or use '${existing.location}'.`,
            'location',
          );
        }
        return {
          ...record,
          name: existing.name,
          location: existing.location,
          subscriptionId: existing.subscriptionId,
          resourceGroup: existing.resourceGroup,
          createdAt: existing.createdAt,
          // A replace keeps the signing secret: receivers verifying with it keep working.
          signingSecret: existing.signingSecret ?? record.signingSecret,
          previousSigningSecret: existing.previousSigningSecret,
          previousSecretExpiresAt: existing.previousSecretExpiresAt,
          deliveryHealth: existing.deliveryHealth,
        };
      });
      if (replaced) {
        context.log(`webhook replaced: registry=${ref.registryName} webhook=${name}`);
        return json(200, renderWebhook(replaced));
      }
      const outcome = await deps.webhooks.insertWithinQuota(record, deps.config.webhooksPerRegistryLimit);
      if (outcome.kind === 'quota') {
        throw new ApiError(
          'QuotaExceeded',
          `Registry '${ref.registryName}' has ${outcome.count} webhooks, the most allowed (${deps.config.webhooksPerRegistryLimit}, WEBHOOKS_PER_REGISTRY_LIMIT). Delete one first.`,
        );
      }
      if (outcome.kind === 'inserted') {
        context.log(`webhook created: registry=${ref.registryName} webhook=${name}`);
        return json(201, renderWebhook(record));
      }
      // Created concurrently: go round and replace it.
    }
    throw new ApiError('Conflict', `The webhook '${name}' is being changed by another request. Retry.`);
  };
}
