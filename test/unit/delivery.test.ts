import { describe, expect, it } from 'vitest';
import { isRetryable, isSuccess, nextDelaySeconds, type RetryPolicy } from '../../shared/delivery/retry-policy.js';
import type { PostOutcome } from '../../shared/delivery/post-json.js';
import { maskUri, outboundRequest } from '../../shared/delivery/outbound-request.js';
import { newSigningSecret, signatureHeaders } from '../../shared/delivery/signature.js';
import { Webhook } from 'standardwebhooks';

const response = (status: number, headers: Record<string, string> = {}): PostOutcome => ({
  kind: 'response',
  status,
  statusText: '',
  headers,
  body: '',
  truncated: false,
  durationMs: 1,
});
const policy: RetryPolicy = { schedule: [5, 30], maxRetryAfterSeconds: 60, jitter: 0.2 };

describe('retry policy', () => {
  it('counts only 2xx as success', () => {
    expect([200, 204, 299, 301, 304, 400, 500].map((s) => isSuccess(response(s)))).toEqual([true, true, true, false, false, false, false]);
  });
  it('retries network errors, timeouts, 408, 429 and 5xx; not refusals or other 4xx', () => {
    expect([408, 429, 500, 503, 400, 401, 404, 410, 302].map((s) => isRetryable(response(s)))).toEqual([
      true,
      true,
      true,
      true,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(isRetryable({ kind: 'error', reason: 'timeout', message: '', durationMs: 1 })).toBe(true);
    expect(isRetryable({ kind: 'error', reason: 'network', message: '', durationMs: 1 })).toBe(true);
    expect(isRetryable({ kind: 'error', reason: 'refused', message: '', durationMs: 1 })).toBe(false);
  });
  it('follows the schedule with jitter and stops when it runs out', () => {
    const now = new Date();
    expect(nextDelaySeconds(policy, 1, response(500), now, () => 0.5)).toBe(5);
    expect(nextDelaySeconds(policy, 1, response(500), now, () => 0)).toBe(4);
    expect(nextDelaySeconds(policy, 1, response(500), now, () => 1)).toBe(6);
    expect(nextDelaySeconds(policy, 2, response(500), now, () => 0.5)).toBe(30);
    expect(nextDelaySeconds(policy, 3, response(500), now, () => 0.5)).toBeUndefined();
  });
  it('honours Retry-After (seconds or a date) up to the cap', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(nextDelaySeconds(policy, 1, response(429, { 'retry-after': '20' }), now, () => 0.5)).toBe(20);
    expect(nextDelaySeconds(policy, 1, response(429, { 'retry-after': '1' }), now, () => 0.5)).toBe(5);
    expect(nextDelaySeconds(policy, 1, response(503, { 'retry-after': '9999' }), now, () => 0.5)).toBe(60);
    expect(nextDelaySeconds(policy, 1, response(503, { 'retry-after': 'Thu, 01 Jan 2026 00:00:40 GMT' }), now, () => 0.5)).toBe(40);
  });
});

describe('outbound request', () => {
  it('sends JSON with ACR’s user agent, lets custom headers override, and masks them for the record', () => {
    const r = outboundRequest({
      serviceUri: 'https://u:p@h.example/x?token=abc&b=1',
      customHeaders: { Authorization: 'Basic x', 'Content-Type': 'application/cloudevents+json' },
    });
    expect(r.headers).toEqual({
      'content-type': 'application/cloudevents+json',
      'user-agent': expect.stringMatching(/^AzureContainerRegistry\//),
      authorization: 'Basic x',
    });
    expect(r.maskedHeaders).toEqual({
      'content-type': '***',
      'user-agent': expect.stringMatching(/^AzureContainerRegistry\//),
      authorization: '***',
    });
    expect(r.maskedUri).toBe('https://***:***@h.example/x?token=***&b=***');
  });
  it('masks nothing that is not there', () => {
    expect(maskUri('https://h.example/hook')).toBe('https://h.example/hook');
  });
});

describe('signatures', () => {
  const at = new Date('2026-12-02T10:00:00.987Z');
  const bodies = ['{"id":"e1","action":"push"}', '{"tag":"vé-ü-日本-🚀"}', 'lone \ud800 surrogate', ''];

  it('are byte for byte what the reference standardwebhooks package signs, for every body and secret', () => {
    for (const secret of [newSigningSecret(), newSigningSecret(), `whsec_${Buffer.from('k').toString('base64')}`])
      for (const body of bodies)
        expect(signatureHeaders([secret], 'msg_1', at, body)['webhook-signature']).toBe(new Webhook(secret).sign('msg_1', at, body));
  });

  it('sign with each active secret, space-separated, and the reference verifier accepts them with either secret', () => {
    const [current, previous] = [newSigningSecret(), newSigningSecret()];
    const now = new Date();
    const headers = signatureHeaders([current, previous], 'msg_2', now, bodies[1]!);
    expect(headers['webhook-signature']).toBe(
      `${new Webhook(current).sign('msg_2', now, bodies[1]!)} ${new Webhook(previous).sign('msg_2', now, bodies[1]!)}`,
    );
    expect(headers['webhook-timestamp']).toBe(String(Math.floor(now.getTime() / 1000)));
    for (const secret of [current, previous]) expect(new Webhook(secret).verify(bodies[1]!, headers)).toEqual({ tag: 'vé-ü-日本-🚀' });
  });

  it('refuses a secret the reference package refuses (not base64), on every attempt', () => {
    expect(() => signatureHeaders(['whsec_***'], 'msg_3', at, '{}')).toThrow();
    expect(() => signatureHeaders(['whsec_***'], 'msg_3', at, '{}')).toThrow();
  });
});
