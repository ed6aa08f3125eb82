import { describe, expect, it } from 'vitest';
import { deliveriesMessage } from '../../shared/pipeline/messages.js';

describe('queue messages from an older deploy', () => {
  it("still parse with the write-only 'handoff' flag earlier versions wrote, which is dropped", () => {
    const old = {
      v: 1,
      type: 'deliveries',
      registry: 'myregistry',
      handoff: true,
      items: [{ webhook: 'hook0001', rowKey: 'del|x', attempt: 2 }],
    };
    expect(deliveriesMessage.parse(old)).toEqual({
      v: 1,
      type: 'deliveries',
      registry: 'myregistry',
      items: [{ webhook: 'hook0001', rowKey: 'del|x', attempt: 2 }],
    });
  });
});
