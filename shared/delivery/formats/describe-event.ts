import type { DeliveredEvent, PlatformEntry } from '../../events/acr-event.js';
import type { FormatWebhook } from './payload-format.js';

/**
 * What a message for people says of a payload (the `slack` and `teams` formats): a title for the action,
 * labelled facts, and the time. Values are the event's own text, which the formats must show as plain text:
 * a chart name or a media type may hold anything a source sent.
 */
export interface EventSummary {
  readonly title: string;
  /** One line for notifications and previews: the title and the image. */
  readonly line: string;
  readonly facts: readonly Fact[];
  /** Present on a coalesced push: each platform as `os/architecture[/variant]`. */
  readonly platforms: readonly string[];
  readonly time: Date | undefined;
  readonly eventId: string;
}

interface Fact {
  readonly label: string;
  readonly value: string;
}

const TITLES: Readonly<Record<DeliveredEvent['action'], string>> = {
  push: 'Image pushed',
  delete: 'Image deleted',
  quarantine: 'Image quarantined',
  chart_push: 'Helm chart pushed',
  chart_delete: 'Helm chart deleted',
  ping: 'Ping',
};

/** `repository:tag`, else `repository@digest`, else the repository; a chart as `name:version`. */
function imageOf(payload: Exclude<DeliveredEvent, { action: 'ping' }>): string {
  const t = payload.target;
  if ((payload.action === 'chart_push' || payload.action === 'chart_delete') && t.name && t.version) return `${t.name}:${t.version}`;
  if (t.tag) return `${t.repository}:${t.tag}`;
  return t.digest ? `${t.repository}@${t.digest}` : t.repository;
}

const platformName = (p: PlatformEntry) =>
  p.os && p.architecture ? [p.os, p.architecture, ...(p.variant ? [p.variant] : [])].join('/') : `unknown (${p.digest})`;

function timeOf(timestamp: string): Date | undefined {
  const ms = Date.parse(timestamp);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

export function describeEvent(payload: DeliveredEvent, webhook: FormatWebhook): EventSummary {
  const title = TITLES[payload.action];
  const registry = { label: 'Registry', value: webhook.registryName };
  if (payload.action === 'ping') {
    return {
      title,
      line: `Ping from registry-webhooks: webhook ${webhook.name} of registry ${webhook.registryName} reaches this channel`,
      facts: [registry, { label: 'Webhook', value: webhook.name }],
      platforms: [],
      time: timeOf(payload.timestamp),
      eventId: payload.id,
    };
  }
  const t = payload.target;
  const image = imageOf(payload);
  const chart = payload.action === 'chart_push' || payload.action === 'chart_delete';
  const facts: Fact[] = [registry, { label: chart ? 'Chart' : 'Image', value: image }];
  if (chart && image !== t.repository) facts.push({ label: 'Repository', value: t.repository });
  if (t.digest) facts.push({ label: 'Digest', value: t.digest });
  if (t.mediaType) facts.push({ label: 'Media type', value: t.mediaType });
  if (t.tags && t.tags.length > 0) facts.push({ label: 'Tags', value: t.tags.join(', ') });
  return {
    title,
    line: `${title}: ${image} (registry ${webhook.registryName})`,
    facts,
    platforms: (t.platforms ?? []).map(platformName),
    time: timeOf(payload.timestamp),
    eventId: payload.id,
  };
}

/**
 * At most `max` characters (UTF-16 units, the stricter count; a surrogate pair is never split): longer text
 * ends in an ellipsis. Message formats bound every text field.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  for (const ch of text) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  return `${out}…`;
}
