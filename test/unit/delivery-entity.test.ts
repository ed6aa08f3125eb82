import { describe, expect, it } from 'vitest';
import type { DeliveryRecord } from '../../shared/delivery/delivery-record.js';
import { deliveryOf, readDeliveryEntity, toDeliveryEntity } from '../../shared/storage/delivery-entity.js';

/** Azure Table Storage's limit on one string property: 64 KiB, UTF-16. */
const MAX_PROPERTY_CHARS = 32_768;

/** A delivery that keeps its body (a ping's, say) and stored the longest response body allowed, every character escaped in JSON. */
const heavy: DeliveryRecord = {
  webhook: 'heavyrow1',
  eventId: 'ev-1',
  receivedMs: Date.parse('2026-12-02T08:00:00Z'),
  action: 'ping',
  image: '',
  body: JSON.stringify({ id: 'ev-1', note: '"'.repeat(10_000) }),
  contentType: 'application/json',
  requestHeaders: { 'content-type': 'application/json', 'webhook-signature': '***' },
  requestUri: 'https://example.com/hook',
  state: 'succeeded',
  attempts: 1,
  nextAttemptAt: undefined,
  lastError: undefined,
  responseStatus: 200,
  responseReason: 'OK',
  responseHeaders: { 'content-type': 'text/html' },
  responseBody: '"'.repeat(32_000),
  durationMs: 12,
  queuedMs: undefined,
  waiting: undefined,
  createdAt: '2026-12-02T08:00:00.000Z',
  updatedAt: '2026-12-02T08:00:01.000Z',
};

describe('a delivery row as stored', () => {
  it('keeps every string property within Table Storage’s 32 K characters, even with the largest bodies full of quotes', () => {
    const entity = toDeliveryEntity('reg|00', heavy);
    const lengths = Object.entries(entity)
      .filter(([, v]) => typeof v === 'string')
      .map(([k, v]) => [k, (v as string).length] as const);
    for (const [name, length] of lengths) expect({ name, ok: length <= MAX_PROPERTY_CHARS, length }).toMatchObject({ name, ok: true });
  });

  it('reads back to the same record', () => {
    const entity = toDeliveryEntity('reg|00', heavy);
    expect(deliveryOf(readDeliveryEntity(entity)!, undefined)).toEqual(
      Object.fromEntries(Object.entries(heavy).filter(([, v]) => v !== undefined)),
    );
  });
});

describe('a delivery row of the compact layout', () => {
  const without = (r: DeliveryRecord) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined));
  /** Written and read back as storage would give it (its properties through JSON). */
  const readBack = (r: DeliveryRecord) =>
    deliveryOf(readDeliveryEntity(JSON.parse(JSON.stringify(toDeliveryEntity('reg|00', r))))!, undefined);

  it('reads back every field: a name with capitals, not sent yet, a wait, an error, an empty reason, a format that reads the registry', () => {
    const records: DeliveryRecord[] = [
      {
        ...heavy,
        webhook: 'HeavyRow1',
        requestHeaders: {},
        responseHeaders: {},
        responseBody: '',
        state: 'pending',
        attempts: 0,
        updatedAt: heavy.createdAt,
      },
      { ...heavy, waiting: 'connections to the endpoint busy', nextAttemptAt: '2026-12-02T08:00:05.000Z', queuedMs: 0 },
      { ...heavy, lastError: 'the request could not be sent (ECONNREFUSED)', responseStatus: undefined, responseReason: '' },
      ...['reg', 'Reg'].map((registryName) => ({
        ...heavy,
        bodyFrom: { format: 'slack' as const, webhook: { registryName, subscriptionId: 's', resourceGroup: 'g', location: 'l' } },
      })),
    ];
    for (const r of records) {
      // A body rendered again from the event's row needs that row (stored-bodies.test.ts): here, how it is rendered.
      if (r.bodyFrom)
        expect(readDeliveryEntity(JSON.parse(JSON.stringify(toDeliveryEntity('reg|00', r))))!.fields.bodyFrom).toEqual(r.bodyFrom);
      else expect(readBack(r)).toEqual(without(r));
    }
    // A registry's name the partition key spells is not kept.
    expect(records.slice(-2).map((r) => (JSON.parse(toDeliveryEntity('reg|00', r)['record'] as string) as unknown[])[2])).toEqual([
      ['slack', null, 's', 'g', 'l'],
      ['slack', 'Reg', 's', 'g', 'l'],
    ]);
    // Not sent yet: no attempts, update or response body kept (they read as 0, createdAt and '').
    expect(
      Object.keys(toDeliveryEntity('reg|00', records[0]!)).filter((k) => toDeliveryEntity('reg|00', records[0]!)[k] !== undefined),
    ).toEqual(['partitionKey', 'rowKey', 'eventId', 'state', 'createdAt', 'body', 'record']);
  });

  it('keeps no webhook when the row key has it, and only the headers’ timestamp when the template rebuilds them', () => {
    const signed = {
      ...heavy,
      requestHeaders: {
        'content-type': 'application/json',
        'user-agent': 'AzureContainerRegistry/1.0 registry-webhooks/0.1',
        'webhook-id': 'ev-1',
        'webhook-timestamp': '1796209168',
        'webhook-signature': '***',
      },
    };
    // [2, requestUri, bodyFrom (none: it keeps its body), requestHeaders, …, action, image], and no webhook after them.
    const record = JSON.parse(toDeliveryEntity('reg|00', signed)['record'] as string) as unknown[];
    expect(record.slice(0, 4)).toEqual([2, 'https://example.com/hook', null, [1, 1796209168]]);
    expect(record.slice(-3)).toEqual(['application/json', 'ping', '']);
    expect(readBack(signed)).toEqual(without(signed));
  });
});
