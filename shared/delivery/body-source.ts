import { z } from 'zod';
import { acrEvent, imageOf, type AcrEvent } from '../events/acr-event.js';
import { acrPayload } from '../events/acr-payload.js';
import { PAYLOAD_FORMATS, type PayloadFormat } from '../webhooks/webhook.js';
import type { FormatWebhook } from './formats/payload-format.js';
import { renderPayload } from './formats/render-payload.js';

/*
 * An event's body is stored once, in its `evt|` row, not once per delivery (issue 24). A delivery whose
 * body is its event's own payload (acrPayload) rendered in its webhook's format keeps, instead of the body,
 * how to render it again: the format, and what the format reads of the webhook besides its name (which the
 * row has). That gives the same bytes, signature included, because
 * - every renderer is a pure function of the payload and those fields: no clock (a CloudEvent's `time`, a
 *   Slack date and a Teams card's time come from the event's timestamp), no randomness, and objects built
 *   in a fixed key order before JSON.stringify;
 * - the payload is the same, key order included: the fan-out leaves the body out only when the event row
 *   holds exactly JSON.stringify of the event it rendered from (fan-out.ts), and here that JSON is parsed,
 *   checked with zod, and used as parsed (zod's output would put the keys in its schema's order);
 * - the renderers' bytes never change for a `bodyFrom` that rows already hold, across versions too: a row
 *   is rendered again by whatever version reads it for as long as it is kept. Their digests are pinned
 *   (test/unit/payload-formats.test.ts); a change of bytes that is wanted needs a new `bodyFrom` encoding,
 *   one this version's reader refuses (compact-record.ts reads only the shapes it knows, so such a row is
 *   one it does not read, not one it renders wrongly), and the old renderer kept for rows in the old one.
 * What no event row reproduces keeps its body: a coalesced push (its platforms come from the index), a ping,
 * a redelivery (its row can outlive the event's), the end of a multi-arch hold window.
 */

/** How a delivery's body is rendered again from its event's row (a `del|` row's `bodyFrom`, as JSON). */
export const bodySource = z.object({
  format: z.enum(PAYLOAD_FORMATS),
  /** What a format other than `acr` reads of the webhook: cloudevents the registry's ARM id and region, slack and teams its name. */
  webhook: z.object({ registryName: z.string(), subscriptionId: z.string(), resourceGroup: z.string(), location: z.string() }).optional(),
});
export type BodySource = z.infer<typeof bodySource>;

/** How the body `webhook`'s format renders from an event is rendered again. */
export function bodySourceOf(webhook: FormatWebhook & { readonly payloadFormat: PayloadFormat | undefined }): BodySource {
  const format = webhook.payloadFormat ?? 'acr';
  if (format === 'acr') return { format };
  const { registryName, subscriptionId, resourceGroup, location } = webhook;
  return { format, webhook: { registryName, subscriptionId, resourceGroup, location } };
}

/** ACR's payload reads nothing of the webhook (renderAcr): its source keeps none. */
const NOTHING_READ = { registryName: '', subscriptionId: '', resourceGroup: '', location: '' };

/** What a delivery without a body gets back from its event's row: the body as sent, and the event's action and image. */
interface RenderedAgain {
  readonly body: string;
  readonly action: string;
  readonly image: string;
}

/**
 * The body a delivery to webhook `webhookName` sent, rendered again from its event's row (`eventJson`, the
 * row's `payload`), with the action and image its record shows; undefined when that JSON is not an event.
 */
export function renderFromEvent(eventJson: string, source: BodySource, webhookName: string): RenderedAgain | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(eventJson) as unknown;
  } catch {
    return undefined;
  }
  if (!acrEvent.safeParse(parsed).success) return undefined;
  // As parsed, not zod's output: the keys stay in the order the event was sent with.
  const payload = acrPayload(parsed as AcrEvent);
  const webhook = { ...(source.webhook ?? NOTHING_READ), name: webhookName, payloadFormat: source.format };
  return { body: renderPayload(webhook, payload).body, action: payload.action, image: imageOf(payload) };
}
