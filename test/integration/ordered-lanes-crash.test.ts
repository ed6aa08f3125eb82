import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TableClient } from '@azure/data-tables';
import { startAzurite, type Azurite } from '../../local/azurite.js';
import { api, INGEST_KEY, MANAGEMENT_KEY } from '../helpers/service.js';
import { eventually } from '../helpers/receiver.js';
import { acrPush } from '../helpers/acr-push.js';
import { spawnStart, type StartedProcess } from '../helpers/spawn-start.js';
import { serviceBusQueueWebhook, startAmqpListener, type AmqpListener } from '../helpers/amqp-listener.js';
import { makeClaimStore } from '../../shared/storage/claim-store.js';
import { makeDeliveryStore } from '../../shared/storage/delivery-store.js';
import { Table } from '../../shared/constants.js';

/*
 * An ordered lane whose head is in flight when its process is killed (kill -9, storage lives on): the head's
 * hand-off message brings it back, the delivery worker takes its attempt and sends it again (its first
 * transfer was never answered), and the deliveries waiting behind it follow, in order of receipt, each
 * accepted once.
 */
const REGISTRY = 'ordcrash01';
let azurite: Azurite;
let broker: AmqpListener;
beforeAll(async () => {
  azurite = await startAzurite();
  broker = await startAmqpListener();
});
afterAll(async () => {
  await broker?.close();
  await azurite?.close();
});

const push = (n: number) => acrPush('ordcrash', n);

describe('an ordered lane across a crash', () => {
  it('sends the head that was in flight when its process died, then the rest of its lane, in order, each accepted once', async () => {
    const env = {
      AzureWebJobsStorage: azurite.connectionString,
      MANAGEMENT_KEYS: MANAGEMENT_KEY,
      INGEST_KEYS: INGEST_KEY,
      FANOUT_LEASE_SECONDS: '2',
      QUEUE_LEASE_SECONDS: '2',
      DELIVERY_TIMEOUT_SECONDS: '2',
      DELIVERY_QUEUE_WAIT_SECONDS: '0',
      DELIVERY_INLINE_WAIT_SECONDS: '0.5',
    };
    // The broker takes the first transfer and does not answer: the lane's head is in flight.
    broker.chaos = () => ({ delayMs: 600_000 });
    let first: StartedProcess | undefined = await spawnStart(env);
    let second: StartedProcess | undefined;
    try {
      const res = await api(first, `/registries/${REGISTRY}/webhooks/lanecrash1`, {
        method: 'PUT',
        json: serviceBusQueueWebhook(broker, 'lanes'),
      });
      expect(res.status).toBe(201);
      const events = [1, 2, 3].map(push);
      for (const e of events)
        expect((await api(first, `/registries/${REGISTRY}/events`, { method: 'POST', key: INGEST_KEY, json: e })).status).toBe(202);
      await broker.waitFor(1, 15_000);
      // Every event fanned out (its claim final), so what is left after the kill is the lane's alone.
      const table = TableClient.fromConnectionString(azurite.connectionString, Table.events, { allowInsecureConnection: true });
      const claims = makeClaimStore(table);
      await eventually(
        async () =>
          (await Promise.all(events.map((e) => claims.readClaim(REGISTRY, e.id)))).every((c) => c?.state === 'fannedout')
            ? true
            : undefined,
        15_000,
        'every event fanned out',
      );
      expect(broker.messages.map((m) => m.messageId)).toEqual([events[0]!.id]);
      first.child.kill('SIGKILL');
      await new Promise((r) => first!.child.once('exit', r));
      first = undefined;

      broker.chaos = undefined;
      second = await spawnStart(env);
      // The transfer in flight at the kill was never answered: its fate is unknown to the sender, which sends
      // it again (the same MessageId, for a broker's duplicate detection). What counts is what came after.
      const accepted = () =>
        broker.messages
          .slice(1)
          .filter((m) => m.accepted)
          .map((m) => m.messageId);
      await eventually(
        () => Promise.resolve(accepted().length >= 3 ? true : undefined),
        90_000,
        () => `3 accepted, got ${JSON.stringify(accepted())}; the log:\n${second!.output().slice(-3000)}`,
      );
      const deliveries = makeDeliveryStore(table);
      const records = await eventually(
        async () => {
          const list = await deliveries.listDeliveries(REGISTRY, 'lanecrash1', 10, undefined);
          return list.items.length === 3 && list.items.every((d) => d.state === 'succeeded') ? list.items : undefined;
        },
        30_000,
        'every record succeeded',
      );
      expect(records.map((d) => d.eventId).sort()).toEqual(events.map((e) => e.id).sort());
      expect(accepted()).toEqual(events.map((e) => e.id));
    } finally {
      first?.child.kill('SIGKILL');
      await second?.stop();
    }
  }, 150_000);
});
