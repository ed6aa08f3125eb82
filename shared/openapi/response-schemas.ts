import { z } from 'zod';
import { ErrorStatus } from '../errors.js';
import { DELIVERY_STATES } from '../delivery/delivery-record.js';
import { deliveryHealthSchema } from '../webhooks/delivery-health.js';
import {
  ENDPOINT_TYPES,
  MULTI_ARCH_MODES,
  PAYLOAD_FORMAT_DESCRIPTION,
  PAYLOAD_FORMATS,
  RATE_LIMIT_DESCRIPTION,
  rateLimitPerSecond,
  SKIP_REFERRERS_DESCRIPTION,
  WEBHOOK_ACTIONS,
  WEBHOOK_STATUSES,
} from '../webhooks/webhook.js';
import { WEBHOOK_RESOURCE_TYPE } from '../constants.js';

/*
 * The shapes the API answers with, as zod schemas: the OpenAPI document is generated from them (and from
 * the request schemas the handlers parse with), and tests parse real answers with them.
 */

/** ACR's error body: `{"error":{"code","message","target"?}}`. */
export const errorBody = z.object({
  error: z.object({
    code: z.enum(Object.keys(ErrorStatus) as [keyof typeof ErrorStatus, ...(keyof typeof ErrorStatus)[]]),
    message: z.string(),
    target: z.string().optional(),
  }),
});

/**
 * ACR's Webhook resource, plus `statusReason`, our `multiArch`, `rateLimitPerSecond`, `payloadFormat` and
 * `skipReferrers`, and the read-only `deliveryHealth`.
 */
export const webhookResource = z.object({
  id: z.string(),
  name: z.string(),
  type: z.literal(WEBHOOK_RESOURCE_TYPE),
  location: z.string(),
  tags: z.record(z.string(), z.string()),
  systemData: z.object({ createdAt: z.string(), lastModifiedAt: z.string() }),
  properties: z.object({
    status: z.enum(WEBHOOK_STATUSES),
    scope: z.string(),
    actions: z.array(z.enum(WEBHOOK_ACTIONS)),
    provisioningState: z.literal('Succeeded'),
    statusReason: z.string().optional(),
    /** Shown once set (perManifest is ACR's behaviour and the default). */
    multiArch: z.enum(MULTI_ARCH_MODES).optional(),
    /** Shown once set; absent: no limit. */
    rateLimitPerSecond: rateLimitPerSecond.optional().meta({ description: RATE_LIMIT_DESCRIPTION }),
    /** Shown once set (acr, ACR's payload, is the default). */
    payloadFormat: z.enum(PAYLOAD_FORMATS).optional().meta({ description: PAYLOAD_FORMAT_DESCRIPTION }),
    /** Shown once set. */
    skipReferrers: z.boolean().optional().meta({ description: SKIP_REFERRERS_DESCRIPTION }),
    /** Shown once set (WebHook is ACR's behaviour and the default). */
    endpointType: z.enum(ENDPOINT_TYPES).optional(),
    queueMessageTimeToLiveSeconds: z.number().int().optional(),
    deliveryHealth: deliveryHealthSchema,
  }),
});

export const webhookList = z.object({ value: z.array(webhookResource), nextLink: z.string().optional() });

/** A listEvents item: ACR's Event plus our `delivery`. */
export const eventItem = z.object({
  id: z.string(),
  eventRequestMessage: z.object({
    content: z.unknown().describe('The JSON payload that was sent'),
    headers: z.record(z.string(), z.string()),
    method: z.string(),
    requestUri: z.string(),
    version: z.string(),
  }),
  eventResponseMessage: z.object({
    content: z.string(),
    headers: z.record(z.string(), z.string()),
    reasonPhrase: z.string(),
    statusCode: z.string().optional(),
    version: z.string(),
  }),
  delivery: z.object({
    state: z.enum(DELIVERY_STATES),
    attempts: z.number().int(),
    nextAttemptAt: z.string().optional(),
    lastError: z.string().optional(),
    durationMs: z.number().optional(),
    queuedMs: z.number().optional(),
    waiting: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  }),
});

export const eventList = z.object({ value: z.array(eventItem), nextLink: z.string().optional() });

export const callbackConfig = z.object({
  serviceUri: z.string(),
  customHeaders: z.record(z.string(), z.string()),
  signingSecret: z.string().optional(),
  /** A queue's, topic's or hub's connection string, when one was given (else the app's managed identity sends). */
  connectionString: z.string().optional(),
});

/** Recover's answer: how many deliveries were queued again. */
export const recoverResult = z.object({ redelivered: z.number().int().min(0) });

export const pingResult = z.object({ id: z.string() });

export const rotateResult = z.object({ rotatedAt: z.string(), previousSecretExpiresAt: z.string().nullable() });

export const ingestReport = z.object({
  accepted: z.array(z.object({ index: z.number().int(), id: z.string(), action: z.string() })),
  duplicates: z.array(z.object({ index: z.number().int(), id: z.string() })),
  ignored: z.array(z.object({ index: z.number().int(), id: z.string().optional(), reason: z.string() })),
  rejected: z.array(z.object({ index: z.number().int(), id: z.string().optional(), message: z.string() })),
});

export const validationResponse = z.object({ validationResponse: z.string() });

export const deadLetterList = z.object({
  value: z.array(z.object({ queue: z.string(), id: z.string(), at: z.string(), reason: z.string(), message: z.unknown() })),
});

export const replayResult = z.object({ queue: z.string(), id: z.string(), replayed: z.literal(true) });

/** ARM's RoleAssignment (2022-04-01). */
export const roleAssignmentResource = z.object({
  id: z.string(),
  name: z.string(),
  type: z.literal('Microsoft.Authorization/roleAssignments'),
  properties: z.object({
    roleDefinitionId: z.string(),
    principalId: z.string(),
    principalType: z.string(),
    scope: z.string(),
    condition: z.null(),
    conditionVersion: z.null(),
    createdOn: z.string(),
    updatedOn: z.string(),
    delegatedManagedIdentityResourceId: z.null(),
    description: z.null(),
  }),
});

export const roleAssignmentList = z.object({ value: z.array(roleAssignmentResource), nextLink: z.string().optional() });

/** A registry's ingest keys, in ACR's listCredentials shape. */
export const ingestKeyList = z.object({
  keys: z.tuple([
    z.object({ name: z.literal('primary'), value: z.string() }),
    z.object({ name: z.literal('secondary'), value: z.string() }),
  ]),
});

/** ARM's RoleDefinition, as the built-in roles are rendered. */
export const roleDefinitionResource = z.object({
  id: z.string(),
  name: z.string(),
  type: z.literal('Microsoft.Authorization/roleDefinitions'),
  properties: z.object({
    roleName: z.string(),
    type: z.literal('BuiltInRole'),
    description: z.string(),
    assignableScopes: z.array(z.string()),
    permissions: z.array(
      z.object({
        actions: z.array(z.string()),
        notActions: z.array(z.string()),
        dataActions: z.array(z.string()),
        notDataActions: z.array(z.string()),
      }),
    ),
  }),
});
