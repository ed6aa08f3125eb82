import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueClient } from '@azure/storage-queue';
import { TableClient } from '@azure/data-tables';
import { startAzurite, type Azurite } from '../../local/azurite.js';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';
import { api, INGEST_KEY, MANAGEMENT_KEY, startService, type TestService } from '../helpers/service.js';
import { spawnStart, type StartedProcess } from '../helpers/spawn-start.js';
import { connectionStringThrough, startStorageProxy, type StorageProxy } from '../helpers/storage-proxy.js';
import { makeClaimStore } from '../../shared/storage/claim-store.js';
import { makeDeliveryStore } from '../../shared/storage/delivery-store.js';
import { acrEvent } from '../../shared/events/acr-event.js';
import type { DeliveryRecord, DeliveryState } from '../../shared/delivery/delivery-record.js';
import { readDeliveryEntity } from '../../shared/storage/delivery-entity.js';
import { eventPartition } from '../../shared/storage/event-keys.js';

/*
 * The delivery engine's promises: each event once per webhook (duplicates posted at once, or while the
 * first fan-out is in flight), dispatched by the ingesting process itself, and a worker that dies in the
 * middle of a large fan-out never re-sends to a webhook whose outcome it recorded.
 */
const push = (id: string, tag = 'v1') => ({ id, timestamp: new Date().toISOString(), action: 'push', target: { repository: 'app', tag } });
const idOf = (body: string) => (JSON.parse(body) as { id: string }).id;

async function createHooks(svc: { url: string }, registry: string, names: readonly string[], rx: Receiver) {
  for (let i = 0; i < names.length; i += 10) {
    const answers = await Promise.all(
      names.slice(i, i + 10).map((name) =>
        api(svc, `/registries/${registry}/webhooks/${name}`, {
          method: 'PUT',
          json: { location: 'westus', properties: { serviceUri: `${rx.url}/${name}`, actions: ['push'] } },
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 201));
  }
}

function ingest(svc: { url: string }, registry: string, body: unknown) {
  return api(svc, `/registries/${registry}/events`, { method: 'POST', key: INGEST_KEY, json: body });
}

/** The service has nothing left to do: no background work, no message in the events queue, every event row final. */
async function drained(svc: TestService, registry: string, ids: readonly string[]) {
  const queue = new QueueClient(svc.azurite.connectionString, 'registry-events');
  await eventually(
    async () => {
      if (svc.deps.background.running.size > 0) return undefined;
      const props = await queue.getProperties();
      if ((props.approximateMessagesCount ?? 0) > 0) return undefined;
      for (const id of ids) {
        const row = await svc.deps.claims.readClaim(registry, id);
        if (row?.state !== 'fannedout') return undefined;
      }
      return true;
    },
    30_000,
    'the events queue drained and every event fanned out',
  );
}

describe('each event once per webhook', () => {
  let rx: Receiver;
  let svc: TestService;
  beforeAll(async () => {
    rx = await startReceiver();
    // A short lease, so a duplicate's re-check message comes due within the test.
    svc = await startService({ FANOUT_LEASE_SECONDS: '2' });
  });
  afterAll(async () => {
    await svc.close();
    await rx.close();
  });

  it('delivers 50 events, each posted twice at the same moment, exactly once to each webhook', async () => {
    const hooks = ['twicehk01', 'twicehk02', 'twicehk03'];
    await createHooks(svc, 'twicereg1', hooks, rx);
    const ids = Array.from({ length: 50 }, (_, i) => `twice-${i}`);
    const answers = await Promise.all(
      ids.flatMap((id, i) => [ingest(svc, 'twicereg1', push(id, `t${i}`)), ingest(svc, 'twicereg1', push(id, `t${i}`))]),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 202));
    const reports = (await Promise.all(answers.map((a) => a.json()))) as { accepted: unknown[]; duplicates: unknown[] }[];
    expect(reports.reduce((n, r) => n + r.accepted.length, 0)).toBe(50);
    expect(reports.reduce((n, r) => n + r.duplicates.length, 0)).toBe(50);
    await drained(svc, 'twicereg1', ids);
    for (const h of hooks) {
      const got = rx.forPath(`/${h}`).map((r) => idOf(r.body));
      expect(got.sort()).toEqual([...ids].sort());
    }
  });

  it('does not deliver a duplicate that arrives while the first fan-out is still in flight', async () => {
    await createHooks(svc, 'flightreg1', ['flighthk01'], rx);
    let release: () => void = () => undefined;
    const until = new Promise<void>((r) => (release = r));
    rx.script.push({ status: 200, body: 'ok', hold: until });
    try {
      const first = await ingest(svc, 'flightreg1', push('flight-1'));
      expect(first.status).toBe(202);
      // The first attempt has reached the receiver, which holds it open: the fan-out is in flight.
      await rx.waitFor(1, 10_000, '/flighthk01');
      const again = await ingest(svc, 'flightreg1', push('flight-1'));
      expect(again.status).toBe(202);
      expect(await again.json()).toEqual({ accepted: [], duplicates: [{ index: 0, id: 'flight-1' }], ignored: [], rejected: [] });
    } finally {
      release();
    }
    await drained(svc, 'flightreg1', ['flight-1']);
    expect(rx.forPath('/flighthk01').map((r) => idOf(r.body))).toEqual(['flight-1']);
  });

  it('fans a batch out in the ingesting process: the queue trigger never runs it', async () => {
    await createHooks(svc, 'dispreg01', ['disphk001'], rx);
    const before = svc.logs.length;
    const res = await ingest(svc, 'dispreg01', [push('disp-1', 'a'), push('disp-2', 'b')]);
    expect(res.status).toBe(202);
    await drained(svc, 'dispreg01', ['disp-1', 'disp-2']);
    const lines = svc.logs.slice(before).filter((l) => l.includes('registry=dispreg01'));
    // After the 202: the process's logger, not the ingest's finished invocation.
    expect(lines.some((l) => l.includes('background: fan-out: registry=dispreg01 event=disp-1'))).toBe(true);
    expect(lines.filter((l) => l.includes('events-fan-out:'))).toEqual([]);
    expect(
      rx
        .forPath('/disphk001')
        .map((r) => idOf(r.body))
        .sort(),
    ).toEqual(['disp-1', 'disp-2']);
  });
});

describe('a fan-out that outlasts its lease', () => {
  let rx: Receiver;
  let svc: TestService;
  beforeAll(async () => {
    rx = await startReceiver();
    // A 2 s lease, and an endpoint allowed to take longer than that before the fan-out hands it off.
    svc = await startService({ FANOUT_LEASE_SECONDS: '2', DELIVERY_INLINE_WAIT_SECONDS: '20', DELIVERY_TIMEOUT_SECONDS: '30' });
  });
  afterAll(async () => {
    await svc.close();
    await rx.close();
  });

  it('keeps its claim alive, so a duplicate that comes after the first lease would have ended is not sent again', async () => {
    await createHooks(svc, 'longreg01', ['longhk001'], rx);
    let release: () => void = () => undefined;
    const until = new Promise<void>((r) => (release = r));
    rx.script.push({ status: 200, body: 'ok', hold: until });
    try {
      expect((await ingest(svc, 'longreg01', push('long-1'))).status).toBe(202);
      await rx.waitFor(1, 10_000, '/longhk001');
      const first = await svc.deps.claims.readClaim('longreg01', 'long-1');
      expect(first?.state).toBe('claimed');
      // The first lease ends while the attempt is still held open: the claim must have been extended.
      const firstLease = Date.parse(first!.leaseUntil!);
      const renewed = await eventually(
        async () => {
          const row = await svc.deps.claims.readClaim('longreg01', 'long-1');
          return Date.now() > firstLease + 200 && row && Date.parse(row.leaseUntil!) > Date.now() ? row : undefined;
        },
        10_000,
        'the first lease over, and the claim extended past it',
      );
      expect(renewed.state).toBe('claimed');
      const again = await ingest(svc, 'longreg01', push('long-1'));
      expect(await again.json()).toEqual({ accepted: [], duplicates: [{ index: 0, id: 'long-1' }], ignored: [], rejected: [] });
      // The duplicate's re-check reaches the queue trigger while the first fan-out still runs: it waits.
      await eventually(
        () =>
          Promise.resolve(
            svc.logs.some((l) => l.includes('events-fan-out:') && l.includes('event=long-1 is being fanned out by')) ? true : undefined,
          ),
        15_000,
        'the queue trigger meeting the live claim',
      );
    } finally {
      release();
    }
    await drained(svc, 'longreg01', ['long-1']);
    expect(rx.forPath('/longhk001').map((r) => idOf(r.body))).toEqual(['long-1']);
    expect(svc.logs.filter((l) => l.includes('took over') || l.includes('taken over'))).toEqual([]);
  });
});

describe('a commit that fails part-way', () => {
  let azurite: Azurite;
  let proxy: StorageProxy;
  let rx: Receiver;
  let svc: TestService;
  beforeAll(async () => {
    azurite = await startAzurite();
    proxy = await startStorageProxy(azurite.tableEndpoint);
    rx = await startReceiver();
    svc = await startService(
      {
        AzureWebJobsStorage: connectionStringThrough(azurite, { table: proxy.endpoint }),
        // A long lease: an event left claimed by the failed commit would wait a minute.
        FANOUT_LEASE_SECONDS: '60',
      },
      azurite,
    );
  });
  afterAll(async () => {
    await svc.close();
    await proxy.close();
    await azurite.close();
    await rx.close();
  });

  it("answers 503, lets go of the shards that committed, and the sender's retry delivers every event at once, each once", async () => {
    await createHooks(svc, 'failreg01', ['failhk001'], rx);
    // Two events in different shards; the second one's shard refuses every transaction for a while.
    const first = 'part-a';
    const second = Array.from({ length: 100 }, (_, i) => `part-b${i}`).find(
      (id) => eventPartition('failreg01', id) !== eventPartition('failreg01', first),
    )!;
    const refused = `"PartitionKey":"${eventPartition('failreg01', second)}"`;
    let refusals = 0;
    proxy.intercept = (req, body) => {
      // A write of the shard's event rows: a change set, or a transaction of one action sent as its own request.
      if (req.method !== 'GET' && body.includes(refused) && body.includes('evt|')) {
        refusals++;
        return true;
      }
      return false;
    };
    const batch = [push(first, 'a'), push(second, 'b')];
    const failed = await ingest(svc, 'failreg01', batch);
    proxy.intercept = undefined;
    expect(failed.status).toBe(503);
    expect(refusals).toBeGreaterThan(0);
    // The first event's row was committed, and its claim let go: it is free for whoever comes next.
    const row = await svc.deps.claims.readClaim('failreg01', first);
    expect(row?.state).toBe('claimed');
    expect(Date.parse(row!.leaseUntil!)).toBeLessThan(Date.now());

    const retried = await ingest(svc, 'failreg01', batch);
    expect(retried.status).toBe(202);
    expect(await retried.json()).toMatchObject({ accepted: [{ id: second }], duplicates: [{ id: first }] });
    // Well within the lease the failed commit would otherwise have held the first event for.
    await drained(svc, 'failreg01', [first, second]);
    expect(
      rx
        .forPath('/failhk001')
        .map((r) => idOf(r.body))
        .sort(),
    ).toEqual([first, second].sort());
  });

  it("retries a failed delivery whose fan-out record committed but lost its answer: the client's retry of the write is known for its own", async () => {
    await createHooks(svc, 'failreg03', ['failhk003'], rx);
    rx.script.push({ status: 500, body: 'down for a moment' });
    let lost = 0;
    // The fan-out's transaction (the delivery row and the claim's move to fannedout) commits, and its answer
    // never comes back: the storage client sends it again, which meets its own rows (409) and ETag (412).
    proxy.loseAnswer = (req, body) => {
      if (lost > 0 || !req.url?.includes('$batch') || !body.includes('del|failhk003|')) return false;
      lost++;
      return true;
    };
    try {
      expect((await ingest(svc, 'failreg03', push('lost-answer-1'))).status).toBe(202);
      // The first attempt failed (500); its retry is due 5 s later (the default schedule) and must come.
      const [first, second] = await rx.waitFor(2, 30_000, '/failhk003');
      expect(lost).toBe(1);
      expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    } finally {
      proxy.loseAnswer = undefined;
    }
    const listed = await eventually(async () => {
      const res = await api(svc, '/registries/failreg03/webhooks/failhk003/listEvents', { method: 'POST' });
      const body = (await res.json()) as { value: { id: string; delivery: { state: string; attempts: number } }[] };
      return body.value[0]?.delivery.state === 'succeeded' ? body.value : undefined;
    });
    expect(listed).toMatchObject([{ id: 'lost-answer-1', delivery: { state: 'succeeded', attempts: 2 } }]);
    expect(svc.logs.filter((l) => l.includes('failreg03') && l.includes('taken over'))).toEqual([]);
  });

  it("answers 503 when the registry's memory cannot be written, and removes the events it accepted: the retry is accepted afresh, remembered and delivered once", async () => {
    await createHooks(svc, 'failreg02', ['failhk002'], rx);
    const pushed = (id: string, digit: string) => ({
      ...push(id, 'moving'),
      target: {
        repository: 'app',
        tag: 'moving',
        digest: `sha256:${digit.repeat(64)}`,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
      },
    });
    expect((await ingest(svc, 'failreg02', pushed('mem-1', 'a'))).status).toBe(202);
    // The registry's own partition (tags, manifests) refuses every transaction for a while.
    proxy.intercept = (req, body) => req.method !== 'GET' && body.includes('"PartitionKey":"failreg02"');
    const failed = await ingest(svc, 'failreg02', pushed('mem-2', 'b'));
    proxy.intercept = undefined;
    expect(failed.status).toBe(503);
    expect(await svc.deps.claims.readClaim('failreg02', 'mem-2')).toBeUndefined();

    const retried = await ingest(svc, 'failreg02', pushed('mem-2', 'b'));
    expect(retried.status).toBe(202);
    expect(await retried.json()).toMatchObject({ accepted: [{ id: 'mem-2' }], duplicates: [] });
    await drained(svc, 'failreg02', ['mem-1', 'mem-2']);
    expect((await svc.deps.claims.getEvent('failreg02', 'mem-2'))?.event.target.previousDigest).toBe(`sha256:${'a'.repeat(64)}`);
    const tags = await svc.deps.memory.readTags('failreg02', [{ repository: 'app', tag: 'moving' }]);
    expect(tags.get('app:moving')?.digest).toBe(`sha256:${'b'.repeat(64)}`);
    expect(rx.forPath('/failhk002').map((r) => idOf(r.body))).toEqual(['mem-1', 'mem-2']);
  });
});

describe('a worker killed in the middle of a fan-out to 150 webhooks', () => {
  let azurite: Azurite;
  let rx: Receiver;
  beforeAll(async () => {
    azurite = await startAzurite();
    rx = await startReceiver();
  });
  afterAll(async () => {
    await rx.close();
    await azurite.close();
  });

  /** `npm start` through the proxy, with short leases: a dead worker's claim is taken over within seconds. */
  const takeoverEnv = (proxy: StorageProxy) => ({
    AzureWebJobsStorage: connectionStringThrough(azurite, { table: proxy.endpoint }),
    MANAGEMENT_KEYS: MANAGEMENT_KEY,
    INGEST_KEYS: INGEST_KEY,
    FANOUT_LEASE_SECONDS: '2',
    QUEUE_LEASE_SECONDS: '2',
  });

  /**
   * Ingests the event, and kills the worker (SIGKILL) just before the transaction that finishes its fan-out
   * reaches storage: of more than 99 webhooks, the first 99 outcomes are recorded and the rest are not.
   */
  async function ingestThenDieBeforeTheLastRecords(proxy: StorageProxy, worker: StartedProcess, registry: string, event: unknown) {
    const killed = new Promise<void>((resolve) => {
      proxy.intercept = (req, body) => {
        if (req.method !== 'POST' || !req.url?.includes('$batch') || !body.includes('"fannedout"')) return false;
        worker.child.kill('SIGKILL');
        proxy.intercept = undefined;
        resolve();
        return true;
      };
    });
    expect((await ingest(worker, registry, event)).status).toBe(202);
    await killed;
    if (worker.child.exitCode === null && worker.child.signalCode === null) await new Promise((r) => worker.child.once('exit', r));
  }

  it('re-sends only to the webhooks whose outcome it never recorded, with the same webhook-id', async () => {
    const proxy = await startStorageProxy(azurite.tableEndpoint);
    const env = takeoverEnv(proxy);
    const first = await spawnStart(env);
    const hooks = Array.from({ length: 150 }, (_, i) => `bighook${String(i).padStart(3, '0')}`);
    const table = TableClient.fromConnectionString(azurite.connectionString, 'events', { allowInsecureConnection: true });
    const recordedBeforeKill: string[] = [];
    try {
      await createHooks(first, 'bigreg001', hooks, rx);
      // The first 99 outcomes are recorded, the other 51 are not.
      await ingestThenDieBeforeTheLastRecords(proxy, first, 'bigreg001', push('big-1'));
    } finally {
      first.child.kill('SIGKILL');
    }
    expect(rx.requests).toHaveLength(150);
    for await (const e of table.listEntities({
      // Every shard of the registry (an event's deliveries live in its shard).
      queryOptions: { filter: "PartitionKey ge 'bigreg001|' and PartitionKey lt 'bigreg001}' and RowKey ge 'del|' and RowKey lt 'del}'" },
    }))
      recordedBeforeKill.push(readDeliveryEntity(e)!.fields.webhook);
    expect(recordedBeforeKill).toHaveLength(99);
    const second = await spawnStart(env);
    try {
      await eventually(
        async () => ((await makeClaimStore(table).readClaim('bigreg001', 'big-1'))?.state === 'fannedout' ? true : undefined),
        30_000,
        'the fan-out taken over and finished',
      );
      await eventually(
        () => Promise.resolve(second.output().includes('took over an expired claim') ? true : undefined),
        5_000,
        'the takeover logged',
      );
      const count = (h: string) => rx.forPath(`/${h}`).length;
      for (const h of recordedBeforeKill) expect(count(h)).toBe(1);
      const rest = hooks.filter((h) => !recordedBeforeKill.includes(h));
      expect(rest).toHaveLength(51);
      for (const h of rest) expect(count(h)).toBe(2);
      for (const r of rx.requests) expect(r.headers['webhook-id']).toBe('big-1');
    } finally {
      await second.stop();
      await proxy.close();
    }
  }, 120_000);

  it('queues again the attempts of recorded outcomes its dead worker never queued (retries, a hand-off in flight): each made once, then recorded', async () => {
    const flaky = await startReceiver();
    const hanging = await startReceiver();
    const proxy = await startStorageProxy(azurite.tableEndpoint);
    const env = {
      ...takeoverEnv(proxy),
      DELIVERY_RETRY_SCHEDULE: '1,1',
      // Long enough for the five 500s to be answered on a busy 2-core machine (at 0.5 s a CI run recorded
      // them in flight), short of the timeout, so the one that never answers is recorded in flight.
      DELIVERY_INLINE_WAIT_SECONDS: '2',
      DELIVERY_TIMEOUT_SECONDS: '3',
      DELIVERY_QUEUE_WAIT_SECONDS: '0',
    };
    const first = await spawnStart(env);
    // Of the webhooks whose outcomes land in the first transaction, five answer 500 at first (their records
    // say pending, a retry due in a second) and one does not answer (recorded in flight, to be handed off);
    // the worker dies before it queues the retries and the hand-off.
    const hooks = Array.from({ length: 150 }, (_, i) => `rtyhook${String(i).padStart(3, '0')}`);
    const failing = hooks.slice(0, 5);
    const slow = hooks[5]!;
    flaky.answer = { status: 500, body: 'not yet' };
    hanging.answer = { status: 200, hold: new Promise(() => undefined) };
    const table = TableClient.fromConnectionString(azurite.connectionString, 'events', { allowInsecureConnection: true });
    const deliveries = makeDeliveryStore(table);
    const receivedMs = async () => Date.parse((await makeClaimStore(table).readClaim('rtyreg001', 'rty-1'))!.receivedAt);
    try {
      await createHooks(first, 'rtyreg001', hooks.slice(6), rx);
      await createHooks(first, 'rtyreg001', failing, flaky);
      await createHooks(first, 'rtyreg001', [slow], hanging);
      await ingestThenDieBeforeTheLastRecords(proxy, first, 'rtyreg001', push('rty-1'));
    } finally {
      first.child.kill('SIGKILL');
    }
    const at = await receivedMs();
    const read = (webhooks: readonly string[]) =>
      deliveries.getDeliveries(webhooks.map((webhook) => ({ registry: 'rtyreg001', webhook, eventId: 'rty-1', receivedMs: at })));
    const before = await read([...failing, slow]);
    expect(before.map((d) => [d?.state, d?.attempts, d?.lastError])).toEqual([
      ...failing.map(() => ['pending', 1, 'HTTP 500 Internal Server Error']),
      ['pending', 0, 'in flight'],
    ]);
    for (const h of failing) expect(flaky.forPath(`/${h}`)).toHaveLength(1);
    expect(hanging.forPath(`/${slow}`)).toHaveLength(1);
    flaky.answer = { status: 200, body: 'ok' };
    hanging.answer = { status: 200, body: 'ok' };
    const second = await spawnStart(env);
    const tookOverAt = Date.now();
    try {
      const after = await eventually(
        async () => {
          const now = await read([...failing, slow]);
          return now.every((d) => d?.state === 'succeeded') ? now : undefined;
        },
        40_000,
        () => `the attempts made and recorded; the log:\n${second.output().slice(-2000)}`,
      );
      expect(after.map((d) => d?.attempts)).toEqual([...failing.map(() => 2), 1]);
      for (const h of failing) expect(flaky.forPath(`/${h}`)).toHaveLength(2);
      // The first attempt in flight is made again once it must have ended in a slow owner (its hand-off window, 8 s).
      const [, again] = hanging.forPath(`/${slow}`);
      expect(hanging.forPath(`/${slow}`)).toHaveLength(2);
      expect(again!.at - tookOverAt).toBeGreaterThanOrEqual(8_000);
      // These six, and any of the others the inline wait recorded in flight on a busy machine.
      const queuedAgain = Number(/(\d+) of them still pending: their next attempts queued again/.exec(second.output())?.[1]);
      expect(queuedAgain).toBeGreaterThanOrEqual(6);
    } finally {
      await second.stop();
      await proxy.close();
      await flaky.close();
      await hanging.close();
    }
  }, 120_000);
});

describe("a fan-out's records where rows are there already", () => {
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    await azurite.close();
  });

  it('inserts what is new and writes over what is there, in a transaction shared by events and in one event to 120 webhooks; a stale claim still records nothing', async () => {
    const table = TableClient.fromConnectionString(azurite.connectionString, 'events', { allowInsecureConnection: true });
    await table.createTable();
    const claims = makeClaimStore(table);
    const deliveries = makeDeliveryStore(table);
    const registry = 'rowsreg01';
    const receivedAt = new Date().toISOString();
    const receivedMs = Date.parse(receivedAt);
    // Two events of one shard (their records share a transaction), a third beside them, and a large one.
    const ids = Array.from({ length: 500 }, (_, i) => `rows-${i}`);
    const [one, two, three] = ids.filter((id) => eventPartition(registry, id) === eventPartition(registry, ids[0]!));
    const large = 'rows-large';
    const lease = { owner: 'test', leaseUntil: new Date(receivedMs + 60_000).toISOString() };
    const items = [one!, two!, three!, large].map((id) => {
      const event = acrEvent.parse(push(id));
      return { event, payload: JSON.stringify(event), receivedAt, remember: false };
    });
    const { etags, failure } = await claims.acceptEvents(registry, items, lease);
    expect(failure).toBeUndefined();
    const record = (webhook: string, eventId: string, state: DeliveryState): DeliveryRecord => ({
      webhook,
      eventId,
      receivedMs,
      action: 'push',
      image: 'app:v1',
      body: JSON.stringify(push(eventId)),
      requestHeaders: { 'content-type': 'application/json' },
      requestUri: 'http://127.0.0.1/hook',
      state,
      attempts: state === 'pending' ? 0 : 1,
      nextAttemptAt: undefined,
      lastError: state === 'pending' ? 'in flight' : undefined,
      responseStatus: state === 'pending' ? undefined : 200,
      responseReason: state === 'pending' ? undefined : 'OK',
      responseHeaders: {},
      responseBody: '',
      durationMs: 3,
      createdAt: receivedAt,
      updatedAt: receivedAt,
    });
    const hooks = (n: number) => Array.from({ length: n }, (_, i) => `rowshook${String(i).padStart(3, '0')}`);
    // Rows no claim counted: one of the first event's, two of the large event's (one in each of its transactions).
    const there = [
      record('rowshook001', one!, 'pending'),
      record('rowshook005', large, 'pending'),
      record('rowshook110', large, 'pending'),
    ];
    for (const r of there) await deliveries.putDelivery(registry, r);

    const fanOut = (eventId: string, n: number) => ({
      eventId,
      etag: etags.get(eventId)!,
      recorded: 0,
      records: hooks(n).map((h) => record(h, eventId, 'succeeded')),
    });
    // The third event's claim was taken over meanwhile: the ETag this fan-out holds is stale.
    expect(await claims.takeClaim(registry, three!, etags.get(three!)!, { ...lease, owner: 'other' })).toBeDefined();
    const stale = fanOut(three!, 2);
    const done = await claims.recordFanOut(registry, [fanOut(one!, 3), fanOut(two!, 3), stale, fanOut(large, 120)]);
    expect([...done].sort()).toEqual([one!, two!, large].sort());

    const id = (webhook: string, eventId: string) => ({ registry, webhook, eventId, receivedMs });
    const states = async (eventId: string, n: number) =>
      (await deliveries.getDeliveries(hooks(n).map((h) => id(h, eventId)))).map((d) => d?.state ?? 'none');
    expect(await states(one!, 3)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(await states(two!, 3)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(await states(three!, 2)).toEqual(['none', 'none']);
    expect(new Set(await states(large, 120))).toEqual(new Set(['succeeded']));
    for (const [eventId, recorded] of [
      [one!, 3],
      [two!, 3],
      [large, 120],
    ] as const)
      expect(await claims.readClaim(registry, eventId)).toMatchObject({ state: 'fannedout', recorded });
    expect(await claims.readClaim(registry, three!)).toMatchObject({ state: 'claimed' });
  });

  it('a claim taken over by the same process, whose new fan-out recorded first, leaves the old one’s write unrecorded: its retried write is not taken for its own', async () => {
    const table = TableClient.fromConnectionString(azurite.connectionString, 'events', { allowInsecureConnection: true });
    await table.createTable().catch(() => undefined); // the test above made it
    const claims = makeClaimStore(table);
    const registry = 'rowsreg02';
    const receivedAt = new Date().toISOString();
    const lease = { owner: 'one-process', leaseUntil: new Date(Date.parse(receivedAt) + 60_000).toISOString() };
    const event = acrEvent.parse(push('taken-1'));
    const { etags } = await claims.acceptEvents(registry, [{ event, payload: JSON.stringify(event), receivedAt, remember: false }], lease);
    const first = etags.get('taken-1')!;
    const row = (webhook: string): DeliveryRecord => ({
      webhook,
      eventId: 'taken-1',
      receivedMs: Date.parse(receivedAt),
      action: 'push',
      image: 'app:v1',
      body: '{}',
      requestHeaders: {},
      requestUri: 'http://127.0.0.1/hook',
      state: 'pending',
      attempts: 1,
      nextAttemptAt: receivedAt,
      lastError: 'HTTP 500',
      responseStatus: 500,
      responseReason: 'Internal Server Error',
      responseHeaders: {},
      responseBody: '',
      durationMs: 3,
      createdAt: receivedAt,
      updatedAt: receivedAt,
    });
    // The same owner takes the claim over (its queue trigger after the dispatch's lease ran out) and records first.
    const second = await claims.takeClaim(registry, 'taken-1', first, lease);
    expect(second).toBeDefined();
    const taker = await claims.recordFanOut(registry, [{ eventId: 'taken-1', etag: second!, recorded: 0, records: [row('takenhook1')] }]);
    expect([...taker]).toEqual(['taken-1']);
    // The first fan-out now writes the same row under its stale claim: 409, then 412. Same owner, same count,
    // but not its write: it must record nothing (no follow-ups twice).
    const stale = await claims.recordFanOut(registry, [{ eventId: 'taken-1', etag: first, recorded: 0, records: [row('takenhook1')] }]);
    expect([...stale]).toEqual([]);
  });
});
