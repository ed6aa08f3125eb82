import { z } from 'zod';
import type { HttpHandler } from '../handler-types.js';
import { json } from '../http/respond.js';
import { ApiError } from '../errors.js';
import { registryRef } from '../webhooks/routes.js';
import { parseName } from '../webhooks/names.js';
import { decodeKeyToken, encodeKeyToken, nextLink } from '../http/paging.js';
import { renderEvent } from '../delivery/delivery-record.js';
import { loadWebhook } from './load-webhook.js';
import type { Config } from '../config.js';
import type { WebhookStore } from '../storage/webhook-store.js';
import type { DeliveryStore } from '../storage/delivery-store.js';
import type { ManagementConfig } from './management-deps.js';

export interface ListEventsDeps {
  readonly config: ManagementConfig & Pick<Config, 'listPageSize'>;
  readonly webhooks: Pick<WebhookStore, 'get'>;
  readonly deliveries: Pick<DeliveryStore, 'listDeliveries'>;
}

const top = z.coerce.number().int().min(1).max(1000).optional();

/**
 * `POST .../webhooks/{webhookName}/listEvents`: the webhook's deliveries, newest first, in ACR's Event
 * shape plus a `delivery` object (state, attempts, next attempt). `nextLink` is fetched with GET, as the
 * SDK's pager does, so GET answers too. A row this version does not read (a later version's, after a
 * rollback) is left out of the page and said in a warning, not a 500 for the whole list.
 */
export function makeListEvents(deps: ListEventsDeps): HttpHandler {
  return async (request, context) => {
    const ref = registryRef(request, deps.config);
    const name = parseName('webhook', request.params['webhookName']);
    const parsedTop = top.safeParse(request.query.get('$top') ?? undefined);
    if (!parsedTop.success) throw new ApiError('InvalidParameter', '$top must be a whole number from 1 to 1000.', '$top');
    const token = decodeKeyToken(request.query.get('$skipToken'));
    if (!token) await loadWebhook(deps.webhooks, ref.registryName, name); // 404 for an unknown webhook
    const page = await deps.deliveries.listDeliveries(ref.registryName, name, parsedTop.data ?? deps.config.listPageSize, token);
    if (page.unreadable > 0)
      context.warn(
        `listEvents left out ${page.unreadable} of the page's deliveries of webhook ${name} in registry ${ref.registryName}: ` +
          'their rows are in a layout this version does not read (written by a later version, or damaged)',
      );
    const body: { value: unknown[]; nextLink?: string } = { value: page.items.map(renderEvent) };
    if (page.continuationToken) body.nextLink = nextLink(request.url, encodeKeyToken(page.continuationToken));
    return json(200, body);
  };
}
