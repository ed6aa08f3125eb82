import type { Clock } from '../clock.js';
import type { HttpHandler } from '../handler-types.js';
import { json } from '../http/respond.js';
import { registryRef } from '../webhooks/routes.js';
import { parseName } from '../webhooks/names.js';
import type { WebhookStore } from '../storage/webhook-store.js';
import { newSigningSecret } from '../delivery/signature.js';
import type { ManagementConfig } from './management-deps.js';
import { notFound } from './load-webhook.js';

/** How long the rotated-out secret keeps signing, so receivers can switch without losing a delivery. */
const SECRET_OVERLAP_MS = 24 * 3600 * 1000;

export interface RotateSigningSecretDeps {
  readonly config: ManagementConfig;
  readonly webhooks: Pick<WebhookStore, 'update'>;
  readonly now: Clock;
}

/**
 * `POST .../webhooks/{webhookName}/rotateSigningSecret`: issues a new signing secret and keeps signing
 * with the old one too for 24 h (both signatures, space-separated). The new secret is read with
 * getCallbackConfig, like the other secrets; this answer holds none.
 */
export function makeRotateSigningSecret(deps: RotateSigningSecretDeps): HttpHandler {
  return async (request, context) => {
    const ref = registryRef(request, deps.config);
    const name = parseName('webhook', request.params['webhookName']);
    const now = deps.now();
    const expires = new Date(now.getTime() + SECRET_OVERLAP_MS).toISOString();
    let hadSecret = false;
    const rotated = await deps.webhooks.update(ref.registryName, name, (existing) => {
      hadSecret = Boolean(existing.signingSecret);
      return {
        ...existing,
        signingSecret: newSigningSecret(),
        previousSigningSecret: existing.signingSecret,
        previousSecretExpiresAt: hadSecret ? expires : undefined,
        updatedAt: now.toISOString(),
      };
    });
    if (!rotated) notFound(ref.registryName, name);
    context.log(`signing secret rotated: registry=${ref.registryName} webhook=${rotated.name}`);
    return json(200, { rotatedAt: now.toISOString(), previousSecretExpiresAt: hadSecret ? expires : null });
  };
}
