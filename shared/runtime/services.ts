import { randomUUID } from 'node:crypto';
import functions from '@azure/functions';
import type { Config } from '../config.js';
import type { Clock } from '../clock.js';
import { Table } from '../constants.js';
import { createTableClient, sharedCredential } from '../storage/clients.js';
import { makeQueues, type Queues } from '../storage/queues.js';
import { makeWebhookStore, type WebhookStore } from '../storage/webhook-store.js';
import { makeClaimStore, type ClaimStore } from '../storage/claim-store.js';
import { makeRegistryMemoryStore, type RegistryMemoryStore } from '../storage/registry-memory-store.js';
import { makeDeliveryStore, type DeliveryStore } from '../storage/delivery-store.js';
import { makeHoldStore } from '../storage/hold-store.js';
import { makeHistoryStore, type HistoryStore } from '../storage/history-store.js';
import { makeDeadLetterStore, type DeadLetterStore } from '../storage/dead-letter-store.js';
import { makePoster, type PostOptions } from '../delivery/post-json.js';
import { makeAttemptDelivery, type AttemptDelivery } from '../delivery/attempt-delivery.js';
import { makeDestinations } from '../destinations/registry.js';
import { makePacer } from '../delivery/pacing.js';
import { makePacingStore } from '../storage/pacing-store.js';
import { makeOrderedLanes } from '../delivery/ordered-lanes.js';
import { makeLaneStore } from '../storage/lane-store.js';
import { makeTurns, type Turns } from '../pipeline/in-turn.js';
import { makeEventGridMirror, noopMirror, type EventMirror } from '../mirror/event-mirror.js';
import { makeIngestBatcher, type IngestBatcher, type JournalBatch } from '../pipeline/ingest-batcher.js';
import { makeDispatcher } from '../pipeline/dispatch.js';
import { fanOut } from '../pipeline/fan-out.js';
import { makeDeliveryQueue, type DeliveryQueue } from '../pipeline/delivery-queue.js';
import { makeEventsQueue, type EventsQueue } from '../pipeline/events-queue.js';
import { makeMirrorQueue, type MirrorQueue } from '../pipeline/mirror-queue.js';
import type { Background } from '../pipeline/background.js';
import type { Logger } from '../logger.js';
import { makeCoalesceWindow, type CoalesceWindow } from '../multiarch/coalesce-window.js';
import { makeIndexReader, type IndexReader } from '../multiarch/index-reader.js';
import { makeManifestReader, type ManifestReader } from '../multiarch/manifest-reader.js';
import { entraTokenSource } from '../multiarch/entra-token.js';
import { setupMetrics } from '../metrics/metrics-provider.js';
import type { Metrics } from '../metrics/metrics.js';
import { makeHealthRecorder } from '../webhooks/health-recorder.js';
import { makeRegistryStore, type RegistryStore } from '../storage/registry-store.js';
import { makeRoleAssignmentStore, type RoleAssignmentStore } from '../storage/role-assignment-store.js';
import { makeTokenVerifier } from '../auth/entra-tokens.js';
import { makeAuthorize, type Authorize } from '../auth/authorize.js';

/*
 * The composition root: the one module that builds clients from config and wires the stages. Nothing in
 * shared/ imports it; each stage declares the narrow part it takes (a store, a queue, a clock, some
 * settings), and a function's declaration hands it this whole object, which satisfies all of them.
 */

/** Everything the stages are built from, once per process. */
export interface Services {
  readonly config: Config;
  readonly webhooks: WebhookStore;
  /** Registries' homes (subscription, resource group) and ingest keys. */
  readonly registries: RegistryStore;
  readonly roleAssignments: RoleAssignmentStore;
  /** The access check every HTTP route runs before its handler. */
  readonly authorize: Authorize;
  /** Accepted events and their fan-out claims (`evt|` rows). */
  readonly claims: ClaimStore;
  /** What each registry remembers of manifests and tags. */
  readonly memory: RegistryMemoryStore;
  /** Delivery records (`del|` rows). */
  readonly deliveries: DeliveryStore;
  /** History retention's deletes. */
  readonly history: HistoryStore;
  readonly deadLetters: DeadLetterStore;
  readonly ingestBatcher: IngestBatcher;
  readonly queues: Queues;
  /** The one way each queue's messages are written. */
  readonly eventsQueue: EventsQueue;
  readonly mirrorQueue: MirrorQueue;
  readonly deliveryQueue: DeliveryQueue;
  /** The Event Grid mirror, or the no-op one when no topic is configured. */
  readonly mirror: EventMirror;
  readonly attempt: AttemptDelivery;
  /** The hold window of coalesced (multi-arch) webhooks. */
  readonly coalesceWindow: CoalesceWindow;
  /** Reads image indexes back from registries (platforms of a multi-arch push). */
  readonly indexReader: IndexReader;
  /** Reads manifests back from registries (skipReferrers: a subject, an artifactType). */
  readonly manifestReader: ManifestReader;
  readonly metrics: Metrics;
  /** Prometheus text of this process's metrics, for `GET /api/metrics`. */
  readonly scrapeMetrics: () => Promise<string>;
  readonly now: Clock;
  /** This process, as the owner named in the fan-out claims it holds. */
  readonly owner: string;
  /** A registry's fan-outs take turns to plan (the order ordered lanes are joined in). */
  readonly planning: Turns;
  /** Work that outlives an invocation (dispatch, hand-offs) and the process's logger it logs through. */
  readonly background: Background;
  /** Closes what the process keeps open for deliveries: keep-alive sockets, brokers' AMQP connections. */
  close(): Promise<void>;
}

/** What a test may replace: name resolution for outbound requests (to map names to addresses). */
export interface ServiceOverrides {
  readonly resolve?: PostOptions['resolve'];
  /** The local host's ingest journal (durability of the embedded storage); Azure Storage needs none. */
  readonly journal?: (batch: JournalBatch) => Promise<void>;
  /** The process's logger, for work that outlives an invocation (the local host's log). */
  readonly log?: Logger;
}

/** Builds the services from a config: storage clients, tables and queues created if missing. */
export async function makeServices(config: Config, overrides: ServiceOverrides = {}): Promise<Services> {
  const webhooksTable = createTableClient(config.storage, Table.webhooks);
  const eventsTable = createTableClient(config.storage, Table.events);
  const deadLettersTable = createTableClient(config.storage, Table.deadLetters);
  const registriesTable = createTableClient(config.storage, Table.registries);
  const roleAssignmentsTable = createTableClient(config.storage, Table.roleAssignments);
  const pacingTable = createTableClient(config.storage, Table.pacing);
  const lanesTable = createTableClient(config.storage, Table.orderedLanes);
  const queues = makeQueues(config.storage);
  const eventsQueue = makeEventsQueue(queues.events);
  const mirrorQueue = makeMirrorQueue(queues.mirror);
  const mirror = config.eventGrid
    ? makeEventGridMirror(config.eventGrid, config.storage.kind === 'identity' ? config.storage.clientId : undefined)
    : noopMirror;
  await Promise.all([
    webhooksTable.createTable(),
    eventsTable.createTable(),
    deadLettersTable.createTable(),
    registriesTable.createTable(),
    roleAssignmentsTable.createTable(),
    pacingTable.createTable(),
    lanesTable.createTable(),
    ...Object.values(queues).map((q) => q.createIfNotExists()),
  ]);
  const claims = makeClaimStore(eventsTable);
  const deliveries = makeDeliveryStore(eventsTable);
  const memory = makeRegistryMemoryStore(eventsTable);
  const now = () => new Date();
  const telemetry = setupMetrics({
    connectionString: config.applicationInsightsConnectionString,
    entraClientId: config.applicationInsightsEntraClientId,
  });
  const poster = makePoster({
    allowPrivate: config.allowPrivateTargets,
    connectionsPerOrigin: config.deliveryConnectionsPerOrigin,
    onQueued: (origin, seconds) => telemetry.metrics.queued(origin, seconds),
    ...(overrides.resolve ? { resolve: overrides.resolve } : {}),
  });
  // Queues, topics and hubs without a connection string are sent to with the app's identity, the one storage uses.
  const destinations = makeDestinations({
    poster,
    allowPrivate: config.allowPrivateTargets,
    credential: () => sharedCredential(config.storage.kind === 'identity' ? config.storage.clientId : undefined),
  });
  const usesIdentity = [...config.registryCredentials.values()].some((c) => c.kind === 'managedIdentity');
  const owner = randomUUID();
  // On Azure a context made outside any invocation writes to the console, which the worker sends to the
  // host's log; an invocation's own context must not be used once its handler has returned.
  const background: Background = {
    log: overrides.log ?? new functions.InvocationContext({ functionName: 'background' }),
    running: new Set(),
  };
  const ingestBatcher = makeIngestBatcher({
    claims,
    memory,
    queue: eventsQueue,
    now,
    owner,
    leaseSeconds: config.fanOutLeaseMs / 1000,
    mirrorQueue: mirror.enabled ? mirrorQueue : undefined,
    journal: overrides.journal,
  });
  const webhooks = makeWebhookStore(webhooksTable, config.webhookCacheMs);
  const registries = makeRegistryStore(registriesTable, config.accessCacheMs, async (registryName) => {
    // A registry from before homes existed: its webhooks (made with the management key) say where it lives.
    const first = (await webhooks.listPage(registryName, 1, undefined)).items[0];
    return first && { registryName, subscriptionId: first.subscriptionId, resourceGroup: first.resourceGroup };
  });
  const roleAssignments = makeRoleAssignmentStore(roleAssignmentsTable, config.accessCacheMs);
  const health = makeHealthRecorder({
    webhooks,
    metrics: telemetry.metrics,
    now,
    autoDisableAfterHours: config.autoDisableAfterHours,
    writeIntervalMs: config.healthWriteIntervalMs,
    log: (message) => background.log.warn(message),
  });
  const registryRead = {
    send: poster.post,
    credentials: config.registryCredentials,
    timeoutMs: config.deliveryTimeoutMs,
    ...(usesIdentity ? { entraToken: entraTokenSource() } : {}),
  };
  const services: Services = {
    config,
    webhooks,
    registries,
    roleAssignments,
    authorize: makeAuthorize({
      config,
      verifyToken: config.entra ? makeTokenVerifier(config.entra) : undefined,
      registries,
      assignments: roleAssignments,
    }),
    claims,
    memory,
    deliveries,
    history: makeHistoryStore(eventsTable),
    deadLetters: makeDeadLetterStore(deadLettersTable),
    ingestBatcher,
    queues,
    eventsQueue,
    mirrorQueue,
    deliveryQueue: makeDeliveryQueue(queues.deliveries),
    mirror,
    attempt: makeAttemptDelivery({
      destinations: destinations.for,
      retryPolicy: { schedule: config.retrySchedule, maxRetryAfterSeconds: config.maxRetryAfterSeconds, jitter: 0.2 },
      timeoutMs: config.deliveryTimeoutMs,
      queueWaitMs: config.deliveryQueueWaitMs,
      maxResponseBytes: config.storedResponseBytes,
      now,
      metrics: telemetry.metrics,
      health,
      pacer: makePacer({
        slots: makePacingStore(pacingTable),
        now: () => now().getTime(),
        warn: (message) => background.log.warn(message),
      }),
      lanes: makeOrderedLanes({
        store: makeLaneStore(lanesTable),
        now: () => now().getTime(),
        pending: async (registry, webhook, entry) =>
          (await deliveries.deliveryProgress({ registry, webhook, eventId: entry.eventId, receivedMs: entry.receivedMs }))?.state ===
          'pending',
      }),
      warn: (message) => background.log.warn(message),
    }),
    coalesceWindow: makeCoalesceWindow(makeHoldStore(eventsTable), config.multiArchWindowMs),
    // Reading a manifest back goes through the deliveries' poster: the same SSRF policy and timeout.
    indexReader: makeIndexReader(registryRead),
    manifestReader: makeManifestReader(registryRead),
    metrics: telemetry.metrics,
    scrapeMetrics: () => telemetry.scrape(),
    now,
    owner,
    planning: makeTurns(),
    background,
    async close() {
      await destinations.close();
      poster.close();
    },
  };
  // Dispatch at once: the process that commits a batch fans it out (the queue is the safety net).
  ingestBatcher.onCommitted(
    makeDispatcher({
      queue: eventsQueue,
      leaseMs: config.fanOutLeaseMs,
      fanOut: (registry, claimed, log) => fanOut(services, registry, claimed, log),
      background,
    }),
  );
  return services;
}
