import { describe, expect, it } from 'vitest';
import { AggregationTemporality, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { makeMetrics, type Metrics } from '../../shared/metrics/metrics.js';
import { sample } from '../helpers/metric-sample.js';

/*
 * Every recording reaches both kinds of reader, exactly: the Prometheus text `/api/metrics` serves
 * (cumulative) and a delta reader, as the Application Insights exporter reads them (it asks for delta
 * temporality). Two rounds of recordings, collected after each: a value lost, counted twice, or a series
 * reported in a round where nothing changed fails here.
 */

class DeltaReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Each point of a collection: a sum's value, or a histogram's count, sum and bucket counts, by `name{k=v,...}`. */
function points(collected: ResourceMetrics): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const scope of collected.scopeMetrics)
    for (const metric of scope.metrics)
      for (const p of metric.dataPoints) {
        const labels = Object.entries(p.attributes)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(',');
        const v = p.value;
        // Explicit-bucket histograms only: the count of buckets a value fell in.
        const buckets = typeof v !== 'number' && 'buckets' in v ? v.buckets.counts.filter((c) => c > 0).length : undefined;
        out[`${metric.descriptor.name}{${labels}}`] = typeof v === 'number' ? v : { count: v.count, sum: v.sum, buckets };
      }
  return out;
}

function setup() {
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const delta = new DeltaReader();
  const provider = new MeterProvider({ readers: [prometheus, delta] });
  const metrics: Metrics = makeMetrics(provider.getMeter('test'));
  const serializer = new PrometheusSerializer('registry_webhooks', false, undefined, true, true);
  return {
    metrics,
    scrape: async () => serializer.serialize((await prometheus.collect()).resourceMetrics),
    deltas: async () => points((await delta.collect()).resourceMetrics),
    close: () => provider.shutdown(),
  };
}

describe('metrics, as the exporters read them', () => {
  it('keeps every recording: cumulative for /api/metrics, each round once for a delta reader', async () => {
    const m = setup();
    m.metrics.attempted('succeeded', 0.004, 0.02, 'WebHook');
    m.metrics.attempted('succeeded', 0.004, 0.02, 'WebHook');
    m.metrics.attempted('succeeded', 0.03, undefined, 'WebHook');
    m.metrics.attempted('retrying', 0.3, 0.1, 'WebHook');
    m.metrics.attempted('failed', 2, undefined, 'StorageQueue');
    m.metrics.held(2);
    m.metrics.held(0);
    m.metrics.skipped('cosign_tag', 1);
    m.metrics.waiting('rate limit');
    m.metrics.waiting('rate limit');
    m.metrics.queued('http://a.example', 0);
    m.metrics.queued('http://a.example', 0.2);
    m.metrics.eventsIngested('reg1', 'accepted', 3);
    m.metrics.deadLettered('webhook-deliveries');
    m.metrics.webhookAutoDisabled('gone');

    const first = await m.scrape();
    expect(await m.deltas()).toEqual({
      'events_ingested{registry=reg1,outcome=accepted}': 3,
      'deliveries{outcome=succeeded,endpoint_type=WebHook}': 3,
      'deliveries{outcome=retrying,endpoint_type=WebHook}': 1,
      'deliveries{outcome=failed,endpoint_type=StorageQueue}': 1,
      'deliveries{outcome=held}': 2,
      'deliveries{outcome=skipped,reason=cosign_tag}': 1,
      'delivery_latency_seconds{}': { count: 3, sum: 0.14, buckets: 2 },
      'attempt_duration_seconds{outcome=succeeded,endpoint_type=WebHook}': { count: 3, sum: 0.038, buckets: 2 },
      'attempt_duration_seconds{outcome=retrying,endpoint_type=WebHook}': { count: 1, sum: 0.3, buckets: 1 },
      'attempt_duration_seconds{outcome=failed,endpoint_type=StorageQueue}': { count: 1, sum: 2, buckets: 1 },
      'deliveries_waiting{reason=rate limit}': 2,
      'delivery_queue_seconds{origin=http://a.example}': { count: 2, sum: 0.2, buckets: 2 },
      'dead_letters{queue=webhook-deliveries}': 1,
      'webhooks_auto_disabled{reason=gone}': 1,
    });
    const total = (text: string, series: string) => sample(text, `registry_webhooks_${series}`);
    expect(total(first, 'deliveries_total{outcome="succeeded",endpoint_type="WebHook"}')).toBe(3);
    expect(total(first, 'deliveries_total{outcome="held"}')).toBe(2);
    expect(total(first, 'deliveries_waiting_total{reason="rate limit"}')).toBe(2);
    expect(total(first, 'attempt_duration_seconds_bucket{outcome="succeeded",endpoint_type="WebHook",le="0.005"}')).toBe(2);
    expect(total(first, 'attempt_duration_seconds_bucket{outcome="succeeded",endpoint_type="WebHook",le="0.05"}')).toBe(3);
    expect(total(first, 'delivery_latency_seconds_count')).toBe(3);
    expect(total(first, 'delivery_queue_seconds_bucket{origin="http://a.example",le="0.001"}')).toBe(1);

    // A second round: only what changed is a delta; /api/metrics shows the totals.
    m.metrics.attempted('succeeded', 0.004, undefined, 'WebHook');
    m.metrics.held(1);
    m.metrics.waiting('retry-after');
    m.metrics.queued('http://a.example', 0.002);
    expect(await m.deltas()).toEqual({
      'deliveries{outcome=succeeded,endpoint_type=WebHook}': 1,
      'deliveries{outcome=held}': 1,
      'attempt_duration_seconds{outcome=succeeded,endpoint_type=WebHook}': { count: 1, sum: 0.004, buckets: 1 },
      'deliveries_waiting{reason=retry-after}': 1,
      'delivery_queue_seconds{origin=http://a.example}': { count: 1, sum: 0.002, buckets: 1 },
    });
    const second = await m.scrape();
    expect(total(second, 'deliveries_total{outcome="succeeded",endpoint_type="WebHook"}')).toBe(4);
    expect(total(second, 'deliveries_total{outcome="retrying",endpoint_type="WebHook"}')).toBe(1);
    expect(total(second, 'deliveries_total{outcome="failed",endpoint_type="StorageQueue"}')).toBe(1);
    expect(total(second, 'deliveries_total{outcome="held"}')).toBe(3);
    expect(total(second, 'deliveries_total{outcome="skipped",reason="cosign_tag"}')).toBe(1);
    expect(total(second, 'deliveries_waiting_total{reason="rate limit"}')).toBe(2);
    expect(total(second, 'deliveries_waiting_total{reason="retry-after"}')).toBe(1);
    expect(total(second, 'attempt_duration_seconds_count{outcome="succeeded",endpoint_type="WebHook"}')).toBe(4);
    expect(total(second, 'delivery_queue_seconds_count{origin="http://a.example"}')).toBe(3);
    expect(total(second, 'delivery_latency_seconds_count')).toBe(3);
    expect(second).toContain('# TYPE registry_webhooks_deliveries_total counter');
    expect(second).toContain('# TYPE registry_webhooks_deliveries_waiting_total counter');
    // Nothing recorded since: no delta at all.
    expect(await m.deltas()).toEqual({});
    await m.close();
  });
});
