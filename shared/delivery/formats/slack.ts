import { clip, describeEvent } from './describe-event.js';
import type { PayloadRenderer } from './payload-format.js';

/*
 * A Slack incoming-webhook message (https://api.slack.com/messaging/webhooks): `text` for notifications
 * plus Block Kit `blocks`. Every value from the event goes into `plain_text` objects, which Slack never
 * reads as markup (no mentions such as <!channel>, no links, no *bold*), with `emoji: false`. The only
 * mrkdwn is the time, which is ours (a `<!date>` of a parsed timestamp). `text` is mrkdwn-capable, so it
 * is sent with `mrkdwn: false` and its control characters escaped as Slack asks (& < >).
 * Limits (Block Kit reference): header 150 characters, a section's text 3,000, a field 2,000, at most 10
 * fields and 50 blocks.
 */
const HEADER_MAX = 150;
const FIELD_MAX = 2000;
const SECTION_MAX = 3000;
const TEXT_MAX = 3000;

const plain = (text: string, max: number) => ({ type: 'plain_text', text: clip(text, max), emoji: false });
const escapeControl = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** The platforms as one section's text, those that do not fit counted at the end. */
function platformsText(platforms: readonly string[]): string {
  const head = 'Platforms: ';
  let text = head;
  for (const [i, p] of platforms.entries()) {
    const rest = platforms.length - i - 1;
    const next = `${i > 0 ? ', ' : ''}${p}`;
    const tail = rest > 0 ? ` … and ${rest} more` : '';
    if ((text + next + tail).length > SECTION_MAX) return `${text} … and ${platforms.length - i} more`;
    text += next;
  }
  return text;
}

export const renderSlack: PayloadRenderer = (payload, webhook) => {
  const s = describeEvent(payload, webhook);
  const seconds = s.time ? Math.floor(s.time.getTime() / 1000) : undefined;
  const blocks: unknown[] = [
    { type: 'header', text: plain(s.title, HEADER_MAX) },
    {
      type: 'section',
      fields: s.facts.slice(0, 10).map((f) => plain(`${f.label}: ${f.value}`, FIELD_MAX)),
    },
  ];
  if (s.platforms.length > 0) blocks.push({ type: 'section', text: plain(platformsText(s.platforms), SECTION_MAX) });
  blocks.push({
    type: 'context',
    elements: [
      ...(s.time && seconds !== undefined
        ? [{ type: 'mrkdwn', text: `<!date^${seconds}^{date_short_pretty} at {time_secs}|${s.time.toISOString()}>` }]
        : []),
      plain(`Event ${s.eventId}`, FIELD_MAX),
    ],
  });
  const message = { text: escapeControl(clip(s.line, TEXT_MAX)), mrkdwn: false, blocks };
  return { body: JSON.stringify(message), contentType: 'application/json' };
};
