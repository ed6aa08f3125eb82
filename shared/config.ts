import { z } from 'zod';
import { Setting } from './constants.js';
import { parseRegistryCredentials } from './registry-credentials.js';

/*
 * The service's configuration: one zod schema over the environment, parsed once at start-up
 * (`loadConfig`), frozen, and failing fast with every problem named. `Config` is what the schema's
 * transform produces, so there is no second description of it to keep in step. Defaults that are policy
 * (the retry schedules) live here too, as data.
 */

/** Seconds before each retry of a failed delivery; a delivery gets `length + 1` attempts in all. */
const DEFAULT_RETRY_SCHEDULE = [5, 30, 120, 600, 1800, 3600, 10800, 21600, 43200] as const;

/** Seconds before each retry of a failed mirror publish (the last repeats); whole seconds, a queue's visibility unit. */
const DEFAULT_MIRROR_RETRY_SCHEDULE = [5, 30, 60, 300, 900, 1800, 3600] as const;

/** Input schemas the mirror publishes in; the names are `@azure/eventgrid`'s (`EventGrid` | `CloudEvent`). */
const MIRROR_SCHEMAS = ['EventGrid', 'CloudEvent'] as const;

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

const settings = z.object({
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
  // Requests in flight to one origin (scheme, host, port) at once; more wait for a connection.
  [Setting.deliveryConnectionsPerOrigin]: intSetting(Setting.deliveryConnectionsPerOrigin, 64, 1, 1024),
  // The longest a delivery waits in memory for a connection or its turn; beyond it, it waits in the delivery queue.
  [Setting.deliveryQueueWaitSeconds]: numSetting(Setting.deliveryQueueWaitSeconds, 5, 0, 60),
  // How long a fan-out's claim on an event (and its queue message's invisibility) lasts before another
  // worker may take it over; the dispatching process renews the message while it works.
  [Setting.fanOutLeaseSeconds]: intSetting(Setting.fanOutLeaseSeconds, 30, 2, 600),
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
  [Setting.accessCacheSeconds]: numSetting(Setting.accessCacheSeconds, 5, 0, 300),
  [Setting.webhookCacheSeconds]: numSetting(Setting.webhookCacheSeconds, 10, 0, 3600),
  [Setting.eventRetentionDays]: intSetting(Setting.eventRetentionDays, 30, 1, 3650),
  [Setting.multiArchWindowSeconds]: numSetting(Setting.multiArchWindowSeconds, 10, 0, 600),
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

/** `ClientId=<id>;Authorization=AAD` → the id; `Authorization=AAD` → '' (system-assigned identity). */
function entraClientId(authenticationString: string | undefined): string | undefined {
  if (authenticationString === undefined) return undefined;
  return /ClientId=([^;]+)/.exec(authenticationString)?.[1] ?? '';
}

// How the service reaches Azure Storage: the Functions conventions for `AzureWebJobsStorage`, a connection
// string or an identity-based connection:
// https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity
const storage = z
  .object({
    [Setting.storage]: z.string().optional(),
    [`${Setting.storage}__accountName`]: z.string().optional(),
    [`${Setting.storage}__tableServiceUri`]: z.string().optional(),
    [`${Setting.storage}__queueServiceUri`]: z.string().optional(),
    [`${Setting.storage}__clientId`]: z.string().optional(),
  })
  .transform((s, ctx) => {
    const conn = s[Setting.storage]?.trim();
    if (conn) return { kind: 'connectionString' as const, connectionString: conn };
    const account = s[`${Setting.storage}__accountName`]?.trim();
    const tableUri = s[`${Setting.storage}__tableServiceUri`]?.trim();
    const queueUri = s[`${Setting.storage}__queueServiceUri`]?.trim();
    const clientId = s[`${Setting.storage}__clientId`]?.trim() || undefined;
    if (tableUri && queueUri) return { kind: 'identity' as const, tableServiceUri: tableUri, queueServiceUri: queueUri, clientId };
    if (account && /^[a-z0-9]{3,24}$/.test(account)) {
      return {
        kind: 'identity' as const,
        tableServiceUri: tableUri ?? `https://${account}.table.core.windows.net`,
        queueServiceUri: queueUri ?? `https://${account}.queue.core.windows.net`,
        clientId,
      };
    }
    ctx.addIssue({
      code: 'custom',
      path: [account ? `${Setting.storage}__accountName` : Setting.storage],
      message: account
        ? `${Setting.storage}__accountName must be a storage account name (3-24 lowercase letters and digits)`
        : `${Setting.storage} is required: a connection string (UseDevelopmentStorage=true for Azurite), ` +
          `or ${Setting.storage}__accountName for a managed identity`,
    });
    return z.NEVER;
  });

export type StorageConfig = z.output<typeof storage>;

/** Only the storage settings, for a tool that reaches the account and nothing else (`npm run migrate`). */
export function loadStorageConfig(env: Readonly<Record<string, string | undefined>>): StorageConfig {
  const parsed = storage.safeParse(env);
  if (parsed.success) return parsed.data;
  throw new ConfigError(`invalid configuration:\n  - ${parsed.error.issues.map((issue) => issue.message).join('\n  - ')}`);
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

const topicEndpoint = z.string().transform((raw, ctx) => {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    ctx.addIssue({
      code: 'custom',
      message: `${Setting.eventGridTopicEndpoint} must be a URL such as https://<topic>.<region>-1.eventgrid.azure.net/api/events`,
    });
    return z.NEVER;
  }
  // Plain http only for a local stand-in: a topic key or token must never cross the network in clear.
  if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.test(url.hostname))) return url.toString();
  ctx.addIssue({
    code: 'custom',
    message: `${Setting.eventGridTopicEndpoint} must be https (plain http is accepted only for a loopback host such as 127.0.0.1)`,
  });
  return z.NEVER;
});

const mirrorScheduleError = `${Setting.eventGridRetrySchedule} must be comma-separated whole seconds (each 1 to 604800), e.g. 5,30,300`;

// The Event Grid mirror: absent (a no-op mirror) unless a topic endpoint is set.
const eventGrid = z
  .object({
    [Setting.eventGridTopicEndpoint]: topicEndpoint.optional(),
    /** A topic access key; without one the mirror authenticates with Entra ID (DefaultAzureCredential). */
    [Setting.eventGridTopicKey]: z.string().min(1).optional(),
    [Setting.eventGridSchema]: z
      .enum(MIRROR_SCHEMAS, { error: `${Setting.eventGridSchema} must be EventGrid (the default) or CloudEvent` })
      .default('EventGrid'),
    [Setting.eventGridRetrySchedule]: z
      .string()
      .default(DEFAULT_MIRROR_RETRY_SCHEDULE.join(','))
      .transform((raw) => raw.split(',').map((s) => Number(s.trim())))
      .pipe(
        z
          .array(
            z
              .number({ error: mirrorScheduleError })
              .int(mirrorScheduleError)
              .min(1, mirrorScheduleError)
              .max(7 * 24 * 3600, mirrorScheduleError),
          )
          .min(1, mirrorScheduleError)
          .max(50, `${Setting.eventGridRetrySchedule} may have at most 50 delays`),
      ),
  })
  .refine((s) => !s[Setting.eventGridTopicKey] || s[Setting.eventGridTopicEndpoint], {
    message: `${Setting.eventGridTopicKey} is set but ${Setting.eventGridTopicEndpoint} is not: set the topic's endpoint too`,
    path: [Setting.eventGridTopicKey],
  })
  .transform((s) => {
    const endpoint = s[Setting.eventGridTopicEndpoint];
    if (!endpoint) return undefined;
    return Object.freeze({
      endpoint,
      key: s[Setting.eventGridTopicKey],
      schema: s[Setting.eventGridSchema],
      /** Seconds to wait before each retry of a failed publish; the last delay repeats. */
      retrySchedule: Object.freeze([...s[Setting.eventGridRetrySchedule]]),
    });
  });

export type EventGridConfig = NonNullable<z.output<typeof eventGrid>>;

// Pull credentials per registry host, for reading image indexes back (secrets: a problem names the host only).
const registryCredentials = z.object({ [Setting.registryCredentials]: z.string().optional() }).transform((s, ctx) => {
  const parsed = parseRegistryCredentials(s[Setting.registryCredentials], Setting.registryCredentials);
  if ('credentials' in parsed) return parsed.credentials;
  ctx.addIssue({ code: 'custom', path: [Setting.registryCredentials], message: parsed.problem });
  return z.NEVER;
});

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const list = (raw: string | undefined) =>
  (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

// Entra ID tokens: absent (keys only, as before) unless a tenant or an audience is set.
const entra = z
  .object({
    [Setting.entraTenants]: z.string().optional(),
    [Setting.entraAudiences]: z.string().optional(),
    [Setting.entraAuthority]: z.string().optional(),
  })
  .transform((s, ctx) => {
    const tenants = list(s[Setting.entraTenants]).map((t) => t.toLowerCase());
    const audiences = list(s[Setting.entraAudiences]);
    const rawAuthority = s[Setting.entraAuthority]?.trim();
    if (tenants.length === 0 && audiences.length === 0 && !rawAuthority) return undefined;
    if (tenants.length === 0 || tenants.some((t) => !GUID.test(t)))
      ctx.addIssue({
        code: 'custom',
        path: [Setting.entraTenants],
        message: `${Setting.entraTenants} must list one or more tenant ids (GUIDs), comma-separated`,
      });
    if (audiences.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: [Setting.entraAudiences],
        message: `${Setting.entraAudiences} must list the App ID URI and/or client id tokens are issued for, comma-separated`,
      });
    let authority = 'https://login.microsoftonline.com';
    if (rawAuthority) {
      try {
        const url = new URL(rawAuthority);
        if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.test(url.hostname))) throw new Error('scheme');
        authority = url.toString().replace(/\/+$/, '');
      } catch {
        ctx.addIssue({
          code: 'custom',
          path: [Setting.entraAuthority],
          message: `${Setting.entraAuthority} must be an https URL such as https://login.microsoftonline.com (http only for a loopback host)`,
        });
      }
    }
    return Object.freeze({ tenants: Object.freeze(tenants), audiences: Object.freeze(audiences), authority });
  });

export type EntraConfig = NonNullable<z.output<typeof entra>>;

/*
 * The parts read the same environment (each object keeps only its own settings), so a problem in
 * any of them is reported with all the others.
 */
const configSchema = z
  .object({ settings, storage, eventGrid, registryCredentials, entra })
  .transform(({ settings: s, storage, eventGrid, registryCredentials, entra }) =>
    Object.freeze({
      storage: Object.freeze(storage),
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
      /** At most this many requests in flight to one origin; the rest wait, in order of receipt. */
      deliveryConnectionsPerOrigin: s[Setting.deliveryConnectionsPerOrigin],
      /** A delivery waits in memory at most this long (for a connection, its rate-limit turn); then in the queue. */
      deliveryQueueWaitMs: Math.round(s[Setting.deliveryQueueWaitSeconds] * 1000),
      fanOutLeaseMs: s[Setting.fanOutLeaseSeconds] * 1000,
      retrySchedule: Object.freeze([...s[Setting.deliveryRetrySchedule]]),
      maxRetryAfterSeconds: s[Setting.maxRetryAfterSeconds],
      storedResponseBytes: s[Setting.storedResponseBytes],
      webhookCacheMs: Math.round(s[Setting.webhookCacheSeconds] * 1000),
      eventRetentionDays: s[Setting.eventRetentionDays],
      allowPrivateTargets: s[Setting.allowPrivateTargets],
      /** How long a tagless manifest push waits for an index to claim it, for coalesced webhooks. */
      multiArchWindowMs: Math.round(s[Setting.multiArchWindowSeconds] * 1000),
      /** Pull credentials per registry host, for reading image indexes back (secrets). */
      registryCredentials,
      /** Disable a webhook whose attempts have all failed this long; 0 never does. */
      autoDisableAfterHours: s[Setting.autoDisableAfterHours],
      /** How often, at most, a webhook's delivery health is written when its state does not change. */
      healthWriteIntervalMs: Math.round(s[Setting.healthWriteIntervalSeconds] * 1000),
      /** Metrics also go to Application Insights (the Azure Monitor OpenTelemetry distro) when set. */
      applicationInsightsConnectionString: s[Setting.applicationInsightsConnectionString],
      /** Send telemetry with Entra ID (the component has local auth off): the managed identity's client id, or '' for the system one. */
      applicationInsightsEntraClientId: entraClientId(s[Setting.applicationInsightsAuthenticationString]),
      /** The Event Grid mirror; undefined (a no-op mirror) unless EVENTGRID_TOPIC_ENDPOINT is set. */
      eventGrid,
      /** Entra ID bearer tokens; undefined (keys only) unless ENTRA_TENANTS / ENTRA_AUDIENCES are set. */
      entra,
      /** How long a process caches role assignments and registry keys it did not write itself. */
      accessCacheMs: Math.round(s[Setting.accessCacheSeconds] * 1000),
    }),
  );

/** The service's configuration, parsed once from the environment and frozen. */
export type Config = z.output<typeof configSchema>;

/** Thrown when settings are missing or invalid; its message lists every problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the settings once; fails fast with every problem named. Handlers never read `process.env`. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  // Empty strings mean "unset", as app settings left blank do in the portal.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = configSchema.safeParse({
    settings: present,
    storage: present,
    eventGrid: present,
    registryCredentials: present,
    entra: present,
  });
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const setting = String(issue.path[1] ?? issue.path[0] ?? '');
    return issue.message.includes(setting) ? issue.message : `${setting}: ${issue.message}`;
  });
  throw new ConfigError(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
}
