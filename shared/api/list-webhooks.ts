import { z } from 'zod';
import type { HttpHandler } from '../handler-types.js';
import { json } from '../http/respond.js';
import { ApiError } from '../errors.js';
import { registryRef } from '../webhooks/routes.js';
import { renderWebhook } from './render-webhook.js';
import { decodeSkipToken, encodeSkipToken, nextLink } from '../http/paging.js';
import type { Config } from '../config.js';
import type { WebhookStore } from '../storage/webhook-store.js';
import type { ManagementConfig } from './management-deps.js';

export interface ListWebhooksDeps {
  readonly config: ManagementConfig & Pick<Config, 'listPageSize'>;
  readonly webhooks: Pick<WebhookStore, 'listPage'>;
}

const query = z.object({
  top: z.coerce.number().int().min(1).max(1000).optional(),
});

/** `GET .../webhooks`: one page of the registry's webhooks, `nextLink` when there are more. */
export function makeListWebhooks(deps: ListWebhooksDeps): HttpHandler {
  return async (request) => {
    const ref = registryRef(request, deps.config);
    const parsed = query.safeParse({ top: request.query.get('$top') ?? undefined });
    if (!parsed.success) throw new ApiError('InvalidParameter', '$top must be a whole number from 1 to 1000.', '$top');
    const pageSize = parsed.data.top ?? deps.config.listPageSize;
    const token = decodeSkipToken(request.query.get('$skipToken'));
    const page = await deps.webhooks.listPage(ref.registryName, pageSize, token);
    const body: { value: unknown[]; nextLink?: string } = { value: page.items.map(renderWebhook) };
    if (page.continuationToken) body.nextLink = nextLink(request.url, encodeSkipToken(page.continuationToken));
    return json(200, body);
  };
}
