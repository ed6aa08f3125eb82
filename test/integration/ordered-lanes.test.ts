import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, INGEST_KEY, startService, type TestService } from '../helpers/service.js';
import { drained } from '../helpers/drained.js';
import { eventually } from '../helpers/receiver.js';
import { serviceBusQueueWebhook, startAmqpListener, type AmqpListener } from '../helpers/amqp-listener.js';

/*
 * Issue 22's order per repository: one repository's events reach an ordered destination (a Service Bus
 * queue through the official SDK, against the AMQP listener) in order of receipt, one at a time, even when
 * the broker is slow and refuses transfers at random; other repositories do not wait for it.
 */
let svc: TestService;
let broker: AmqpListener;
beforeAll(async () => {
  broker = await startAmqpListener();
  svc = await startService({ DELIVERY_RETRY_SCHEDULE: Array(12).fill('1').join(','), DELIVERY_TIMEOUT_SECONDS: '5' });
});
afterAll(async () => {
  await svc?.close();
  await broker?.close();
});

const REPOSITORIES = 10;
const EVENTS = 200;

function push(n: number) {
  return {
    id: `ordered-${n}-${Date.now()}`,
    timestamp: new Date().toISOString(),
    action: 'push',
    target: {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 524,
      digest: `sha256:${'c'.repeat(64)}`,
      repository: `repo${n % REPOSITORIES}`,
      tag: `v${n}`,
    },
  };
}

describe('an ordered destination', () => {
  it('gets 200 events across 10 repositories in order of receipt per repository, none missing, from a broker that delays and refuses at random', async () => {
    const res = await api(svc, '/registries/ordreg001/webhooks/ordered01', {
      method: 'PUT',
      json: serviceBusQueueWebhook(broker, 'ordered'),
    });
    expect(res.status).toBe(201);
    // Slow, and one transfer in five refused as a busy broker would.
    let refusals = 0;
    broker.chaos = () => {
      const refuse = Math.random() < 0.2;
      if (refuse) refusals++;
      return {
        delayMs: Math.floor(Math.random() * 40),
        ...(refuse ? { error: { condition: 'com.microsoft:server-busy', description: 'The server is busy.' } } : {}),
      };
    };
    const events = Array.from({ length: EVENTS }, (_, n) => push(n));
    // In order of receipt: 20 requests of 10 events, one after another.
    for (let i = 0; i < EVENTS; i += 10) {
      const r = await api(svc, '/registries/ordreg001/events', { method: 'POST', key: INGEST_KEY, json: events.slice(i, i + 10) });
      expect(r.status).toBe(202);
    }
    const accepted = () => broker.messages.filter((m) => m.accepted);
    await eventually(
      () => Promise.resolve(accepted().length >= EVENTS ? true : undefined),
      120_000,
      () => `${accepted().length} of ${EVENTS} accepted`,
    );
    await drained(svc.azurite.connectionString, 60_000);
    expect(refusals).toBeGreaterThan(10);

    const got = accepted();
    expect(got).toHaveLength(EVENTS); // none twice
    for (let r = 0; r < REPOSITORIES; r++) {
      const sent = got.filter((m) => m.groupId === `ordreg001/repo${r}`).map((m) => m.messageId);
      const expected = events.filter((e) => e.target.repository === `repo${r}`).map((e) => e.id);
      expect(sent).toEqual(expected);
    }
  }, 180_000);
});
