import type { HttpFunctionDeclaration } from '../runtime/declaration.js';
import { requireKey } from '../http/auth.js';
import { json } from '../http/respond.js';
import { ApiError } from '../errors.js';
import { registryRef, webhookRoutes } from '../webhooks/routes.js';
import { parseName } from '../webhooks/names.js';
import { loadWebhook } from './load-webhook.js';
import { newSigningSecret } from '../delivery/signature.js';
import { ConcurrencyError } from '../webhooks/webhook-store.js';

/** How long the rotated-out secret keeps signing, so receivers can switch without losing a delivery. */
export const SECRET_OVERLAP_MS = 24 * 3600 * 1000;

/**
 * `POST .../webhooks/{webhookName}/rotateSigningSecret`: issues a new signing secret and keeps signing
 * with the old one too for 24 h (both signatures, space-separated). The new secret is read with
 * getCallbackConfig, like the other secrets; this answer holds none.
 */
export const rotateSigningSecretFunction: HttpFunctionDeclaration = {
  kind: 'http',
  routes: webhookRoutes('webhooks-rotate-signing-secret', '/{webhookName}/rotateSigningSecret'),
  methods: ['POST'],
  makeHandler: (deps) => async (request, context) => {
    requireKey(request, deps.config.managementKeys, 'management');
    const ref = registryRef(request, deps.config);
    const name = parseName('webhook', request.params['webhookName']);
    for (let attempt = 0; attempt < 3; attempt++) {
      const existing = await loadWebhook(deps.webhooks, ref.registryName, name);
      const now = deps.now();
      const expires = new Date(now.getTime() + SECRET_OVERLAP_MS).toISOString();
      try {
        await deps.webhooks.replace(
          {
            ...existing.record,
            signingSecret: newSigningSecret(),
            previousSigningSecret: existing.record.signingSecret,
            previousSecretExpiresAt: existing.record.signingSecret ? expires : undefined,
            updatedAt: now.toISOString(),
          },
          existing.etag,
        );
        deps.webhookCache.invalidate(ref.registryName);
        context.log(`signing secret rotated: registry=${ref.registryName} webhook=${existing.record.name}`);
        return json(200, { rotatedAt: now.toISOString(), previousSecretExpiresAt: existing.record.signingSecret ? expires : null });
      } catch (err) {
        if (!(err instanceof ConcurrencyError)) throw err;
      }
    }
    throw new ApiError('Conflict', `The webhook '${name}' is being changed by another request. Retry.`);
  },
};
