import { z } from 'zod';
import { scopeProblem } from './scope.js';
import type { DeliveryHealth } from './delivery-health.js';

/*
 * The webhook, the service's one domain object: the record as it is kept, and the request bodies that
 * create and change it (ACR's WebhookCreateParameters and WebhookUpdateParameters), parsed with zod.
 */
export const WEBHOOK_ACTIONS = ['push', 'delete', 'quarantine', 'chart_push', 'chart_delete'] as const;
type WebhookAction = (typeof WEBHOOK_ACTIONS)[number];
export const WEBHOOK_STATUSES = ['enabled', 'disabled'] as const;
/**
 * How a webhook hears of a multi-arch push: `perManifest` (ACR's behaviour, the default: one event per
 * manifest, the index included) or `coalesced` (one event for the index, listing its platforms).
 */
export const MULTI_ARCH_MODES = ['perManifest', 'coalesced'] as const;
type MultiArchMode = (typeof MULTI_ARCH_MODES)[number];
/**
 * The body a webhook's deliveries carry (issue 23): `acr` (ACR's payload, the default), `cloudevents`
 * (CloudEvents 1.0 structured JSON, as ACR's Event Grid events), `slack` (an incoming-webhook message) or
 * `teams` (a message with one Adaptive Card). Each has one renderer in delivery/formats/.
 */
export const PAYLOAD_FORMATS = ['acr', 'cloudevents', 'slack', 'teams'] as const;
export type PayloadFormat = (typeof PAYLOAD_FORMATS)[number];
/**
 * Where a webhook's deliveries go, by Event Grid's names for its destinations: `WebHook` (ACR's POST, the
 * default), a Storage Queue, a Service Bus queue or topic, an event hub. `serviceUri` is the entity's URL.
 */
export const ENDPOINT_TYPES = ['WebHook', 'StorageQueue', 'ServiceBusQueue', 'ServiceBusTopic', 'EventHub'] as const;
export type EndpointType = (typeof ENDPOINT_TYPES)[number];
/** A queue message's longest time to live we accept, in seconds (Int32, as Storage's `messagettl`); -1 is "never expires". */
const MAX_QUEUE_TTL_SECONDS = 2_147_483_647;
type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];

/**
 * A webhook as stored. `serviceUri`, `customHeaders`, `connectionString` and the signing secrets are
 * write-only: only getCallbackConfig shows them.
 */
export interface WebhookRecord {
  readonly registryName: string;
  readonly name: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly location: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly serviceUri: string;
  readonly customHeaders: Readonly<Record<string, string>>;
  readonly status: WebhookStatus;
  readonly scope: string;
  readonly actions: readonly WebhookAction[];
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Standard Webhooks signing secret (`whsec_…`), revealed only by getCallbackConfig. */
  readonly signingSecret: string | undefined;
  /** The secret before the last rotation, still used to sign until `previousSecretExpiresAt`. */
  readonly previousSigningSecret: string | undefined;
  readonly previousSecretExpiresAt: string | undefined;
  /** Why the service changed the status (a 410 Gone disables the webhook). */
  readonly statusReason: string | undefined;
  /** As set through the API; undefined (never set) behaves as `perManifest`. */
  readonly multiArch: MultiArchMode | undefined;
  /**
   * At most this many requests per second to `serviceUri` (the delivery engine's token bucket for this
   * webhook, shared across workers); undefined: no limit.
   */
  readonly rateLimitPerSecond: number | undefined;
  /** As set through the API; undefined (never set) renders ACR's payload (`acr`). */
  readonly payloadFormat: PayloadFormat | undefined;
  /**
   * When true, events for signatures, attestations and SBOMs (cosign's `sha256-<hex>…` tags, manifests with
   * a `subject` or a referrer's `artifactType`) are recorded as skipped, not sent. Undefined: false.
   */
  readonly skipReferrers: boolean | undefined;
  /** As set through the API; undefined (never set: every webhook ACR's clients make) behaves as `WebHook`. */
  readonly endpointType: EndpointType | undefined;
  /** Credentials for a queue, topic or hub (its account's or namespace's connection string); undefined: the app's managed identity. */
  readonly connectionString: string | undefined;
  /** A queued message's time to live in seconds, -1 for never; undefined: 7 days (Storage Queue), the entity's default (Service Bus). */
  readonly queueMessageTimeToLiveSeconds: number | undefined;
  /** Written by the health recorder only when due (see delivery-health.ts); absent until a first attempt. */
  readonly deliveryHealth: DeliveryHealth | undefined;
}

/** Locations compare as ARM compares them: 'West US' and 'westus' are one region. */
export function sameLocation(a: string, b: string): boolean {
  const norm = (s: string) => s.replaceAll(' ', '').toLowerCase();
  return norm(a) === norm(b);
}

/** Limits on what a webhook may carry; generous for real use, small enough to keep entities in bounds. */
const Limits = {
  serviceUriLength: 2048,
  customHeaderCount: 50,
  customHeaderNameLength: 256,
  customHeaderValueLength: 4096,
  customHeadersTotalBytes: 16_384,
  connectionStringLength: 4096,
  tagCount: 50,
  tagKeyLength: 512,
  tagValueLength: 256,
  locationLength: 64,
} as const;

/**
 * Headers a webhook may not set: framing and hop-by-hop headers (RFC 9110 §7.6.1, RFC 9112) would corrupt
 * the request, and the signature headers are ours to set.
 */
const FORBIDDEN_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-connection',
  'proxy-authorization',
  'expect',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
]);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Visible ASCII and Latin-1 plus space and tab; no CR, LF or NUL (header injection).
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

const serviceUri = z
  .string({ error: 'serviceUri must be a string: the absolute http(s) URL to POST events to' })
  .max(Limits.serviceUriLength, `serviceUri must be at most ${Limits.serviceUriLength} characters`)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
    } catch {
      return false;
    }
  }, 'serviceUri must be an absolute http or https URL, for example https://example.com/hook');

const customHeaders = z
  .record(z.string(), z.string({ error: 'each custom header value must be a string' }), {
    error: 'customHeaders must be an object of header names to values, for example {"Authorization": "Basic ..."}',
  })
  .superRefine((headers, ctx) => {
    const entries = Object.entries(headers);
    if (entries.length > Limits.customHeaderCount) {
      ctx.addIssue({ code: 'custom', message: `at most ${Limits.customHeaderCount} custom headers are allowed` });
    }
    let total = 0;
    const seen = new Set<string>();
    for (const [name, value] of entries) {
      total += name.length + value.length;
      const lower = name.toLowerCase();
      if (!TOKEN.test(name) || name.length > Limits.customHeaderNameLength) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `'${name}' is not a valid header name: use letters, digits and !#$%&'*+.^_\`|~- (at most ${Limits.customHeaderNameLength})`,
        });
      } else if (FORBIDDEN_HEADERS.has(lower)) {
        ctx.addIssue({ code: 'custom', path: [name], message: `the header '${name}' cannot be set on a webhook: the service sets it` });
      } else if (seen.has(lower)) {
        ctx.addIssue({ code: 'custom', path: [name], message: `the header '${name}' is given twice (header names are case-insensitive)` });
      }
      seen.add(lower);
      if (!FIELD_VALUE.test(value) || value.length > Limits.customHeaderValueLength) {
        // Never echo the value: custom headers are secrets.
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `the value of header '${name}' must be at most ${Limits.customHeaderValueLength} characters without line breaks or control characters`,
        });
      }
    }
    if (total > Limits.customHeadersTotalBytes) {
      ctx.addIssue({ code: 'custom', message: `custom headers must total at most ${Limits.customHeadersTotalBytes} characters` });
    }
  });

const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v);

const status = z.preprocess(lower, z.enum(WEBHOOK_STATUSES, { error: "status must be 'enabled' or 'disabled'" }));

const actions = z
  .array(z.preprocess(lower, z.enum(WEBHOOK_ACTIONS, { error: `each action must be one of ${WEBHOOK_ACTIONS.join(', ')}` })), {
    error: `actions must be a list of ${WEBHOOK_ACTIONS.join(', ')}`,
  })
  .min(1, `actions must name at least one of ${WEBHOOK_ACTIONS.join(', ')}`)
  .transform((list) => [...new Set(list)]);

const multiArch = z.preprocess(
  (v) => (typeof v === 'string' ? (MULTI_ARCH_MODES.find((m) => m.toLowerCase() === v.toLowerCase()) ?? v) : v),
  z.enum(MULTI_ARCH_MODES, {
    error: "multiArch must be 'perManifest' (one event per manifest, as ACR) or 'coalesced' (one per image index)",
  }),
);

const payloadFormat = z.preprocess(
  (v) => (typeof v === 'string' ? v.toLowerCase() : v),
  z.enum(PAYLOAD_FORMATS, {
    error: `payloadFormat must be one of ${PAYLOAD_FORMATS.join(', ')} (acr, ACR's own payload, when left out)`,
  }),
);

/** The OpenAPI descriptions of `properties.payloadFormat` and `properties.skipReferrers`. */
export const PAYLOAD_FORMAT_DESCRIPTION =
  "Extension: the body each delivery carries: 'acr' (ACR's payload, the default), 'cloudevents' (CloudEvents 1.0 structured JSON, typed as ACR's Event Grid events), 'slack' (a Slack incoming-webhook message) or 'teams' (a message with one Adaptive Card, for a Teams Workflows webhook).";
export const SKIP_REFERRERS_DESCRIPTION =
  "Extension: when true, events for signatures, attestations and SBOMs (tags of cosign's form sha256-<hex>…, manifests with a subject or a referrer's artifactType) are recorded as skipped, not delivered. Default false.";

const skipReferrers = z.boolean({ error: 'skipReferrers must be true or false' });

/** The OpenAPI description of `properties.rateLimitPerSecond`, in requests and answers alike. */
export const RATE_LIMIT_DESCRIPTION =
  "Extension: at most this many requests per second to this webhook's endpoint; deliveries over the limit wait their turn in order of receipt and are not failures. Absent: no limit.";

/**
 * `properties.rateLimitPerSecond`: requests per second, 1 to 1000. 0 is refused rather than read as "no
 * limit", and the message says how to ask for that; `abort` keeps a huge number to one issue, not two.
 */
export const rateLimitPerSecond = z
  .int({
    error:
      'rateLimitPerSecond must be a whole number from 1 to 1000 (requests per second); for no limit leave it out, or send null in an update',
    abort: true,
  })
  .min(1, 'rateLimitPerSecond must be at least 1 request per second; for no limit leave it out, or send null in an update')
  .max(1000, 'rateLimitPerSecond must be at most 1000 (requests per second)');
const endpointType = z.preprocess(
  (v) => (typeof v === 'string' ? (ENDPOINT_TYPES.find((t) => t.toLowerCase() === v.toLowerCase()) ?? v) : v),
  z
    .enum(ENDPOINT_TYPES, { error: `endpointType must be one of ${ENDPOINT_TYPES.join(', ')} (WebHook when left out)` })
    .describe(
      "Where events go (our extension, Event Grid's names): WebHook POSTs to serviceUri; the others send to the queue, topic or hub at serviceUri",
    ),
);

// Never echoed in a message: a connection string holds a key.
const connectionString = z
  .string({ error: "connectionString must be a string: the storage account's or the namespace's connection string" })
  .max(Limits.connectionStringLength, `connectionString must be at most ${Limits.connectionStringLength} characters`)
  .regex(/^[\x20-\x7e]*$/, 'connectionString must be one line of printable ASCII')
  .describe(
    "Write-only: the storage account's or namespace's connection string (default: the app's managed identity); \"\" in a PATCH removes it",
  );

const queueMessageTimeToLiveSeconds = z
  .number({ error: 'queueMessageTimeToLiveSeconds must be a number of seconds' })
  .int('queueMessageTimeToLiveSeconds must be a whole number of seconds')
  .refine(
    (v) => v === -1 || (v >= 1 && v <= MAX_QUEUE_TTL_SECONDS),
    `queueMessageTimeToLiveSeconds must be from 1 to ${MAX_QUEUE_TTL_SECONDS}, or -1 for messages that never expire`,
  )
  .describe(
    'Time to live of each queued message, seconds; -1 never expires (default: 7 days for StorageQueue, the entity default for Service Bus)',
  );

const scope = z.string({ error: "scope must be a string such as 'repository:tag'" }).superRefine((value, ctx) => {
  const problem = scopeProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const tags = z
  .record(z.string().max(Limits.tagKeyLength), z.string({ error: 'each tag value must be a string' }).max(Limits.tagValueLength), {
    error: 'tags must be an object of names to string values',
  })
  .refine((t) => Object.keys(t).length <= Limits.tagCount, `at most ${Limits.tagCount} tags are allowed`);

const location = z
  .string({ error: "location is required: the Azure region of the registry, for example 'westus'" })
  .trim()
  .min(1, "location is required: the Azure region of the registry, for example 'westus'")
  .max(Limits.locationLength)
  .regex(/^[A-Za-z0-9 -]+$/, "location must be a region name such as 'westus'");

/** `null` means "not given", as some ARM clients send it. */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === null ? undefined : v), schema.optional());

/** Body of `PUT .../webhooks/{name}` (ACR's WebhookCreateParameters). Unknown top-level fields are ignored. */
export const webhookCreateBody = z.object({
  location,
  tags: optional(tags),
  properties: z
    .object(
      {
        serviceUri,
        customHeaders: optional(customHeaders),
        status: optional(status),
        scope: optional(scope),
        actions,
        multiArch: optional(multiArch),
        rateLimitPerSecond: optional(rateLimitPerSecond).meta({ description: RATE_LIMIT_DESCRIPTION }),
        payloadFormat: optional(payloadFormat).meta({ description: PAYLOAD_FORMAT_DESCRIPTION }),
        skipReferrers: optional(skipReferrers).meta({ description: SKIP_REFERRERS_DESCRIPTION }),
        endpointType: optional(endpointType),
        connectionString: optional(connectionString),
        queueMessageTimeToLiveSeconds: optional(queueMessageTimeToLiveSeconds),
      },
      { error: (issue) => (issue.code === 'invalid_type' ? 'properties is required: {serviceUri, actions, ...}' : undefined) },
    )
    .strict(),
});

/** Body of `PATCH .../webhooks/{name}` (ACR's WebhookUpdateParameters): only what is sent changes. */
export const webhookUpdateBody = z.object({
  location: optional(location),
  tags: optional(tags),
  properties: optional(
    z
      .object({
        serviceUri: optional(serviceUri),
        customHeaders: optional(customHeaders),
        status: optional(status),
        scope: optional(scope),
        actions: optional(actions),
        multiArch: optional(multiArch),
        /*
         * Unlike the fields above, null here is not "not given" but removes the limit, as ARM's PATCH
         * (JSON merge patch, RFC 7396) means it. The clients that send null for fields they leave unset
         * (the reason for `optional`) do not know this extension, so they cannot clear it by accident.
         */
        rateLimitPerSecond: rateLimitPerSecond
          .nullable()
          .optional()
          .meta({ description: `${RATE_LIMIT_DESCRIPTION} In an update, null removes the limit.` }),
        payloadFormat: optional(payloadFormat).meta({ description: PAYLOAD_FORMAT_DESCRIPTION }),
        skipReferrers: optional(skipReferrers).meta({ description: SKIP_REFERRERS_DESCRIPTION }),
        endpointType: optional(endpointType),
        /** `""` removes it (the managed identity then). */
        connectionString: optional(connectionString),
        queueMessageTimeToLiveSeconds: optional(queueMessageTimeToLiveSeconds),
      })
      .strict(),
  ),
});
export type WebhookUpdateBody = z.infer<typeof webhookUpdateBody>;
