import type { QueueClient } from '@azure/storage-queue';
import type { Config } from '../config.js';
import { Queue, Table, poisonQueueName } from '../constants.js';
import { createQueueClient, createTableClient } from '../storage/clients.js';
import { makeWebhookStore, type WebhookStore } from '../webhooks/webhook-store.js';
import { makeEventStore, type EventStore } from '../events/event-store.js';
import { makeWebhookCache, type WebhookCache } from '../pipeline/webhook-cache.js';
import { makePoster, type PostOptions, type Poster } from '../delivery/post-json.js';
import type { RetryPolicy } from '../delivery/retry-policy.js';
import { makeIngestBatcher, type IngestBatcher } from '../events/ingest-batcher.js';
import { makeDeadLetterStore, type DeadLetterStore } from '../pipeline/dead-letters.js';
import { setupMetrics } from '../metrics/metrics-provider.js';
import type { Metrics } from '../metrics/metrics.js';
import { makeHealthRecorder, type HealthRecorder } from '../webhooks/health-recorder.js';
import { makeEventGridMirror, noopMirror, type EventMirror } from '../mirror/event-mirror.js';

/** Everything a handler needs, built once per process in a composition root and passed in. */
export interface Deps {
  readonly config: Config;
  readonly webhooks: WebhookStore;
  readonly webhookCache: WebhookCache;
  readonly events: EventStore;
  readonly ingestBatcher: IngestBatcher;
  readonly deadLetters: DeadLetterStore;
  readonly queues: {
    readonly events: QueueClient;
    readonly deliveries: QueueClient;
    readonly eventsPoison: QueueClient;
    readonly deliveriesPoison: QueueClient;
    readonly mirror: QueueClient;
    readonly mirrorPoison: QueueClient;
  };
  /** The Event Grid mirror, or the no-op one when no topic is configured. */
  readonly mirror: EventMirror;
  readonly poster: Poster;
  readonly retryPolicy: RetryPolicy;
  readonly metrics: Metrics;
  /** Prometheus text of this process's metrics, for `GET /api/metrics`. */
  readonly scrapeMetrics: () => Promise<string>;
  readonly health: HealthRecorder;
  readonly now: () => Date;
  /** Work that outlives an invocation (hand-offs); the local host and tests wait for it to drain. */
  readonly background: Set<Promise<unknown>>;
}

/** Builds the dependencies from a config: storage clients, tables and queues created if missing. */
/** What a test may replace: name resolution for outbound requests (to map names to addresses). */
export interface DepsOverrides {
  readonly resolve?: PostOptions['resolve'];
}

export async function makeDeps(config: Config, overrides: DepsOverrides = {}): Promise<Deps> {
  const webhooksTable = createTableClient(config.storage, Table.webhooks);
  const eventsTable = createTableClient(config.storage, Table.events);
  const deadLettersTable = createTableClient(config.storage, Table.deadLetters);
  const queues = {
    events: createQueueClient(config.storage, Queue.events),
    deliveries: createQueueClient(config.storage, Queue.deliveries),
    eventsPoison: createQueueClient(config.storage, poisonQueueName(Queue.events)),
    deliveriesPoison: createQueueClient(config.storage, poisonQueueName(Queue.deliveries)),
    mirror: createQueueClient(config.storage, Queue.mirror),
    mirrorPoison: createQueueClient(config.storage, poisonQueueName(Queue.mirror)),
  };
  const mirror = config.eventGrid
    ? makeEventGridMirror(config.eventGrid, config.storage.kind === 'identity' ? config.storage.clientId : undefined)
    : noopMirror;
  await Promise.all([
    webhooksTable.createTable(),
    eventsTable.createTable(),
    deadLettersTable.createTable(),
    ...Object.values(queues).map((q) => q.createIfNotExists()),
  ]);
  const webhooks = makeWebhookStore(webhooksTable);
  const events = makeEventStore(eventsTable);
  const now = () => new Date();
  const webhookCache = makeWebhookCache(webhooks, config.webhookCacheMs);
  const telemetry = setupMetrics({
    connectionString: config.applicationInsightsConnectionString,
    entraClientId: config.applicationInsightsEntraClientId,
  });
  return {
    config,
    webhooks,
    webhookCache,
    events,
    ingestBatcher: makeIngestBatcher(events, queues.events, now, mirror.enabled ? queues.mirror : undefined),
    deadLetters: makeDeadLetterStore(deadLettersTable),
    queues,
    mirror,
    poster: makePoster({ allowPrivate: config.allowPrivateTargets, ...(overrides.resolve ? { resolve: overrides.resolve } : {}) }),
    retryPolicy: { schedule: config.retrySchedule, maxRetryAfterSeconds: config.maxRetryAfterSeconds, jitter: 0.2 },
    metrics: telemetry.metrics,
    scrapeMetrics: () => telemetry.scrape(),
    health: makeHealthRecorder({
      webhooks,
      invalidate: (registry) => webhookCache.invalidate(registry),
      metrics: telemetry.metrics,
      now,
      autoDisableAfterHours: config.autoDisableAfterHours,
      writeIntervalMs: config.healthWriteIntervalMs,
      log: (message) => console.warn(message),
    }),
    now,
    background: new Set(),
  };
}
