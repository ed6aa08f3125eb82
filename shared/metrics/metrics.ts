import type { Attributes, Meter } from '@opentelemetry/api';
import { makeCellCounter } from './cell-counter.js';

/** What became of the events of an ingest request (the report's four lists). */
type IngestOutcome = 'accepted' | 'duplicate' | 'ignored' | 'rejected';

/**
 * What became of one delivery attempt: `retrying` failed and another attempt is scheduled, `failed`
 * failed for good, `refused` was never sent (the target policy refused the address). `held` is not an
 * attempt: the webhook was disabled, so the delivery was recorded and kept for `recover`. Nor is
 * `skipped`: the webhook asked not to get such events (skipReferrers), so the delivery was recorded, not sent.
 */
export type DeliveryOutcome = 'succeeded' | 'retrying' | 'failed' | 'refused' | 'held' | 'skipped';

/** Why the service disabled a webhook: its endpoint answered 410 Gone, or failed for AUTO_DISABLE_AFTER_HOURS. */
type AutoDisableReason = 'gone' | 'failing';

/**
 * The service's metrics, recorded with the OpenTelemetry metrics API. Which exporter sees them (Prometheus
 * text at `/api/metrics`, Application Insights) is decided once, in `metrics-provider.ts`; with no
 * provider the no-op meter makes every call free.
 */
export interface Metrics {
  /**
   * `registry`: a registry that has at least one webhook, or undefined. Its name becomes a label value only
   * then, and for at most MAX_REGISTRY_LABELS registries per process; the rest count as `other`.
   */
  eventsIngested(registry: string | undefined, outcome: IngestOutcome, count: number): void;
  /**
   * One attempt; `firstAttemptLatencySeconds` (ingest → this attempt) only for a delivery's first attempt;
   * `endpointType` the webhook's (WebHook, StorageQueue, …).
   */
  attempted(
    outcome: Exclude<DeliveryOutcome, 'held' | 'skipped'>,
    durationSeconds: number,
    firstAttemptLatencySeconds: number | undefined,
    endpointType: string,
  ): void;
  held(count: number): void;
  /** Deliveries recorded as skipped, by why (`cosign_tag`, `subject`, `artifact_type`: a referrer). */
  skipped(reason: string, count: number): void;
  /** A delivery not sent yet: it waits in the delivery queue for its turn (not an attempt). */
  waiting(reason: string): void;
  /** How long one request waited for a connection to its endpoint's origin. */
  queued(origin: string, seconds: number): void;
  deadLettered(queue: string): void;
  webhookAutoDisabled(reason: AutoDisableReason): void;
}

// Seconds; from a fast local receiver (ms) to the 15 s default timeout and the retry schedule's first steps.
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600];
const QUEUE_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 15];
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];

/**
 * Distinct `registry` label values one process gives out; later registries count as `other`.
 * @internal
 */
export const MAX_REGISTRY_LABELS = 1000;

/**
 * Bounded label values: a value is kept once seen while fewer than `max` are, and `other` after that, so a
 * flood of names (anyone with an ingest key may post to any registry name) cannot grow the series without end.
 * @internal
 */
export function boundedLabels(max: number): (value: string | undefined) => string {
  const kept = new Set<string>();
  return (value) => {
    if (value === undefined) return 'other';
    if (kept.has(value)) return value;
    if (kept.size >= max) return 'other';
    kept.add(value);
    return value;
  };
}

const NO_ATTRIBUTES: Attributes = Object.freeze({});

/** `make(key)` once per key, then a Map lookup: a label set's attributes and cells, built once (labels are bounded). */
function memo<T>(make: (key: string) => T): (key: string) => T {
  const made = new Map<string, T>();
  return (key) => {
    let value = made.get(key);
    if (value === undefined) made.set(key, (value = make(key)));
    return value;
  };
}

/**
 * Instruments on `meter`. Names are Prometheus-style; the exporter adds the `registry_webhooks_` prefix.
 * Per delivery attempt, nothing is built and no attributes are hashed for the counters (cell-counter.ts);
 * histograms, which have no observable form, are recorded with attributes objects built once per label set.
 */
export function makeMetrics(meter: Meter): Metrics {
  const registryLabel = boundedLabels(MAX_REGISTRY_LABELS);
  // Origins come from webhooks' service URIs (created with a key): bounded the same way all the same.
  const originLabel = boundedLabels(MAX_REGISTRY_LABELS);
  const ingested = meter.createCounter('events_ingested', { description: 'Events received by the ingest, by registry and outcome' });
  const deliveries = makeCellCounter(meter, 'deliveries', {
    description:
      'Delivery attempts by outcome and endpoint type; held deliveries (webhook disabled); skipped deliveries (skipReferrers), by reason',
  });
  const latency = meter.createHistogram('delivery_latency_seconds', {
    description: 'Time from an event being ingested to its first delivery attempt ending',
    unit: 's',
    advice: { explicitBucketBoundaries: LATENCY_BUCKETS },
  });
  const duration = meter.createHistogram('attempt_duration_seconds', {
    description: 'Duration of one delivery attempt (request sent to response read, or failure)',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const waiting = makeCellCounter(meter, 'deliveries_waiting', {
    description: 'Deliveries handed to the delivery queue to wait for their turn (rate limit, Retry-After, busy connections), by reason',
  });
  const queued = meter.createHistogram('delivery_queue_seconds', {
    description: 'Time a request waited for a connection to its endpoint, by origin (not part of its timeout)',
    unit: 's',
    advice: { explicitBucketBoundaries: QUEUE_BUCKETS },
  });
  const deadLetters = meter.createCounter('dead_letters', { description: 'Queue messages recorded as dead letters, by queue' });
  const autoDisabled = meter.createCounter('webhooks_auto_disabled', { description: 'Webhooks the service disabled, by reason' });
  // An attempt's series, by outcome then endpoint type: its count and its duration histogram's attributes.
  const attemptSeries = memo((outcome) =>
    memo((endpointType) => {
      const attributes: Attributes = Object.freeze({ outcome, endpoint_type: endpointType });
      return { count: deliveries.cell(attributes), attributes };
    }),
  );
  const heldCount = deliveries.cell({ outcome: 'held' });
  const skippedCount = memo((reason) => deliveries.cell({ outcome: 'skipped', reason }));
  const waitingCount = memo((reason) => waiting.cell({ reason }));
  const originAttributes = memo((origin): Attributes => Object.freeze({ origin }));
  return {
    eventsIngested: (registry, outcome, count) => {
      if (count > 0) ingested.add(count, { registry: registryLabel(registry), outcome });
    },
    attempted: (outcome, durationSeconds, firstAttemptLatencySeconds, endpointType) => {
      const series = attemptSeries(outcome)(endpointType);
      series.count.value += 1;
      duration.record(durationSeconds, series.attributes);
      if (firstAttemptLatencySeconds !== undefined) latency.record(Math.max(0, firstAttemptLatencySeconds), NO_ATTRIBUTES);
    },
    held: (count) => {
      if (count > 0) heldCount.value += count;
    },
    skipped: (reason, count) => {
      if (count > 0) skippedCount(reason).value += count;
    },
    waiting: (reason) => {
      waitingCount(reason).value += 1;
    },
    queued: (origin, seconds) => queued.record(seconds, originAttributes(originLabel(origin))),
    deadLettered: (queue) => deadLetters.add(1, { queue }),
    webhookAutoDisabled: (reason) => autoDisabled.add(1, { reason }),
  };
}
