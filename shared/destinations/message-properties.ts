import type { OutboundMessage } from '../delivery/destination.js';

/** Headers of a POST that a message carries otherwise: its content type is a property of its own, the User-Agent none. */
const NOT_APPLICATION_PROPERTIES = new Set(['content-type', 'user-agent']);

/**
 * A broker message's application properties: the headers a webhook's POST would carry (the Standard
 * Webhooks signature headers and the custom headers), as they are or masked for the record.
 */
export function applicationProperties(message: OutboundMessage, masked: boolean): Record<string, string> {
  const headers = masked ? message.request.maskedHeaders : message.request.headers;
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !NOT_APPLICATION_PROPERTIES.has(name)));
}

/** The body's content type: application/json unless a custom header says otherwise. */
export function contentType(message: OutboundMessage): string {
  return message.request.headers['content-type'] ?? 'application/json';
}
