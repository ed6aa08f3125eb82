import type { DequeuedMessageItem } from '@azure/storage-queue';

/**
 * A message as the host hands it to a function: base64-decoded (host.json `messageEncoding`), then
 * JSON-parsed when it parses (a string otherwise). `text` is the decoded text, the host's `queueTrigger`.
 */
export function decodeMessage(
  message: DequeuedMessageItem,
  encoding: 'base64' | 'none',
): { text: string; body: unknown } | { error: string } {
  let text = message.messageText;
  if (encoding === 'base64') {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return { error: 'message is not base64 (host.json messageEncoding is base64)' };
    text = Buffer.from(text, 'base64').toString('utf8');
  }
  return { text, body: parseBody(text) };
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
