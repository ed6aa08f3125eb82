import { z } from 'zod';
import type { Candidate, InputAdapter } from './normalize.js';
import { systemEventCandidate } from './acr-system-events.js';

/*
 * CloudEvents 1.0 in the JSON format (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/formats/json-format.md),
 * as Event Grid delivers them to a webhook subscribed with the CloudEvents schema: structured mode
 * (application/cloudevents+json, one event) or batched (application/cloudevents-batch+json, an array).
 * Binary mode (ce-* headers) is not something Event Grid sends to webhooks, so it is not read.
 */
const cloudEvent = z.object({
  specversion: z.literal('1.0', { error: 'specversion must be "1.0"' }),
  id: z.string().min(1).max(256),
  source: z.string().min(1),
  type: z.string().min(1).max(256),
  subject: z.string().optional(),
  time: z.string().optional(),
  datacontenttype: z.string().optional(),
  data: z.unknown().optional(),
});

function toCandidate(raw: unknown, index: number): Candidate {
  const parsed = cloudEvent.safeParse(raw);
  if (!parsed.success) {
    const id = typeof (raw as { id?: unknown } | null)?.id === 'string' ? (raw as { id: string }).id : undefined;
    const issue = parsed.error.issues[0];
    return { kind: 'reject', index, id, message: issue ? `${issue.path.join('.') || 'event'}: ${issue.message}` : 'invalid event' };
  }
  const e = parsed.data;
  return systemEventCandidate(index, { id: e.id, type: e.type, time: e.time, data: e.data });
}

export const cloudEventsAdapter: InputAdapter = {
  name: 'cloudevents',
  // What an Event Grid topic answers: @azure/eventgrid's publisher takes only a 200; Event Grid's delivery any 2xx.
  acceptedStatus: 200,
  accepts: (type) => /^application\/cloudevents(-batch)?\+json\b/i.test(type),
  // A batch (application/cloudevents-batch+json) is an array, a structured event one object.
  normalize(body) {
    if (Array.isArray(body)) return body.map(toCandidate);
    if (typeof body !== 'object' || body === null) {
      return {
        error: 'The body must be a CloudEvent (application/cloudevents+json) or an array of them (application/cloudevents-batch+json).',
      };
    }
    return [toCandidate(body, 0)];
  },
};
