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

/** The body a delivery to `webhook` carries for `payload`, in the webhook's format (`acr` when it has none). */
export function renderPayload(
  webhook: FormatWebhook & { readonly payloadFormat: PayloadFormat | undefined },
  payload: DeliveredEvent,
): RenderedBody {
  return RENDERERS[webhook.payloadFormat ?? 'acr'](payload, webhook);
}
