import { acrEvent } from './acr-event.js';
import type { Candidate, InputAdapter } from './normalize.js';

/**
 * ACR-format events posted directly (Content-Type application/json): one event or an array, in the
 * shape ACR's webhooks send. They are taken as they are: the sender has already decided what they mean.
 */
function toCandidate(raw: unknown, index: number): Candidate {
  const parsed = acrEvent.safeParse(raw);
  if (parsed.success) return { kind: 'accept', index, event: parsed.data };
  const id =
    typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string' ? (raw as { id: string }).id : undefined;
  const issue = parsed.error.issues[0];
  return { kind: 'reject', index, id, message: issue ? `${issue.path.join('.') || 'event'}: ${issue.message}` : 'invalid event' };
}

export const acrAdapter: InputAdapter = {
  name: 'acr',
  accepts: (type) => /^application\/json\b/i.test(type),
  normalize(body) {
    if (Array.isArray(body)) return body.map(toCandidate);
    if (typeof body === 'object' && body !== null) return [toCandidate(body, 0)];
    return { error: 'The body must be an ACR event object or an array of them.' };
  },
};
