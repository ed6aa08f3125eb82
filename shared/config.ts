import { z } from 'zod';
import { Setting } from './constants.js';
import { DEFAULT_RETRY_SCHEDULE } from './delivery/retry-policy.js';
import { parseEventGridConfig, type EventGridConfig } from './mirror/eventgrid-config.js';

/** How the service reaches Azure Storage: the Functions conventions for `AzureWebJobsStorage`. */
export type StorageConfig =
  | { readonly kind: 'connectionString'; readonly connectionString: string }
  | {
      readonly kind: 'identity';
      readonly tableServiceUri: string;
      readonly queueServiceUri: string;
      readonly clientId: string | undefined;
    };

const keyList = (setting: string) =>
  z
    .string({ error: `${setting} is required: one or more keys, comma-separated` })
    .transform((raw) =>
      raw
        .split(',')
        .map((k) => k.trim())
        .filter((k) => k.length > 0),
    )
    .pipe(
      z.array(z.string().min(16, `each key in ${setting} must be at least 16 characters`)).min(1, `${setting} must name at least one key`),
    );

const intSetting = (setting: string, def: number, min: number, max: number) =>
  z.coerce
    .number({ error: `${setting} must be a whole number` })
    .int(`${setting} must be a whole number`)
    .min(min, `${setting} must be at least ${min}`)
    .max(max, `${setting} must be at most ${max}`)
    .default(def);

const numSetting = (setting: string, def: number, min: number, max: number) =>
  z.coerce
    .number({ error: `${setting} must be a number` })
    .min(min, `${setting} must be at least ${min}`)
    .max(max, `${setting} must be at most ${max}`)
    .default(def);

const envSchema = z.object({
  [Setting.managementKeys]: keyList(Setting.managementKeys),
  [Setting.ingestKeys]: keyList(Setting.ingestKeys),
  [Setting.webhooksPerRegistryLimit]: intSetting(Setting.webhooksPerRegistryLimit, 500, 1, 100_000),
  [Setting.maxRequestBodyBytes]: intSetting(Setting.maxRequestBodyBytes, 1_048_576, 1024, 100 * 1_048_576),
  [Setting.listPageSize]: intSetting(Setting.listPageSize, 100, 1, 1000),
  [Setting.defaultSubscriptionId]: z.string().uuid().default('00000000-0000-0000-0000-000000000000'),
  [Setting.defaultResourceGroup]: z
    .string()
    .regex(/^[-\w._()]{1,90}$/, `${Setting.defaultResourceGroup} must be a valid resource group name`)
    .default('registry-webhooks'),
  [Setting.maxEventsPerRequest]: intSetting(Setting.maxEventsPerRequest, 100, 1, 10_000),
  // An event travels in a queue message (64 KiB base64, shared by a batch): 16 KiB leaves room.
  [Setting.maxEventBytes]: intSetting(Setting.maxEventBytes, 16_384, 1024, 32_768),
  [Setting.deliveryTimeoutSeconds]: numSetting(Setting.deliveryTimeoutSeconds, 15, 0.05, 230),
  [Setting.deliveryInlineWaitSeconds]: numSetting(Setting.deliveryInlineWaitSeconds, 2, 0, 230),
  [Setting.deliveryRetrySchedule]: z
    .string()
    .default(DEFAULT_RETRY_SCHEDULE.join(','))
    .transform((raw) => (raw.trim() === 'none' ? [] : raw.split(',').map((s) => Number(s.trim()))))
    .pipe(
      z
        .array(
          z
            .number({ error: 'must be numbers' })
            .min(0)
            .max(7 * 24 * 3600, 'each delay must be at most 7 days (the queue limit)'),
          {
            error: `${Setting.deliveryRetrySchedule} must be comma-separated seconds, e.g. 5,30,120, or 'none'`,
          },
        )
        .max(50, `${Setting.deliveryRetrySchedule} may have at most 50 delays`)
        .refine(
          (a) => a.every((n) => Number.isFinite(n)),
          `${Setting.deliveryRetrySchedule} must be comma-separated seconds, e.g. 5,30,120, or 'none'`,
        ),
    ),
  [Setting.maxRetryAfterSeconds]: numSetting(Setting.maxRetryAfterSeconds, 3600, 0, 7 * 24 * 3600),
  [Setting.storedResponseBytes]: intSetting(Setting.storedResponseBytes, 16_384, 0, 32_000),
  [Setting.webhookCacheSeconds]: numSetting(Setting.webhookCacheSeconds, 10, 0, 3600),
  [Setting.eventRetentionDays]: intSetting(Setting.eventRetentionDays, 30, 1, 3650),
  [Setting.allowPrivateTargets]: z
    .enum(['true', 'false', '1', '0'], { error: `${Setting.allowPrivateTargets} must be true or false` })
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  // Svix's five days; fractions of an hour are allowed (tests use seconds' worth).
  [Setting.autoDisableAfterHours]: numSetting(Setting.autoDisableAfterHours, 120, 0, 24 * 365),
  [Setting.healthWriteIntervalSeconds]: numSetting(Setting.healthWriteIntervalSeconds, 60, 0, 3600),
  [Setting.applicationInsightsConnectionString]: z.string().optional(),
  // The Functions host's form for Entra ID telemetry: `ClientId=<guid>;Authorization=AAD` (or without ClientId).
  [Setting.applicationInsightsAuthenticationString]: z
    .string()
    .regex(
      /^(?:ClientId=[0-9a-fA-F-]{36};)?Authorization=AAD$/,
      `${Setting.applicationInsightsAuthenticationString} must be 'Authorization=AAD' or 'ClientId=<client id>;Authorization=AAD'`,
    )
    .optional(),
});

/** The service's configuration, parsed once from the environment and frozen. */
export interface Config {
  readonly storage: StorageConfig;
  readonly managementKeys: readonly string[];
  readonly ingestKeys: readonly string[];
  readonly webhooksPerRegistryLimit: number;
  readonly maxRequestBodyBytes: number;
  readonly listPageSize: number;
  readonly defaultSubscriptionId: string;
  readonly defaultResourceGroup: string;
  readonly maxEventsPerRequest: number;
  readonly maxEventBytes: number;
  readonly deliveryTimeoutMs: number;
  readonly deliveryInlineWaitMs: number;
  readonly retrySchedule: readonly number[];
  readonly maxRetryAfterSeconds: number;
  readonly storedResponseBytes: number;
  readonly webhookCacheMs: number;
  readonly eventRetentionDays: number;
  readonly allowPrivateTargets: boolean;
  /** Disable a webhook whose attempts have all failed this long; 0 never does. */
  readonly autoDisableAfterHours: number;
  /** How often, at most, a webhook's delivery health is written when its state does not change. */
  readonly healthWriteIntervalMs: number;
  /** Metrics also go to Application Insights (the Azure Monitor OpenTelemetry distro) when set. */
  readonly applicationInsightsConnectionString: string | undefined;
  /** Send telemetry with Entra ID (the component has local auth off): the managed identity's client id, or '' for the system one. */
  readonly applicationInsightsEntraClientId: string | undefined;
  /** The Event Grid mirror; undefined (a no-op mirror) unless EVENTGRID_TOPIC_ENDPOINT is set. */
  readonly eventGrid: EventGridConfig | undefined;
}

/** Thrown when settings are missing or invalid; its message lists every problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function parseStorage(env: Readonly<Record<string, string | undefined>>): StorageConfig {
  const conn = env[Setting.storage]?.trim();
  if (conn) return { kind: 'connectionString', connectionString: conn };
  // Identity-based connection, the Functions way:
  // https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity
  const account = env[`${Setting.storage}__accountName`]?.trim();
  const tableUri = env[`${Setting.storage}__tableServiceUri`]?.trim();
  const queueUri = env[`${Setting.storage}__queueServiceUri`]?.trim();
  const clientId = env[`${Setting.storage}__clientId`]?.trim() || undefined;
  if (tableUri && queueUri) return { kind: 'identity', tableServiceUri: tableUri, queueServiceUri: queueUri, clientId };
  if (account) {
    if (!/^[a-z0-9]{3,24}$/.test(account)) {
      throw new ConfigError(`${Setting.storage}__accountName must be a storage account name (3-24 lowercase letters and digits)`);
    }
    return {
      kind: 'identity',
      tableServiceUri: tableUri ?? `https://${account}.table.core.windows.net`,
      queueServiceUri: queueUri ?? `https://${account}.queue.core.windows.net`,
      clientId,
    };
  }
  throw new ConfigError(
    `${Setting.storage} is required: a connection string (UseDevelopmentStorage=true for Azurite), ` +
      `or ${Setting.storage}__accountName for a managed identity`,
  );
}

/** `ClientId=<id>;Authorization=AAD` → the id; `Authorization=AAD` → '' (system-assigned identity). */
function entraClientId(authenticationString: string | undefined): string | undefined {
  if (authenticationString === undefined) return undefined;
  return /ClientId=([^;]+)/.exec(authenticationString)?.[1] ?? '';
}

/** Parses the settings once; fails fast with every problem named. Handlers never read `process.env`. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const problems: string[] = [];
  let storage: StorageConfig | undefined;
  try {
    storage = parseStorage(env);
  } catch (err) {
    problems.push((err as Error).message);
  }
  // Empty strings mean "unset", as app settings left blank do in the portal.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const setting = String(issue.path[0] ?? '');
      problems.push(issue.message.includes(setting) ? issue.message : `${setting}: ${issue.message}`);
    }
  }
  const eventGrid = parseEventGridConfig(present);
  if ('problems' in eventGrid) problems.push(...eventGrid.problems);
  if (problems.length > 0 || !parsed.success || !storage || 'problems' in eventGrid) {
    throw new ConfigError(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  const s = parsed.data;
  return Object.freeze({
    storage,
    managementKeys: Object.freeze([...s[Setting.managementKeys]]),
    ingestKeys: Object.freeze([...s[Setting.ingestKeys]]),
    webhooksPerRegistryLimit: s[Setting.webhooksPerRegistryLimit],
    maxRequestBodyBytes: s[Setting.maxRequestBodyBytes],
    listPageSize: s[Setting.listPageSize],
    defaultSubscriptionId: s[Setting.defaultSubscriptionId],
    defaultResourceGroup: s[Setting.defaultResourceGroup],
    maxEventsPerRequest: s[Setting.maxEventsPerRequest],
    maxEventBytes: s[Setting.maxEventBytes],
    deliveryTimeoutMs: Math.round(s[Setting.deliveryTimeoutSeconds] * 1000),
    deliveryInlineWaitMs: Math.round(s[Setting.deliveryInlineWaitSeconds] * 1000),
    retrySchedule: Object.freeze([...s[Setting.deliveryRetrySchedule]]),
    maxRetryAfterSeconds: s[Setting.maxRetryAfterSeconds],
    storedResponseBytes: s[Setting.storedResponseBytes],
    webhookCacheMs: Math.round(s[Setting.webhookCacheSeconds] * 1000),
    eventRetentionDays: s[Setting.eventRetentionDays],
    allowPrivateTargets: s[Setting.allowPrivateTargets],
    autoDisableAfterHours: s[Setting.autoDisableAfterHours],
    healthWriteIntervalMs: Math.round(s[Setting.healthWriteIntervalSeconds] * 1000),
    applicationInsightsConnectionString: s[Setting.applicationInsightsConnectionString],
    applicationInsightsEntraClientId: entraClientId(s[Setting.applicationInsightsAuthenticationString]),
    eventGrid: eventGrid.config,
  });
}
