import { clip, describeEvent } from './describe-event.js';
import type { PayloadRenderer } from './payload-format.js';

/*
 * A message with one Adaptive Card attachment, the body a Teams Workflows flow "Post to a channel when a
 * webhook request is received" takes as it is (`type: message`, `attachments[0].contentType`
 * application/vnd.microsoft.card.adaptive, `content` the card). The card is version 1.4 (Teams supports up
 * to 1.5 on desktop; 1.4 on every client). TextBlock and FactSet values are markdown in Teams, so every
 * value from the event is a `TextRun` of a RichTextBlock, which Adaptive Cards never read as markdown:
 * `[x](javascript:…)`, `**`, `<at>` stay text. Only the title, which is ours, is a TextBlock.
 */
const CARD_VERSION = '1.4';
const VALUE_MAX = 2000;

const run = (text: string, style: Record<string, unknown> = {}) => ({ type: 'TextRun', text: clip(text, VALUE_MAX), ...style });

export const renderTeams: PayloadRenderer = (payload, webhook) => {
  const s = describeEvent(payload, webhook);
  const body: unknown[] = [
    { type: 'TextBlock', text: s.title, weight: 'Bolder', size: 'Medium', wrap: true },
    // One fact a line, close together, as a FactSet would lay them out.
    ...s.facts.map((f) => ({
      type: 'RichTextBlock',
      spacing: 'Small',
      inlines: [run(`${f.label}: `, { weight: 'Bolder' }), run(f.value)],
    })),
  ];
  if (s.platforms.length > 0)
    body.push({
      type: 'RichTextBlock',
      spacing: 'Small',
      inlines: [run('Platforms: ', { weight: 'Bolder' }), run(s.platforms.join(', '))],
    });
  body.push({
    type: 'RichTextBlock',
    inlines: [run(`${s.time ? `${s.time.toISOString()} · ` : ''}event ${s.eventId}`, { isSubtle: true, size: 'Small' })],
  });
  const message = {
    type: 'message',
    summary: clip(s.line, 250),
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: CARD_VERSION, body },
      },
    ],
  };
  return { body: JSON.stringify(message), contentType: 'application/json' };
};
