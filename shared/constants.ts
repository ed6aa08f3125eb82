/**
 * Names that cross a process boundary: settings, tables and queues. One place, so a rename is one edit
 * and the infrastructure templates can be checked against it.
 */
export const Setting = {
  storage: 'AzureWebJobsStorage',
  managementKeys: 'MANAGEMENT_KEYS',
  ingestKeys: 'INGEST_KEYS',
  webhooksPerRegistryLimit: 'WEBHOOKS_PER_REGISTRY_LIMIT',
  maxRequestBodyBytes: 'MAX_REQUEST_BODY_BYTES',
  listPageSize: 'LIST_PAGE_SIZE',
  defaultSubscriptionId: 'DEFAULT_SUBSCRIPTION_ID',
  defaultResourceGroup: 'DEFAULT_RESOURCE_GROUP',
  maxEventsPerRequest: 'MAX_EVENTS_PER_REQUEST',
  maxEventBytes: 'MAX_EVENT_BYTES',
  deliveryTimeoutSeconds: 'DELIVERY_TIMEOUT_SECONDS',
  deliveryInlineWaitSeconds: 'DELIVERY_INLINE_WAIT_SECONDS',
  deliveryConnectionsPerOrigin: 'DELIVERY_CONNECTIONS_PER_ORIGIN',
  deliveryQueueWaitSeconds: 'DELIVERY_QUEUE_WAIT_SECONDS',
  fanOutLeaseSeconds: 'FANOUT_LEASE_SECONDS',
  deliveryRetrySchedule: 'DELIVERY_RETRY_SCHEDULE',
  maxRetryAfterSeconds: 'DELIVERY_MAX_RETRY_AFTER_SECONDS',
  storedResponseBytes: 'STORED_RESPONSE_BYTES',
  webhookCacheSeconds: 'WEBHOOK_CACHE_SECONDS',
  eventRetentionDays: 'EVENT_RETENTION_DAYS',
  allowPrivateTargets: 'ALLOW_PRIVATE_TARGETS',
  eventGridTopicEndpoint: 'EVENTGRID_TOPIC_ENDPOINT',
  eventGridTopicKey: 'EVENTGRID_TOPIC_KEY',
  eventGridSchema: 'EVENTGRID_SCHEMA',
  eventGridRetrySchedule: 'EVENTGRID_RETRY_SCHEDULE',
  multiArchWindowSeconds: 'MULTI_ARCH_WINDOW_SECONDS',
  registryCredentials: 'REGISTRY_CREDENTIALS',
  autoDisableAfterHours: 'AUTO_DISABLE_AFTER_HOURS',
  healthWriteIntervalSeconds: 'HEALTH_WRITE_INTERVAL_SECONDS',
  applicationInsightsConnectionString: 'APPLICATIONINSIGHTS_CONNECTION_STRING',
  applicationInsightsAuthenticationString: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  entraTenants: 'ENTRA_TENANTS',
  entraAudiences: 'ENTRA_AUDIENCES',
  entraAuthority: 'ENTRA_AUTHORITY',
  accessCacheSeconds: 'ACCESS_CACHE_SECONDS',
} as const;

/** Table names (letters and digits only, as Table Storage requires). */
export const Table = {
  webhooks: 'webhooks',
  events: 'events',
  deadLetters: 'deadletters',
  roleAssignments: 'roleassignments',
  registries: 'registries',
  pacing: 'webhookpacing',
  orderedLanes: 'orderedlanes',
} as const;

/** Queue names (lowercase letters, digits and '-'); the host's poison queues are `<name>-poison`. */
export const Queue = {
  events: 'registry-events',
  deliveries: 'webhook-deliveries',
  mirror: 'eventgrid-mirror',
} as const;

export const poisonQueueName = (queue: string) => `${queue}-poison`;

/** The route prefix the Functions host uses when host.json does not set one. */
export const DEFAULT_ROUTE_PREFIX = 'api';

/** ARM resource type of a webhook, as ACR returns it. */
export const WEBHOOK_RESOURCE_TYPE = 'Microsoft.ContainerRegistry/registries/webhooks';

/** The connection setting queue triggers use: the host's own storage (AzureWebJobsStorage). */
export const QUEUE_CONNECTION = 'AzureWebJobsStorage';
