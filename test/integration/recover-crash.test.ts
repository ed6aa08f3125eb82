import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type Azurite } from '../../local/azurite.js';
import { api, INGEST_KEY, MANAGEMENT_KEY } from '../helpers/service.js';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';
import { acrPush } from '../helpers/acr-push.js';
import { spawnStart, type StartedProcess } from '../helpers/spawn-start.js';

/*
 * A recover page whose host is killed (kill -9, storage lives on) with the page's second delivery in
 * flight: the worker took each delivery just before it sent it and recorded the first as soon as it ended,
 * so after the restart the first is not sent again, and when the page's message comes back the one in flight
 * keeps its place: it and the two behind it go, in order, when its hold (one attempt's longest and 30 s) ends.
 */
const REGISTRY = 'recovercrash';
const HOOK = 'pagecrash1';
const CLAIM_MARGIN_MS = 30_000;
let azurite: Azurite;
let rx: Receiver;
beforeAll(async () => {
  azurite = await startAzurite();
  rx = await startReceiver();
});
afterAll(async () => {
  await rx?.close();
  await azurite?.close();
});

const push = (n: number) => acrPush('pagecrash', n);

interface Listed {
  readonly value: readonly {
    readonly eventRequestMessage: { readonly content: { readonly id: string } };
    readonly eventResponseMessage?: { readonly statusCode?: string };
  }[];
}

describe('a recover page across a crash', () => {
  it('sends again only what was not recorded, in order: the one in flight and those behind it when its hold ends', async () => {
    const env = {
      AzureWebJobsStorage: azurite.connectionString,
      MANAGEMENT_KEYS: MANAGEMENT_KEY,
      INGEST_KEYS: INGEST_KEY,
      FANOUT_LEASE_SECONDS: '2',
      QUEUE_LEASE_SECONDS: '2',
      DELIVERY_TIMEOUT_SECONDS: '2',
      DELIVERY_QUEUE_WAIT_SECONDS: '0',
    };
    const path = `/${HOOK}`;
    const base = `/registries/${REGISTRY}/webhooks/${HOOK}`;
    let first: StartedProcess | undefined = await spawnStart(env);
    let second: StartedProcess | undefined;
    try {
      const since = new Date(Date.now() - 1_000).toISOString();
      // The endpoint refuses everything (400: no retry), so each event's delivery ends failed.
      rx.answer = { status: 400, body: 'refused' };
      const created = await api(first, base, {
        method: 'PUT',
        json: { location: 'westus', properties: { serviceUri: `${rx.url}${path}`, actions: ['push'] } },
      });
      expect(created.status).toBe(201);
      const events = [1, 2, 3, 4].map(push);
      for (const e of events) {
        expect((await api(first, `/registries/${REGISTRY}/events`, { method: 'POST', key: INGEST_KEY, json: e })).status).toBe(202);
        await rx.waitFor(events.indexOf(e) + 1, 15_000, path); // one at a time, so the page's order is theirs
      }
      await eventually(
        async () => {
          const list = (await (await api(first!, `${base}/listEvents`, { method: 'POST' })).json()) as Listed;
          return list.value.length === 4 && list.value.every((d) => d.eventResponseMessage?.statusCode === '400') ? true : undefined;
        },
        15_000,
        'four deliveries recorded failed',
      );

      // Fixed: the first answers at once, the second never (the host dies sending it).
      rx.answer = { status: 200, body: 'ok', hold: new Promise<void>(() => undefined) };
      rx.script.push({ status: 200, body: 'ok' });
      const recovered = await api(first, `${base}/recover`, { method: 'POST', json: { since } });
      expect(await recovered.json()).toEqual({ redelivered: 4 });
      await rx.waitFor(6, 15_000, path);
      first.child.kill('SIGKILL');
      await new Promise((r) => first!.child.once('exit', r));
      first = undefined;
      rx.answer = { status: 200, body: 'ok' };
      second = await spawnStart(env);

      // The recover's requests: two before the kill, three after.
      const ids = () =>
        rx
          .forPath(path)
          .slice(4)
          .map((r) => r.headers['webhook-id']);
      const [, inFlight, ...after] = await eventually(
        () => Promise.resolve(rx.forPath(path).length >= 9 ? rx.forPath(path).slice(4) : undefined),
        90_000,
        () => `5 requests since the recover, got ${JSON.stringify(ids())}; the log:\n${second!.output().slice(-3000)}`,
      );
      // Sent before the kill: the first (recorded) and the second (in flight).
      expect(ids().slice(0, 2)).toEqual([events[0]!.id, events[1]!.id]);
      // After: the second and the two behind it, in order of receipt, once the hold on the second ran out.
      expect(after.map((r) => r.headers['webhook-id'])).toEqual([events[1]!.id, events[2]!.id, events[3]!.id]);
      for (const r of after) expect(r.at).toBeGreaterThanOrEqual(inFlight!.at + CLAIM_MARGIN_MS);
      const final = await eventually(
        async () => {
          const list = (await (await api(second!, `${base}/listEvents`, { method: 'POST' })).json()) as Listed;
          const ok = list.value.filter((d) => d.eventResponseMessage?.statusCode === '200');
          return ok.length === 4 ? ok : undefined;
        },
        15_000,
        'every delivery recorded succeeded',
      );
      expect(final.map((d) => d.eventRequestMessage.content.id).sort()).toEqual(events.map((e) => e.id).sort());
      // The first was recorded before the kill, so it was not sent again.
      expect(ids().filter((id) => id === events[0]!.id)).toHaveLength(1);
    } finally {
      first?.child.kill('SIGKILL');
      await second?.stop();
    }
  }, 150_000);
});
