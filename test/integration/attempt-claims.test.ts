import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueClient } from '@azure/storage-queue';
import { TableClient } from '@azure/data-tables';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';
import { api, startService, type TestService } from '../helpers/service.js';
import type { DeliveryRecord } from '../../shared/delivery/delivery-record.js';
import { deliveryRecordOf } from '../../shared/delivery/new-delivery.js';
import { deliveryKeys } from '../../shared/storage/event-keys.js';
import { Queue, Table } from '../../shared/constants.js';

/*
 * The delivery worker takes an attempt (an ETag-conditional write) before it sends it: two messages for
 * one attempt (an ordered lane's release and its re-check, a hand-off and a retry) read at once send it
 * once, and an attempt another worker holds is looked at again once that hold runs out, not dropped.
 */
const REGISTRY = 'claimsreg';

/** A delivery before its first attempt, as the fan-out makes one (new-delivery.ts). */
function pendingRecord(webhook: string, eventId: string, serviceUri: string): DeliveryRecord {
  const body = JSON.stringify({ id: eventId, action: 'push', target: { repository: 'app', tag: 'v1' } });
  const rendered = { body, contentType: 'application/json' };
  return deliveryRecordOf(
    { name: webhook, serviceUri },
    { eventId, action: 'push', image: 'app:v1' },
    rendered,
    Date.now(),
    new Date().toISOString(),
  );
}

describe('each attempt taken before it is sent', () => {
  let rx: Receiver;
  let svc: TestService;
  let table: TableClient;
  beforeAll(async () => {
    rx = await startReceiver();
    svc = await startService();
    table = TableClient.fromConnectionString(svc.azurite.connectionString, Table.events, { allowInsecureConnection: true });
  });
  afterAll(async () => {
    await svc.close();
    await rx.close();
  });

  async function webhook(name: string): Promise<string> {
    const serviceUri = `${rx.url}/${name}`;
    const res = await api(svc, `/registries/${REGISTRY}/webhooks/${name}`, {
      method: 'PUT',
      json: { location: 'westus', properties: { serviceUri, actions: ['push'] } },
    });
    expect(res.status).toBe(201);
    return serviceUri;
  }

  /** Four pending deliveries to a new webhook `name`, stored as a recover page finds them (received in turn from `baseMs`). */
  async function pageOf(name: string, baseMs: number): Promise<DeliveryRecord[]> {
    const serviceUri = await webhook(name);
    const records = [1, 2, 3, 4].map((i) => ({ ...pendingRecord(name, `${name}-${i}`, serviceUri), receivedMs: baseMs + i }));
    await svc.deps.deliveries.putDeliveries(REGISTRY, records);
    return records;
  }

  /** Queues the deliveries as recover queues a page: one ordered message, their first attempts in order. */
  const queuePage = (records: readonly DeliveryRecord[]) =>
    svc.deps.deliveryQueue.reserveOrdered(
      REGISTRY,
      records.map((r) => ({ webhook: r.webhook, eventId: r.eventId, receivedMs: r.receivedMs, attempt: 1 })),
      0,
    );

  /** The record's final state (no longer pending), with the delivery queue drained and no background work left. */
  async function settled(record: DeliveryRecord): Promise<DeliveryRecord> {
    const queue = new QueueClient(svc.azurite.connectionString, Queue.deliveries);
    return eventually(
      async () => {
        const now = await svc.deps.deliveries.getDelivery({ registry: REGISTRY, ...record });
        if (!now || now.state === 'pending' || svc.deps.background.running.size > 0) return undefined;
        const props = await queue.getProperties();
        return (props.approximateMessagesCount ?? 0) === 0 ? now : undefined;
      },
      20_000,
      () => `the delivery recorded final and the delivery queue drained; the log:\n${svc.logs.slice(-15).join('\n')}`,
    );
  }

  it('sends an attempt once when two messages for it are read at the same moment', async () => {
    const serviceUri = await webhook('claimtwice');
    const record = pendingRecord('claimtwice', 'claim-twice-1', serviceUri);
    await svc.deps.deliveries.putDelivery(REGISTRY, record);
    // The receiver answers only after a second: a second worker that read the record pending meanwhile would send too.
    let release!: () => void;
    rx.answer = { status: 200, body: 'ok', hold: new Promise<void>((r) => (release = r)) };
    const ref = { webhook: 'claimtwice', eventId: record.eventId, receivedMs: record.receivedMs, attempt: 1 };
    await Promise.all([svc.deps.deliveryQueue.schedule(REGISTRY, [ref], 0), svc.deps.deliveryQueue.schedule(REGISTRY, [ref], 0)]);
    await rx.waitFor(1, 10_000, '/claimtwice');
    // Both messages were received (each stays, invisible, while its worker runs; a worker refused the attempt
    // finishes at once and deletes its message), then the answer goes.
    const queue = new QueueClient(svc.azurite.connectionString, Queue.deliveries);
    await eventually(
      async () => ((await queue.peekMessages()).peekedMessageItems.length === 0 ? true : undefined),
      10_000,
      'both messages received',
    );
    release();
    rx.answer = { status: 200, body: 'ok' };
    const final = await settled(record);
    expect(final.state).toBe('succeeded');
    expect(final.attempts).toBe(1);
    expect(rx.forPath('/claimtwice')).toHaveLength(1);
  });

  it('acts once on a delivery a message names twice (a hand-written message), and still sends the others in it', async () => {
    const uris = [await webhook('claimdup1'), await webhook('claimdup2')];
    const records = ['claimdup1', 'claimdup2'].map((name, i) => ({
      ...pendingRecord(name, 'claim-dup-1', uris[i]!),
      receivedMs: 1_700_000_000_300,
    }));
    await svc.deps.deliveries.putDeliveries(REGISTRY, records);
    const [one, two] = records.map((r) => ({ webhook: r.webhook, eventId: r.eventId, receivedMs: r.receivedMs, attempt: 1 }));
    // One event, so one shard: a transaction naming a row twice would be refused whole.
    await svc.deps.deliveryQueue.schedule(REGISTRY, [one!, one!, two!], 0);
    for (const record of records) expect((await settled(record)).state).toBe('succeeded');
    expect(rx.forPath('/claimdup1')).toHaveLength(1);
    expect(rx.forPath('/claimdup2')).toHaveLength(1);
  });

  it('looks again at an attempt another worker holds once the hold runs out, and sends it then, once', async () => {
    const serviceUri = await webhook('claimheld');
    const record = pendingRecord('claimheld', 'claim-held-1', serviceUri);
    await svc.deps.deliveries.putDelivery(REGISTRY, record);
    // Another worker took the attempt and died with it: its hold lasts two more seconds.
    const heldUntil = Date.now() + 2_000;
    await table.updateEntity(
      { ...deliveryKeys({ registry: REGISTRY, ...record }), sendingUntil: new Date(heldUntil).toISOString() },
      'Merge',
    );
    const ref = { webhook: 'claimheld', eventId: record.eventId, receivedMs: record.receivedMs, attempt: 1 };
    await svc.deps.deliveryQueue.schedule(REGISTRY, [ref], 0);
    await eventually(
      () =>
        Promise.resolve(
          svc.logs.some((l) => l.includes('attempt held by another worker') && l.includes('webhook=claimheld')) ? true : undefined,
        ),
      10_000,
      'the message seen and put back',
    );
    expect(rx.forPath('/claimheld')).toHaveLength(0);
    const [sent] = await rx.waitFor(1, 10_000, '/claimheld');
    expect(sent!.at).toBeGreaterThanOrEqual(heldUntil);
    const final = await settled(record);
    expect(final.state).toBe('succeeded');
    expect(rx.forPath('/claimheld')).toHaveLength(1);
  });

  it('takes the attempts of 150 deliveries of one event (one shard, two transactions) once: a second worker with the same reads is refused all', async () => {
    const records = Array.from({ length: 150 }, (_, i) => ({
      ...pendingRecord(`bulkhook${String(i).padStart(3, '0')}`, 'claim-bulk-1', `${rx.url}/bulk`),
      receivedMs: 1_700_000_000_000,
    }));
    await svc.deps.deliveries.putDeliveries(REGISTRY, records);
    const ids = records.map((r) => ({ registry: REGISTRY, webhook: r.webhook, eventId: r.eventId, receivedMs: r.receivedMs }));
    const reads = await svc.deps.deliveries.readForAttempt(ids);
    expect(reads.every((r) => r !== undefined && r.claimedUntilMs === undefined)).toBe(true);
    const until = new Date(Date.now() + 60_000).toISOString();
    const asked = ids.map((id, i) => ({ id, etag: reads[i]!.etag }));
    const [one, other] = await Promise.all([
      svc.deps.deliveries.claimAttempts(asked, until),
      svc.deps.deliveries.claimAttempts(asked, until),
    ]);
    // Of two workers at once, each row goes to one: none to both, none to neither.
    expect(one.map((took, i) => Number(took) + Number(other[i]))).toEqual(ids.map(() => 1));
    expect(await svc.deps.deliveries.claimAttempts(asked, until)).toEqual(ids.map(() => false));
    const after = await svc.deps.deliveries.readForAttempt(ids);
    expect(after.map((r) => r?.claimedUntilMs)).toEqual(ids.map(() => Date.parse(until)));
  });

  it('sends a recover page in order, taking each attempt only when its turn comes: a worker dying mid-page holds the attempt in flight alone', async () => {
    const records = await pageOf('claimpage', 1_700_000_000_000);
    // The first answers at once; the second is held, as a worker that died sending it would leave it.
    let release!: () => void;
    rx.script.push({ status: 200, body: 'ok' }, { status: 200, body: 'ok', hold: new Promise<void>((r) => (release = r)) });
    await queuePage(records);
    await rx.waitFor(2, 10_000, '/claimpage');
    const ids = records.map((r) => ({ registry: REGISTRY, webhook: r.webhook, eventId: r.eventId, receivedMs: r.receivedMs }));
    const during = await svc.deps.deliveries.readForAttempt(ids);
    // The first is recorded already; the second is held for one attempt's longest (and the margin), not the
    // page's; the two after it are not taken, so had the worker died here they would go when the message came back.
    expect(during.map((r) => r?.record.state)).toEqual(['succeeded', 'pending', 'pending', 'pending']);
    const { deliveryQueueWaitMs, deliveryTimeoutMs } = svc.deps.config;
    expect(during[1]?.claimedUntilMs).toBeGreaterThan(Date.now());
    expect(during[1]?.claimedUntilMs).toBeLessThanOrEqual(Date.now() + deliveryQueueWaitMs + deliveryTimeoutMs + 30_000);
    expect(during.slice(2).map((r) => r?.claimedUntilMs)).toEqual([undefined, undefined]);
    release();
    for (const record of records) expect((await settled(record)).state).toBe('succeeded');
    const sent = rx.forPath('/claimpage').map((r) => (JSON.parse(r.body) as { id: string }).id);
    expect(sent).toEqual(records.map((r) => r.eventId));
  });

  it('keeps a recover page in order around a delivery another worker holds: it and those behind it go when the hold ends', async () => {
    const records = await pageOf('claimwait', 1_700_000_000_200);
    // Another worker holds the second (it died sending it, or is still sending it) for two more seconds.
    const heldUntil = Date.now() + 2_000;
    await table.updateEntity(
      { ...deliveryKeys({ registry: REGISTRY, ...records[1]! }), sendingUntil: new Date(heldUntil).toISOString() },
      'Merge',
    );
    await queuePage(records);
    const sent = await rx.waitFor(4, 15_000, '/claimwait');
    expect(sent.map((r) => (JSON.parse(r.body) as { id: string }).id)).toEqual(records.map((r) => r.eventId));
    expect(sent[0]!.at).toBeLessThan(heldUntil);
    for (const r of sent.slice(1)) expect(r.at).toBeGreaterThanOrEqual(heldUntil);
    for (const record of records) expect((await settled(record)).state).toBe('succeeded');
  });

  it('sends the rest of a recover page at once after the first failure in it, so a page costs at most one timeout', async () => {
    const records = await pageOf('claimfail', 1_700_000_000_100);
    let release!: () => void;
    rx.script.push(
      { status: 200, body: 'ok' },
      { status: 400, body: 'refused' },
      { status: 200, body: 'ok', hold: new Promise<void>((r) => (release = r)) },
    );
    await queuePage(records);
    // The fourth arrives while the third is still unanswered: after the failure they went together.
    const arrived = await rx.waitFor(4, 10_000, '/claimfail');
    release();
    expect(arrived.map((r) => (JSON.parse(r.body) as { id: string }).id)).toEqual(expect.arrayContaining(records.map((r) => r.eventId)));
    const ids = records.map((r) => ({ registry: REGISTRY, webhook: r.webhook, eventId: r.eventId, receivedMs: r.receivedMs }));
    const final = await eventually(
      async () => {
        const reads = await svc.deps.deliveries.readForAttempt(ids);
        return reads.every((r) => r && r.record.attempts >= 1) ? reads : undefined;
      },
      10_000,
      'each attempt of the page recorded',
    );
    expect(final.map((r) => [r?.record.state, r?.record.attempts])).toEqual([
      ['succeeded', 1],
      ['failed', 1],
      ['succeeded', 1],
      ['succeeded', 1],
    ]);
  });

  it.each([
    ['whose hold has run out (its worker died)', 'claimstale', () => new Date(Date.now() - 1_000).toISOString()],
    ['whose mark is not a time (a row written by hand)', 'claimjunk', () => 'not-a-time\r\n<script>'],
    [
      'whose mark lies a year ahead (no worker holds that long: a row written by hand)',
      'claimfar',
      () => new Date(Date.now() + 365 * 86_400_000).toISOString(),
    ],
  ])('sends at once an attempt %s, and the record after it drops the mark', async (_, name, mark) => {
    const serviceUri = await webhook(name);
    const record = pendingRecord(name, `${name}-1`, serviceUri);
    const keys = deliveryKeys({ registry: REGISTRY, ...record });
    await svc.deps.deliveries.putDelivery(REGISTRY, record);
    await table.updateEntity({ ...keys, sendingUntil: mark() }, 'Merge');
    await svc.deps.deliveryQueue.schedule(
      REGISTRY,
      [{ webhook: name, eventId: record.eventId, receivedMs: record.receivedMs, attempt: 1 }],
      0,
    );
    const final = await settled(record);
    expect(final.state).toBe('succeeded');
    expect(rx.forPath(`/${name}`)).toHaveLength(1);
    expect(svc.logs.some((l) => l.includes('attempt held by another worker') && l.includes(`webhook=${name}`))).toBe(false);
    const row = await table.getEntity(keys.partitionKey, keys.rowKey);
    expect(row['sendingUntil']).toBeUndefined();
  });
});
