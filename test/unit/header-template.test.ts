import { describe, expect, it } from 'vitest';
import { outboundRequest, USER_AGENT } from '../../shared/delivery/outbound-request.js';
import { signatureHeaders } from '../../shared/delivery/signature.js';
import { headersOf, storedHeaders, storedHeadersOf } from '../../shared/storage/header-template.js';
import { headersOfLines, linesOf, storedLines } from '../../shared/storage/header-lines.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const AT = new Date('2026-12-02T10:59:28.937Z');

/** The masked headers a delivery of `eventId` records, as outboundRequest builds them. */
function recorded(customHeaders: Record<string, string>, opts: { signed?: boolean; contentType?: string; eventId?: string } = {}) {
  const eventId = opts.eventId ?? 'ev-1';
  const extra = opts.signed === false ? {} : signatureHeaders([SECRET], eventId, AT, '{}');
  return outboundRequest({ serviceUri: 'https://example.com/hook', customHeaders }, extra, opts.contentType).maskedHeaders;
}

/** Kept as a row keeps it (JSON, read back through the schema), then rebuilt: entries and their order. */
function roundTrip(headers: Readonly<Record<string, string>>, record: { eventId: string; contentType?: string }) {
  const stored = storedHeadersOf(headers, record);
  const read = storedHeaders.parse(JSON.parse(JSON.stringify(stored)));
  return { stored, entries: Object.entries(headersOf(read, record)) };
}

describe('a delivery’s request headers as a row keeps them', () => {
  it('a signed delivery keeps only its timestamp, and reads back the same headers in the same order', () => {
    const headers = recorded({});
    const { stored, entries } = roundTrip(headers, { eventId: 'ev-1' });
    // Fails when our User-Agent changes: add template 2 for it (header-template.ts), or rows keep their headers whole.
    expect(stored).toEqual([1, Math.floor(AT.getTime() / 1000)]);
    expect(entries).toEqual([
      ['content-type', 'application/json'],
      ['user-agent', USER_AGENT],
      ['webhook-id', 'ev-1'],
      ['webhook-timestamp', String(Math.floor(AT.getTime() / 1000))],
      ['webhook-signature', '***'],
    ]);
  });

  it('an unsigned delivery, custom headers (one overriding the content type, one named like a number) and a format’s content type', () => {
    const cases = [
      { headers: recorded({}, { signed: false, eventId: 'ev-2' }), record: { eventId: 'ev-2' }, template: [1, null] },
      {
        headers: recorded(
          { Authorization: 'Basic c2VjcmV0', 'X-Team': 'a' },
          { contentType: 'application/cloudevents+json', eventId: 'ev-3' },
        ),
        record: { eventId: 'ev-3', contentType: 'application/cloudevents+json' },
        template: [1, Math.floor(AT.getTime() / 1000), 'authorization', 'x-team'],
      },
      {
        headers: recorded({ 'Content-Type': 'text/plain', 'User-Agent': 'mine', '123': 'x' }, { signed: false }),
        record: { eventId: 'ev-4' },
        template: [1, null, '123', 'content-type', 'user-agent'],
      },
    ];
    for (const c of cases) {
      const { stored, entries } = roundTrip(c.headers, c.record);
      expect(stored).toEqual(c.template);
      expect(entries).toEqual(Object.entries(c.headers));
    }
  });

  it('keeps whole what the template does not rebuild exactly', () => {
    const whole = [
      // Another User-Agent (ours changed after the template was made): the row shows what was sent.
      { headers: { ...recorded({}), 'user-agent': 'AzureContainerRegistry/1.0 registry-webhooks/0.2' }, record: { eventId: 'ev-1' } },
      // A webhook-id that is not the event's, a timestamp that is not a plain number, another order.
      { headers: recorded({}, { eventId: 'other' }), record: { eventId: 'ev-1' } },
      { headers: { ...recorded({}), 'webhook-timestamp': '017' }, record: { eventId: 'ev-1' } },
      { headers: Object.fromEntries(Object.entries(recorded({})).reverse()), record: { eventId: 'ev-1' } },
      // A content type other than the record's; a Service Bus message's properties.
      { headers: recorded({}), record: { eventId: 'ev-1', contentType: 'application/cloudevents+json' } },
      { headers: { MessageId: 'ev-1', SessionId: 'reg/repo', ContentType: 'application/json' }, record: { eventId: 'ev-1' } },
    ];
    for (const c of whole) {
      const { stored, entries } = roundTrip(c.headers, c.record);
      expect(Array.isArray(stored)).toBe(false);
      expect(entries).toEqual(Object.entries(c.headers));
    }
  });
});

describe('a header map as a compact row keeps it', () => {
  /** Kept, through JSON, and read back: entries and their order. */
  const roundTrip = (headers: Record<string, string>) => {
    const stored = linesOf(headers);
    return { stored, entries: Object.entries(headersOfLines(storedLines.parse(JSON.parse(JSON.stringify(stored))))) };
  };

  it('as `name:value` lines, read back the same in the same order: colons and spaces in values, empty values, names like numbers or __proto__', () => {
    const headers = JSON.parse(
      '{"content-type":"text/plain","date":"Wed, 02 Dec 2026 10:59:28 GMT","x-empty":"","x-url":" http://a:1/b ","404":"n","__proto__":"p"}',
    ) as Record<string, string>;
    const { stored, entries } = roundTrip(headers);
    expect(stored).toBe('404:n\ncontent-type:text/plain\ndate:Wed, 02 Dec 2026 10:59:28 GMT\nx-empty:\nx-url: http://a:1/b \n__proto__:p');
    expect(entries).toEqual(Object.entries(headers));
  });

  it('as an object when lines would not read back: a colon in a name, a line break in a name or a value', () => {
    for (const headers of [{ 'a:b': 'c' }, { 'a\nb': 'c' }, { a: 'b\nc' }, { a: 'b', c: 'd\n' }]) {
      const { stored, entries } = roundTrip(headers);
      expect(stored).toEqual(headers);
      expect(entries).toEqual(Object.entries(headers));
    }
  });
});
