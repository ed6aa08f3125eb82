import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, INGEST_KEY, startService, type TestService } from '../helpers/service.js';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';
import { boundedLabels, MAX_REGISTRY_LABELS } from '../../shared/metrics/metrics.js';
import { sample } from '../helpers/metric-sample.js';

/*
 * GET /api/metrics after real deliveries of every outcome: each step waits for its delivery's final
 * state, then the scrape is checked against exact counts (this service has its own meter provider, so
 * nothing else in the process adds to them). `meta.example` resolves to the metadata address, which the
 * target policy always refuses.
 */
const resolve = (host: string) => Promise.resolve(host === 'meta.example' ? [{ address: '169.254.169.254', family: 4 }] : []);

let svc: TestService;
let rx: Receiver;
beforeAll(async () => {
  rx = await startReceiver();
  svc = await startService({ DELIVERY_RETRY_SCHEDULE: '0', HEALTH_WRITE_INTERVAL_SECONDS: '0' }, undefined, { resolve });
});
afterAll(async () => {
  await svc.close();
  await rx.close();
});

async function hook(registry: string, name: string, serviceUri: string, status = 'enabled') {
  const res = await api(svc, `/registries/${registry}/webhooks/${name}`, {
    method: 'PUT',
    json: { location: 'westus', properties: { serviceUri, actions: ['push'], status } },
  });
  expect(res.status).toBe(201);
}
let n = 0;
const event = () => ({
  id: `m-${++n}-${Date.now()}`,
  timestamp: new Date().toISOString(),
  action: 'push',
  target: { repository: 'app', tag: 'v1', digest: 'sha256:' + 'f'.repeat(64) },
});
async function post(registry: string, body: unknown) {
  const res = await api(svc, `/registries/${registry}/events`, { method: 'POST', key: INGEST_KEY, json: body });
  expect(res.status).toBe(202);
}
async function delivered(registry: string, name: string, state: string) {
  await eventually(
    async () => {
      const res = await api(svc, `/registries/${registry}/webhooks/${name}/listEvents`, { method: 'POST' });
      const list = ((await res.json()) as { value: { delivery: { state: string } }[] }).value;
      return list[0]?.delivery.state === state ? true : undefined;
    },
    15_000,
    `${name} ${state}`,
  );
}

describe('GET /api/metrics', () => {
  it('needs the management key', async () => {
    expect((await api(svc, '/metrics', { key: null })).status).toBe(401);
  });

  it('counts ingested events, deliveries of each outcome, latency, dead letters and auto-disabled webhooks', async () => {
    await hook('metricsok1', 'okhook001', `${rx.url}/ok`);
    await post('metricsok1', event());
    await delivered('metricsok1', 'okhook001', 'succeeded');

    await hook('metricsfl1', 'flaky0001', `${rx.url}/flaky`);
    rx.script.push({ status: 500 }); // retrying, then succeeded
    await post('metricsfl1', event());
    await delivered('metricsfl1', 'flaky0001', 'succeeded');

    await hook('metrics404', 'final0404', `${rx.url}/final`);
    rx.script.push({ status: 404 }); // failed
    await post('metrics404', event());
    await delivered('metrics404', 'final0404', 'failed');

    await hook('metricsref', 'refused01', 'http://meta.example/hook'); // refused
    await post('metricsref', event());
    await delivered('metricsref', 'refused01', 'failed');

    await hook('metricshld', 'heldhook1', `${rx.url}/held`, 'disabled'); // held
    await post('metricshld', event());
    await delivered('metricshld', 'heldhook1', 'held');

    await hook('metricsgon', 'gonehook1', `${rx.url}/gone`);
    rx.script.push({ status: 410 }); // failed, and the webhook auto-disabled (gone)
    await post('metricsgon', event());
    await delivered('metricsgon', 'gonehook1', 'failed');

    // A second event, then (once it is delivered) a duplicate of it and one rejected event.
    const again = event();
    await post('metricsok1', again);
    await rx.waitFor(2, 10_000, '/ok');
    await delivered('metricsok1', 'okhook001', 'succeeded');
    await post('metricsok1', [again, { id: 'bad', action: 'push' }]);

    // A malformed delivery message is dead-lettered.
    await svc.deps.queues.deliveries.sendMessage(Buffer.from('{"v":1,"type":"nonsense"}').toString('base64'));
    await eventually(async () => {
      const res = await api(svc, '/deadletters');
      return ((await res.json()) as { value: unknown[] }).value.length === 1 ? true : undefined;
    });

    const res = await api(svc, '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    // Attempts by outcome and endpoint type; held deliveries were not attempted.
    const deliveries = (outcome: string) =>
      sample(text, `registry_webhooks_deliveries_total{outcome="${outcome}",endpoint_type="WebHook"}`);
    expect({
      succeeded: deliveries('succeeded'),
      retrying: deliveries('retrying'),
      failed: deliveries('failed'),
      refused: deliveries('refused'),
      held: sample(text, 'registry_webhooks_deliveries_total{outcome="held"}'),
    }).toEqual({ succeeded: 3, retrying: 1, failed: 2, refused: 1, held: 1 });
    const ingested = (registry: string, outcome: string) =>
      sample(text, `registry_webhooks_events_ingested_total{registry="${registry}",outcome="${outcome}"}`);
    expect(ingested('metricsok1', 'accepted')).toBe(2);
    expect(ingested('metricsok1', 'duplicate')).toBe(1);
    expect(ingested('metricsok1', 'rejected')).toBe(1);
    expect(ingested('metricsgon', 'accepted')).toBe(1);
    // First attempts of the six new deliveries that were sent (the held one was not).
    expect(sample(text, 'registry_webhooks_delivery_latency_seconds_count')).toBe(6);
    expect(sample(text, 'registry_webhooks_delivery_latency_seconds_bucket{le="+Inf"}')).toBe(6);
    expect(rx.forPath('/ok')).toHaveLength(2); // the duplicate was not delivered
    expect(text).toContain('# TYPE registry_webhooks_delivery_latency_seconds histogram');
    expect(sample(text, 'registry_webhooks_attempt_duration_seconds_count{outcome="retrying",endpoint_type="WebHook"}')).toBe(1);
    expect(sample(text, 'registry_webhooks_dead_letters_total{queue="webhook-deliveries"}')).toBe(1);
    expect(sample(text, 'registry_webhooks_webhooks_auto_disabled_total{reason="gone"}')).toBe(1);
  });
});

describe('metric labels', () => {
  it('events for 2,000 registry names without webhooks leave the registry label with none of them: they count as other', async () => {
    const names = Array.from({ length: 2000 }, (_, i) => `floodreg${String(i).padStart(5, '0')}`);
    let next = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < names.length) {
          const name = names[next++]!;
          const res = await api(svc, `/registries/${name}/events`, {
            method: 'POST',
            key: INGEST_KEY,
            json: { id: `flood-${name}`, timestamp: new Date().toISOString(), action: 'push', target: { repository: 'app', tag: 'v1' } },
          });
          expect(res.status).toBe(202);
        }
      }),
    );
    const text = await (await api(svc, '/metrics')).text();
    const labelled = new Set([...text.matchAll(/registry_webhooks_events_ingested_total\{registry="([^"]*)"/g)].map((m) => m[1]));
    expect([...labelled].filter((r) => r?.startsWith('floodreg'))).toEqual([]);
    expect(labelled.size).toBeLessThanOrEqual(MAX_REGISTRY_LABELS);
    expect(sample(text, 'registry_webhooks_events_ingested_total{registry="other",outcome="accepted"}')).toBeGreaterThanOrEqual(2000);
  }, 120_000);

  it('gives out at most the cap of distinct values, then other', () => {
    const label = boundedLabels(3);
    expect(['a', 'b', 'a', 'c', 'd', undefined, 'b', 'e'].map(label)).toEqual(['a', 'b', 'a', 'c', 'other', 'other', 'b', 'other']);
  });
});
