import { z } from 'zod';
import type { Candidate, InputAdapter, RequestHeaders } from './normalize.js';
import { systemEventCandidate } from './acr-system-events.js';

/*
 * Event Grid schema deliveries (https://learn.microsoft.com/azure/event-grid/event-schema): a JSON array
 * of events, Content-Type application/json, header `aeg-event-type: Notification`, or
 * `SubscriptionValidation` for the handshake that proves we asked for the events
 * (https://learn.microsoft.com/azure/event-grid/webhook-event-delivery): one
 * `Microsoft.EventGrid.SubscriptionValidationEvent` whose `data.validationCode` is echoed back as
 * `{"validationResponse": code}` with a 200.
 */
const VALIDATION_EVENT_TYPE = 'Microsoft.EventGrid.SubscriptionValidationEvent';

const eventGridEvent = z.object({
  id: z.string().min(1).max(256),
  eventType: z.string().min(1).max(256),
  subject: z.string().max(1024),
  eventTime: z.string().optional(),
  data: z.unknown(),
  dataVersion: z.string(),
  topic: z.string().optional(),
  metadataVersion: z.string().optional(),
});

const validationData = z.object({ validationCode: z.string().min(1).max(1024), validationUrl: z.string().optional() });

const hasShape = (item: unknown): boolean =>
  typeof item === 'object' &&
  item !== null &&
  typeof (item as { eventType?: unknown }).eventType === 'string' &&
  typeof (item as { dataVersion?: unknown }).dataVersion === 'string' &&
  'data' in item;

function toCandidate(raw: unknown, index: number): Candidate {
  const parsed = eventGridEvent.safeParse(raw);
  if (!parsed.success) {
    const id = typeof (raw as { id?: unknown } | null)?.id === 'string' ? (raw as { id: string }).id : undefined;
    const issue = parsed.error.issues[0];
    return { kind: 'reject', index, id, message: issue ? `${issue.path.join('.') || 'event'}: ${issue.message}` : 'invalid event' };
  }
  const e = parsed.data;
  return systemEventCandidate(index, { id: e.id, type: e.eventType, time: e.eventTime, data: e.data });
}

export const eventGridAdapter: InputAdapter = {
  name: 'eventgrid',
  // What an Event Grid topic answers: @azure/eventgrid's publisher takes only a 200; Event Grid's delivery any 2xx.
  acceptedStatus: 200,
  accepts: (type) => /^application\/json\b/i.test(type),
  // Event Grid always sends aeg-event-type; a publisher posting Event Grid events itself (the SDK) does not.
  recognizes: (body: unknown, headers?: RequestHeaders) =>
    (headers?.get('aeg-event-type') ?? null) !== null || (Array.isArray(body) && body.some(hasShape)),
  validation(body, headers) {
    const items: unknown[] = Array.isArray(body) ? body : [];
    const event = items.find(
      (e): e is { data: unknown } =>
        typeof e === 'object' && e !== null && (e as { eventType?: unknown }).eventType === VALIDATION_EVENT_TYPE,
    );
    if (event) {
      const data = validationData.safeParse(event.data);
      return data.success
        ? { validationResponse: data.data.validationCode }
        : { error: `A ${VALIDATION_EVENT_TYPE} needs data.validationCode.` };
    }
    if (headers?.get('aeg-event-type')?.toLowerCase() === 'subscriptionvalidation') {
      return { error: `aeg-event-type is SubscriptionValidation but the body has no ${VALIDATION_EVENT_TYPE}.` };
    }
    return undefined;
  },
  normalize(body) {
    if (!Array.isArray(body)) return { error: 'An Event Grid delivery must be a JSON array of events.' };
    return body.map(toCandidate);
  },
};
