import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, INGEST_KEY, startService, type TestService } from '../helpers/service.js';
import { eventually } from '../helpers/receiver.js';
import { drained } from '../helpers/drained.js';
import { startSlowReceiver, type SlowReceiver } from '../helpers/slow-receiver.js';
import { startAzurite, type Azurite } from '../../local/azurite.js';
import { spawnStart, type StartedProcess } from '../helpers/spawn-start.js';

/*
 * Issue 21: a burst to one healthy receiver must not become a retry storm. The receiver answers every
 * request in 400 ms; the timeout is 3 s. Deliveries that wait for a connection (64 per origin) or for a
 * webhook's turn are not failures, and nothing is sent twice.
 */

const WEBHOOKS = 5;
const DIGEST = 'sha256:' + 'b'.repeat(64);

function pushEvent(repository: string, tag: string) {
  return {
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    action: 'push',
    target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 525, digest: DIGEST, length: 525, repository, tag },
    request: { id: randomUUID(), host: 'burst.azurecr.io', method: 'PUT', useragent: 'ci' },
  };
}

interface Target {
  readonly url: string;
  readonly managementKey?: string;
  readonly ingestKey?: string;
}

async function createHook(target: Target, registry: string, name: string, serviceUri: string, extra: Record<string, unknown> = {}) {
  const res = await api(target, `/registries/${registry}/webhooks/${name}`, {
    method: 'PUT',
    json: { location: 'westus', properties: { serviceUri, actions: ['push'], ...extra } },
    ...(target.managementKey ? { key: target.managementKey } : {}),
  });
  expect(res.status).toBe(201);
}

/** Posts `count` events, one per request, from `senders` concurrent senders spread over `spreadMs`; returns the accepted ids. */
async function burst(target: Target, registry: string, count: number, senders: number, spreadMs: number, stop = () => false) {
  const accepted: string[] = [];
  const perSender = Math.ceil(count / senders);
  const gap = spreadMs / perSender;
  await Promise.all(
    Array.from({ length: senders }, async (_, s) => {
      for (let i = 0; i < perSender && s * perSender + i < count; i++) {
        if (stop()) return;
        const event = pushEvent(`app${s}`, `v${i}`);
        const started = Date.now();
        try {
          const res = await api(target, `/registries/${registry}/events`, {
            method: 'POST',
            key: target.ingestKey ?? INGEST_KEY,
            json: event,
          });
          if (res.status === 202) accepted.push(event.id);
          else await res.body?.cancel();
        } catch {
          return; // the host is gone (the kill below): this sender stops
        }
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, gap - (Date.now() - started))));
      }
    }),
  );
  return accepted;
}

/** Deliveries per (path, webhook-id): how many requests each got. */
function perDelivery(rx: SlowReceiver): Map<string, number> {
  const counts = new Map<string, number>();
  for (const a of rx.arrivals) counts.set(`${a.path} ${a.id}`, (counts.get(`${a.path} ${a.id}`) ?? 0) + 1);
  return counts;
}

const eventIdOf = (body: string) => (JSON.parse(body) as { id: string }).id;

describe('a burst to one healthy receiver', () => {
  let svc: TestService;
  let rx: SlowReceiver;
  beforeAll(async () => {
    rx = await startSlowReceiver(400);
    svc = await startService({ DELIVERY_TIMEOUT_SECONDS: '3', DELIVERY_RETRY_SCHEDULE: '5,10,20,40' });
  });
  afterAll(async () => {
    await svc?.close();
    await rx?.close();
  });

  it('delivers 400 events from 10 senders to 5 webhooks on one 400 ms receiver once each: no repeats with a 3 s timeout', async () => {
    for (let w = 0; w < WEBHOOKS; w++) await createHook(svc, 'burstreg', `burst${w}hook`, `${rx.url}/hook/${w}`);
    const accepted = await burst(svc, 'burstreg', 400, 10, 5000);
    expect(accepted).toHaveLength(400);
    const expected = accepted.length * WEBHOOKS;
    await eventually(
      async () => (perDelivery(rx).size >= expected ? true : undefined),
      120_000,
      () => `${perDelivery(rx).size} of ${expected} delivered`,
    );
    await drained(svc.azurite.connectionString, 60_000);

    // Every event once per webhook, and not one request more: nothing timed out waiting for our own sockets.
    const counts = perDelivery(rx);
    expect(counts.size).toBe(expected);
    // Each repeat with what the service logged of its event, so a failure says why it was sent again.
    const repeats = [...counts].flatMap(([key, n]) => {
      if (n < 2) return [];
      const eventId = eventIdOf(rx.arrivals.find((a) => `${a.path} ${a.id}` === key)!.body);
      return [{ key, n, log: svc.logs.filter((l) => l.includes(eventId)) }];
    });
    expect(repeats).toEqual([]);
    for (let w = 0; w < WEBHOOKS; w++) {
      const ids = new Set(rx.arrivals.filter((a) => a.path === `/hook/${w}`).map((a) => eventIdOf(a.body)));
      expect(ids).toEqual(new Set(accepted));
    }
    expect(rx.mostOpen()).toBeLessThanOrEqual(64);

    // Waiting was not failing: no attempt was retried, and the webhooks' health saw only successes.
    const metrics = await (await api(svc, '/metrics')).text();
    expect(metrics).not.toMatch(/registry_webhooks_deliveries_total\{outcome="retrying"\} [1-9]/);
    expect(metrics).toMatch(
      new RegExp(`registry_webhooks_delivery_queue_seconds_count\\{origin="${rx.url.replaceAll('.', '\\.')}"\\} \\d+`),
    );
    const hook = (await (await api(svc, '/registries/burstreg/webhooks/burst0hook')).json()) as { properties: Record<string, unknown> };
    expect(JSON.stringify(hook.properties)).not.toMatch(/"consecutiveFailures":[1-9]/);
  }, 180_000);
});

describe('a burst on two hosts, one killed', () => {
  let azurite: Azurite;
  const hosts: StartedProcess[] = [];
  let rx: SlowReceiver;
  beforeAll(async () => {
    azurite = await startAzurite();
    rx = await startSlowReceiver(400);
  });
  afterAll(async () => {
    for (const h of hosts) if (h.child.exitCode === null && h.child.signalCode === null) h.child.kill('SIGKILL');
    await rx?.close();
    await azurite?.close();
  });

  it("delivers the survivor's own events once each, and the killed host's accepted ones too", async () => {
    const env = {
      AzureWebJobsStorage: azurite.connectionString,
      MANAGEMENT_KEYS: 'burst-management-key-000000001',
      INGEST_KEYS: 'burst-ingest-key-0000000000001',
      ALLOW_PRIVATE_TARGETS: 'true',
      DELIVERY_TIMEOUT_SECONDS: '3',
      FANOUT_LEASE_SECONDS: '5',
      DELIVERY_RETRY_SCHEDULE: '5,10,20,40',
    };
    const doomed = await spawnStart(env);
    hosts.push(doomed);
    for (let w = 0; w < WEBHOOKS; w++) await createHook(doomed, 'tworeg', `two${w}hook`, `${rx.url}/two/${w}`);
    // Started after the webhooks exist, so its cached list has them from its first fan-out.
    const survivor = await spawnStart(env);
    hosts.push(survivor);

    let killed = false;
    const kill = setTimeout(() => {
      killed = true;
      doomed.child.kill('SIGKILL');
    }, 2500);
    const [fromDoomed, fromSurvivor] = await Promise.all([
      burst(doomed, 'tworeg', 150, 5, 5000, () => killed),
      burst(survivor, 'tworeg', 150, 5, 5000),
    ]);
    clearTimeout(kill);
    expect(fromSurvivor).toHaveLength(150);
    expect(fromDoomed.length).toBeGreaterThan(0);

    const all = new Set([...fromDoomed, ...fromSurvivor]);
    const delivered = () => {
      const seen = new Set<string>();
      for (const a of rx.arrivals) seen.add(`${a.path} ${eventIdOf(a.body)}`);
      return seen;
    };
    const expected = all.size * WEBHOOKS;
    await eventually(
      async () => ([...all].every((id) => [0, 1, 2, 3, 4].every((w) => delivered().has(`/two/${w} ${id}`))) ? true : undefined),
      150_000,
      () => `${delivered().size} of ${expected} delivered`,
    );
    await drained(azurite.connectionString, 60_000);

    // The survivor's own events: exactly once per webhook. The killed host's may repeat (it died mid-way).
    const own = new Set(fromSurvivor);
    const requests = new Map<string, number>();
    for (const a of rx.arrivals) {
      const id = eventIdOf(a.body);
      if (own.has(id)) requests.set(`${a.path} ${id}`, (requests.get(`${a.path} ${id}`) ?? 0) + 1);
    }
    expect(requests.size).toBe(own.size * WEBHOOKS);
    expect([...requests.values()].filter((n) => n > 1)).toEqual([]);
    await survivor.stop();
  }, 240_000);
});
