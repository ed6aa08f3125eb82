import type { DeliveredEvent } from '../../events/acr-event.js';
import type { PayloadFormat } from '../../webhooks/webhook.js';
import { renderAcr } from './acr.js';
import { renderCloudEvent } from './cloudevents.js';
import type { FormatWebhook, PayloadRenderer, RenderedBody } from './payload-format.js';
import { renderSlack } from './slack.js';
import { renderTeams } from './teams.js';

/** The one table of payload formats: a new format is one module and one line here (and its name in webhook.ts). */
const RENDERERS: Readonly<Record<PayloadFormat, PayloadRenderer>> = {
  acr: renderAcr,
  cloudevents: renderCloudEvent,
  slack: renderSlack,
  teams: renderTeams,
};

/**
 * ACR's body of each payload, serialised once: it reads nothing of the webhook, and a fan-out hands the
 * same payload object to every webhook of an event (issue 24: once per event, not once per delivery).
 */
const acrBodies = new WeakMap<DeliveredEvent, RenderedBody>();

/** The body a delivery to `webhook` carries for `payload`, in the webhook's format (`acr` when it has none). */
export function renderPayload(
  webhook: FormatWebhook & { readonly payloadFormat: PayloadFormat | undefined },
  payload: DeliveredEvent,
): RenderedBody {
  const format = webhook.payloadFormat ?? 'acr';
  if (format !== 'acr') return RENDERERS[format](payload, webhook);
  let rendered = acrBodies.get(payload);
  if (!rendered) acrBodies.set(payload, (rendered = renderAcr(payload, webhook)));
  return rendered;
}
