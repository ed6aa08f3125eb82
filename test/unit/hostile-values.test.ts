import { describe, expect, it } from 'vitest';
import { keyPart, KEY_PART_MAX } from '../../shared/storage/key-part.js';
import { logValue, describeError } from '../../shared/log-value.js';
import { isEventId } from '../../shared/events/event-id.js';
import { Rows } from '../../shared/storage/event-keys.js';
import { parseJsonText } from '../../shared/http/read-json-body.js';
import { ApiError } from '../../shared/errors.js';
import { makePoster } from '../../shared/delivery/post-json.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../helpers/service.js';

// Table Storage: no / \ # ? or control characters in a key, at most 1 KiB.
// eslint-disable-next-line no-control-regex -- the characters Table Storage refuses
const KEY_SAFE = /^[^/\\#?\u0000-\u001f\u007f-\u009f]*$/;

describe('keyPart, the one key encoding', () => {
  it('keeps the keys encodeURIComponent made for ordinary ids (stored rows are found again)', () => {
    for (const id of ['831e1650-001e-001b-66ab-eeb76e069631', 'evt-1', "a!~*'()b", 'a b/c?d#e|f%g']) {
      expect(keyPart(id)).toBe(encodeURIComponent(id));
    }
  });

  it('encodes a lone surrogate instead of throwing, one-to-one', () => {
    expect(() => encodeURIComponent('a\ud800b')).toThrow(URIError);
    expect(keyPart('a\ud800b')).toBe('a%uD800b');
    expect(keyPart('a\udc00b')).toBe('a%uDC00b');
    expect(keyPart('a%uD800b')).toBe('a%25uD800b');
    expect(keyPart('\ud83d\ude00')).toBe(encodeURIComponent('\ud83d\ude00'));
  });

  it('bounds long multibyte strings and keeps them apart', () => {
    const a = 'é'.repeat(128);
    const b = 'é'.repeat(127) + 'è';
    expect(encodeURIComponent(a)).toHaveLength(768);
    for (const v of [a, b, '日本'.repeat(5000), '\ud800'.repeat(100_000), 'x'.repeat(1 << 20)]) {
      const k = keyPart(v);
      expect(k.length).toBeLessThanOrEqual(KEY_PART_MAX);
      expect(k).toMatch(KEY_SAFE);
    }
    expect(keyPart(a, 200)).not.toBe(keyPart(b, 200));
    expect(keyPart(a, 200)).toHaveLength(200);
    expect(keyPart(a, 200)).toContain('%~');
  });

  it('keeps every event-table key under 1 KiB for the longest valid parts', () => {
    const repo = Array.from({ length: 64 }, () => 'ab')
      .join('/')
      .slice(0, 256);
    const keys = [
      Rows.event('~'.repeat(128)),
      Rows.event('%'.repeat(128)),
      Rows.manifestTag(repo, `sha512:${'f'.repeat(128)}`, 'x'.repeat(128)),
      Rows.tag(repo, 'x'.repeat(128)),
      Rows.delivery('w'.repeat(50), Date.now(), '|'.repeat(128)),
    ];
    for (const k of keys) {
      expect(k.length).toBeLessThan(1024);
      expect(k).toMatch(KEY_SAFE);
    }
  });
});

describe('the event id grammar', () => {
  it('takes every id ACR, Event Grid, CloudEvents and the CNCF registry sent (all captured fixtures)', () => {
    const ids: string[] = [];
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(collect);
      else if (typeof value === 'object' && value !== null) {
        for (const [k, v] of Object.entries(value)) {
          if (k === 'id' && typeof v === 'string') ids.push(v);
          else collect(v);
        }
      }
    };
    const dir = join(root, 'test', 'fixtures');
    for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
      if (entry.endsWith('.json')) collect(JSON.parse(readFileSync(join(dir, entry), 'utf8')));
    }
    expect(ids.length).toBeGreaterThan(20);
    for (const id of [...ids, 'ping-1', 'a'.repeat(128)]) expect(isEventId(id), id).toBe(true);
  });

  it('refuses what cannot be a header, a key or a log field', () => {
    for (const id of ['', 'evt-日本', 'evt\r\nX-Injected: 1', 'a b', 'a\ud800b', 'é'.repeat(40), 'a'.repeat(129), 'tab\t', '\u007f']) {
      expect(isEventId(id), JSON.stringify(id)).toBe(false);
    }
  });
});

describe('logValue', () => {
  it('never lets a value start a line', () => {
    const forged = 'evt\r\n[2026-11-29T00:00:00Z] webhooks-delete: webhook deleted: registry=x\u2028y\\';
    const out = logValue(forged);
    expect(out).not.toMatch(/[\r\n\u2028\u2029]/);
    expect(out).toBe('evt\\u000d\\u000a[2026-11-29T00:00:00Z] webhooks-delete: webhook deleted: registry=x\\u2028y\\\\');
  });

  it('cuts long values and says how long they were', () => {
    expect(logValue('a'.repeat(1000), 10)).toBe('aaaaaaaaaa…(1000 chars)');
  });

  it('escapes the message of an error but keeps its stack frames', () => {
    const err = new Error('bad\nline');
    const out = describeError(err);
    expect(out.startsWith('Error: bad\\u000aline\n    at ')).toBe(true);
  });
});

describe('JSON syntax errors', () => {
  const message = (text: string) => {
    try {
      parseJsonText(text);
    } catch (err) {
      expect(err).toBeInstanceOf(ApiError);
      return (err as ApiError).message;
    }
    throw new Error('parsed');
  };

  it('say where and what was expected, never quoting the body', () => {
    const body = '{"properties": {"customHeaders": {"X-Api-Key": sk_live_4e7b}}}';
    const m = message(body);
    expect(body.indexOf('sk_live')).toBe(47);
    expect(m).toBe(
      'The request body is not valid JSON: at line 1, column 48: expected a value (string, number, object, array, true, false or null), found an unquoted word or character.',
    );
    expect(m).not.toContain('sk_live');
  });

  it('count lines and columns', () => {
    expect(message('{\n  "a": 1,\n  "b" 2\n}')).toBe(
      "The request body is not valid JSON: at line 3, column 7: expected ':' after the property name, found a number.",
    );
    expect(message('[1,]')).toContain('line 1, column 4: expected a value');
    expect(message('{"a":"secret\n"}')).toBe(
      'The request body is not valid JSON: at line 1, column 6: a string is not closed before the end of its line or of the body.',
    );
    expect(message('// x\n{}')).toBe('The request body is not valid JSON: at line 1, column 1: JSON has no comments.');
  });

  it('find the end of a 10,000-deep body without recursion', () => {
    expect(message('['.repeat(10_000))).toBe(
      "The request body is not valid JSON: at line 1, column 10001: expected a value or ']', found the end of the body.",
    );
  });
});

describe('an outbound POST always settles', () => {
  it('answers a header node refuses and a bad URL with a refusal instead of rejecting', async () => {
    const poster = makePoster({ allowPrivate: true });
    try {
      const base = { body: '{}', timeoutMs: 1000, maxResponseBytes: 100 };
      await expect(
        poster.post({ ...base, url: 'http://127.0.0.1:9/', headers: { 'webhook-id': 'evt\r\nX-Injected: 1' } }),
      ).resolves.toEqual({
        kind: 'error',
        reason: 'refused',
        message: 'the request could not be built (ERR_INVALID_CHAR)',
        durationMs: 0,
        queuedMs: expect.any(Number) as number,
      });
      await expect(poster.post({ ...base, url: 'not a url', headers: {} })).resolves.toEqual({
        kind: 'error',
        reason: 'network',
        message: 'the service URI is not a valid URL',
        durationMs: 0,
      });
    } finally {
      poster.close();
    }
  });
});
