import { createRequire } from 'node:module';
import type * as AdaptiveCardsModule from 'adaptivecards';

/*
 * Checks of the chat formats against what their platforms accept. Adaptive Cards: the official
 * `adaptivecards` package's parser (its UMD bundle: the package's ES modules do not load in Node), with
 * the serialization context at card version 1.4, so any element, property or value that 1.4 lacks is an
 * event. Slack: Block Kit's documented limits (api.slack.com/reference/block-kit).
 */
const AC = createRequire(import.meta.url)('adaptivecards/dist/adaptivecards.js') as typeof AdaptiveCardsModule;

interface TeamsMessage {
  type?: unknown;
  attachments?: { contentType?: unknown; content?: unknown }[];
}

/** What the Adaptive Cards 1.4 parser objects to in a Teams message's one card; empty when it takes it all. */
export function adaptiveCardProblems(message: TeamsMessage): string[] {
  const problems: string[] = [];
  if (message.type !== 'message') problems.push(`type is ${String(message.type)}, not message`);
  if (message.attachments?.length !== 1) return [...problems, 'not exactly one attachment'];
  const attachment = message.attachments[0]!;
  if (attachment.contentType !== 'application/vnd.microsoft.card.adaptive') problems.push('the attachment is not an Adaptive Card');
  const content = attachment.content as { version?: string; type?: string };
  if (content.type !== 'AdaptiveCard') problems.push('content.type is not AdaptiveCard');
  if (!content.version || !/^1\.[0-4]$/.test(content.version)) problems.push(`card version ${content.version} is not 1.4 or lower`);
  const context = new AC.SerializationContext(AC.Versions.v1_4);
  const card = new AC.AdaptiveCard();
  card.parse(content, context);
  for (let i = 0; i < context.eventCount; i++) problems.push(`parse: ${context.getEventAt(i).message}`);
  for (const event of card.validateProperties().validationEvents) problems.push(`validate: ${event.message}`);
  return problems;
}

/** The card as the parser understood it: its JSON again (unknown properties dropped). */
export function parsedCard(content: unknown): unknown {
  const context = new AC.SerializationContext(AC.Versions.v1_4);
  const card = new AC.AdaptiveCard();
  card.parse(content, context);
  return card.toJSON(context);
}

interface TextObject {
  type: string;
  text: string;
}
interface Block {
  type: string;
  text?: TextObject;
  fields?: TextObject[];
  elements?: TextObject[];
}
/** A Slack incoming-webhook message, as far as these checks read it. */
export interface SlackMessage {
  text?: unknown;
  mrkdwn?: unknown;
  blocks?: Block[];
}

const SLACK_LIMITS = { blocks: 50, header: 150, sectionText: 3000, field: 2000, fields: 10, contextElements: 10, text: 40_000 };

/** Where a Slack incoming-webhook message breaks Block Kit's limits; empty when it keeps them all. */
export function slackProblems(message: SlackMessage): string[] {
  const problems: string[] = [];
  if (typeof message.text !== 'string' || message.text.length > SLACK_LIMITS.text) problems.push('text missing or too long');
  const blocks = message.blocks ?? [];
  if (blocks.length > SLACK_LIMITS.blocks) problems.push(`${blocks.length} blocks`);
  for (const [i, b] of blocks.entries()) {
    if (b.type === 'header') {
      if (b.text?.type !== 'plain_text' || b.text.text.length > SLACK_LIMITS.header) problems.push(`block ${i}: header`);
    } else if (b.type === 'section') {
      if (!b.text && !b.fields) problems.push(`block ${i}: a section needs text or fields`);
      if (b.text && b.text.text.length > SLACK_LIMITS.sectionText) problems.push(`block ${i}: section text ${b.text.text.length}`);
      if (b.fields && b.fields.length > SLACK_LIMITS.fields) problems.push(`block ${i}: ${b.fields.length} fields`);
      for (const f of b.fields ?? []) if (f.text.length > SLACK_LIMITS.field) problems.push(`block ${i}: field ${f.text.length}`);
    } else if (b.type === 'context') {
      if (!b.elements || b.elements.length > SLACK_LIMITS.contextElements) problems.push(`block ${i}: context elements`);
    } else problems.push(`block ${i}: unexpected type ${b.type}`);
    for (const t of [b.text, ...(b.fields ?? []), ...(b.elements ?? [])])
      if (t && t.type !== 'plain_text' && t.type !== 'mrkdwn') problems.push(`block ${i}: text type ${t.type}`);
  }
  return problems;
}
