import type { HttpHandler } from '../handler-types.js';
import type { Clock } from '../clock.js';
import { json } from '../http/respond.js';
import { ApiError } from '../errors.js';
import { EVENT_ID_RULE, isEventId } from '../events/event-id.js';
import { registryRef } from '../webhooks/routes.js';
import { parseName } from '../webhooks/names.js';
import { loadWebhook } from './load-webhook.js';
import { deliveryRecordOf } from '../delivery/new-delivery.js';
import type { AttemptDelivery } from '../delivery/attempt-delivery.js';
import { renderEvent, type DeliveryRecord } from '../delivery/delivery-record.js';
import { DEFAULT_CONTENT_TYPE } from '../delivery/outbound-request.js';
import { sendDeps, type FollowUpDeps } from '../pipeline/follow-up.js';
import { sendAndRecord } from '../delivery/send-and-record.js';
import type { WebhookStore } from '../storage/webhook-store.js';
import { UnreadableRowsError, type DeliveryStore } from '../storage/delivery-store.js';
import type { ManagementConfig } from './management-deps.js';
import { logValue } from '../log-value.js';

export interface RedeliverEventDeps extends FollowUpDeps {
  readonly config: ManagementConfig;
  readonly webhooks: Pick<WebhookStore, 'get'>;
  readonly now: Clock;
  readonly deliveries: Pick<DeliveryStore, 'latestDelivery' | 'putDelivery'>;
  readonly attempt: AttemptDelivery;
}

/**
 * `POST .../webhooks/{webhookName}/events/{eventId}/redeliver`: sends a recorded event again, byte for
 * byte, as a new delivery with a fresh attempt history (the first attempt now; retries on the schedule).
 * Works for exhausted and failed deliveries and on disabled webhooks (the user asked for it). The
 * `webhook-id` stays the event id, so receivers that dedupe by it see a redelivery, as Standard Webhooks
 * intends.
 */
export function makeRedeliverEvent(deps: RedeliverEventDeps): HttpHandler {
  return async (request, context) => {
    const ref = registryRef(request, deps.config);
    const name = parseName('webhook', request.params['webhookName']);
    const eventId = request.params['eventId'] ?? '';
    if (!isEventId(eventId)) throw new ApiError('InvalidParameter', `The event id ${EVENT_ID_RULE}.`, 'eventId');
    const webhook = await loadWebhook(deps.webhooks, ref.registryName, name);
    const previous = await deps.deliveries.latestDelivery(ref.registryName, webhook.name, eventId).catch((err: unknown) => {
      if (!(err instanceof UnreadableRowsError)) throw err;
      throw new ApiError(
        'Conflict',
        `The delivery of event '${eventId}' to webhook '${webhook.name}' was recorded by a version of this service that this one does not read (a later one); redeliver it with that version.`,
      );
    });
    if (!previous) {
      throw new ApiError(
        'ResourceNotFound',
        `No event '${eventId}' was delivered to webhook '${webhook.name}'. List its events to see their ids.`,
      );
    }
    const now = deps.now();
    // A new row (newest first) with the same body and content type (the format it was rendered in, even if
    // the webhook's format changed since), event and webhook, and a fresh attempt history.
    const fresh: DeliveryRecord = deliveryRecordOf(
      webhook,
      { eventId, action: previous.action, image: previous.image },
      { body: previous.body, contentType: previous.contentType ?? DEFAULT_CONTENT_TYPE },
      now.getTime(),
      now.toISOString(),
    );
    const tag = `registry=${ref.registryName} event=${logValue(eventId)} action=${fresh.action}`;
    const { results } = await sendAndRecord(sendDeps(deps), {
      registry: ref.registryName,
      sends: [{ webhook, record: fresh, tag }],
      record: async ([record]) => {
        await deps.deliveries.putDelivery(ref.registryName, record!);
        return [true];
      },
      log: context,
    });
    const record = results[0]!.record;
    context.log(`redelivered: registry=${ref.registryName} webhook=${webhook.name} event=${logValue(eventId)} result=${record.state}`);
    return json(200, renderEvent(record));
  };
}
