import { describe, expect, it } from 'vitest';
import { deliveriesMessage } from '../../shared/pipeline/messages.js';
import { Rows } from '../../shared/storage/event-keys.js';

describe('queue messages from an older deploy', () => {
  const receivedMs = Date.parse('2026-11-27T10:00:00.123Z');

  it("still parse with the write-only 'handoff' flag earlier versions wrote, which is dropped, and their row keys as DeliveryIds", () => {
    const old = {
      v: 1,
      type: 'deliveries',
      registry: 'myregistry',
      handoff: true,
      items: [{ webhook: 'Hook0001', rowKey: Rows.delivery('Hook0001', receivedMs, 'evt/1 %x'), attempt: 2 }],
    };
    expect(deliveriesMessage.parse(old)).toEqual({
      v: 2,
      type: 'deliveries',
      registry: 'myregistry',
      items: [{ webhook: 'Hook0001', eventId: 'evt/1 %x', receivedMs, attempt: 2 }],
    });
  });

  it('keep their order flag', () => {
    const old = {
      v: 1,
      type: 'deliveries',
      registry: 'myregistry',
      ordered: true,
      items: [
        { webhook: 'hook0001', rowKey: Rows.delivery('hook0001', receivedMs, 'a'), attempt: 1 },
        { webhook: 'hook0001', rowKey: Rows.delivery('hook0001', receivedMs + 1, 'b'), attempt: 1 },
      ],
    };
    expect(deliveriesMessage.parse(old).items.map((i) => i.eventId)).toEqual(['a', 'b']);
    expect(deliveriesMessage.parse(old).ordered).toBe(true);
  });

  it('are refused when a row key names no delivery of that webhook (the poison queue takes them)', () => {
    const message = (webhook: string, rowKey: string) => ({
      v: 1,
      type: 'deliveries',
      registry: 'r',
      items: [{ webhook, rowKey, attempt: 1 }],
    });
    expect(deliveriesMessage.safeParse(message('hook0001', 'del|x')).success).toBe(false);
    expect(deliveriesMessage.safeParse(message('otherhook', Rows.delivery('hook0001', receivedMs, 'a'))).success).toBe(false);
    expect(deliveriesMessage.safeParse(message('hook0001', Rows.event('a'))).success).toBe(false);
  });
});

describe('queue messages of this version', () => {
  it('name each delivery by its DeliveryId, less the registry the message names once', () => {
    const current = {
      v: 2,
      type: 'deliveries',
      registry: 'myregistry',
      items: [{ webhook: 'hook0001', eventId: 'e1', receivedMs: 1, attempt: 1 }],
    };
    expect(deliveriesMessage.parse(current)).toEqual(current);
    expect(
      deliveriesMessage.safeParse({ ...current, items: [{ webhook: 'hook0001', eventId: 'e 1', receivedMs: 1, attempt: 1 }] }).success,
    ).toBe(false);
  });
});
