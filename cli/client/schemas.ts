import { z } from 'zod';

/*
 * The API's answers, parsed at the boundary so the rest of the CLI works with known shapes. Objects are
 * loose (`z.looseObject`): a newer service may add fields, and the CLI passes them through to `-o json`.
 */

export const webhookSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  location: z.string(),
  tags: z.record(z.string(), z.string()).default({}),
  properties: z.looseObject({
    status: z.string(),
    scope: z.string().default(''),
    actions: z.array(z.string()),
    provisioningState: z.string().optional(),
    statusReason: z.string().optional(),
    deliveryHealth: z
      .looseObject({
        consecutiveFailures: z.number(),
        lastSuccessAt: z.string().optional(),
        lastFailureAt: z.string().optional(),
        failingSince: z.string().optional(),
      })
      .optional(),
  }),
});
export type Webhook = z.infer<typeof webhookSchema>;

export const webhookListSchema = z.object({ value: z.array(webhookSchema), nextLink: z.string().optional() });

export const callbackConfigSchema = z.looseObject({
  serviceUri: z.string(),
  customHeaders: z.record(z.string(), z.string()).default({}),
});
export type CallbackConfig = z.infer<typeof callbackConfigSchema>;

export const recoverResultSchema = z.looseObject({ redelivered: z.number() });
export type RecoverResult = z.infer<typeof recoverResultSchema>;

export const idResultSchema = z.looseObject({ id: z.string() });
export type IdResult = z.infer<typeof idResultSchema>;

/** ACR's EventContent: what was sent. Only the fields the table shows are required. */
const eventContentSchema = z.looseObject({
  id: z.string().optional(),
  timestamp: z.string().optional(),
  action: z.string().optional(),
  /** A CloudEvent's time (the `cloudevents` payload format). */
  time: z.string().optional(),
  target: z.looseObject({ repository: z.string().optional(), tag: z.string().optional(), digest: z.string().optional() }).optional(),
});

/** ACR's Event: one delivery attempt, its request and the endpoint's response (`statusCode` is a string). */
export const eventSchema = z.looseObject({
  id: z.string(),
  eventRequestMessage: z
    .looseObject({
      content: eventContentSchema.optional(),
      headers: z.record(z.string(), z.string()).optional(),
      method: z.string().optional(),
      requestUri: z.string().optional(),
      version: z.string().optional(),
    })
    .optional(),
  eventResponseMessage: z
    .looseObject({
      content: z.string().optional(),
      headers: z.record(z.string(), z.string()).optional(),
      reasonPhrase: z.string().optional(),
      statusCode: z.string().optional(),
      version: z.string().optional(),
    })
    .optional(),
  /** Our addition: the delivery's state, and the event's action and image whatever the payload format. */
  delivery: z
    .looseObject({
      state: z.string().optional(),
      action: z.string().optional(),
      image: z.string().optional(),
      createdAt: z.string().optional(),
    })
    .optional(),
});
export type WebhookEvent = z.infer<typeof eventSchema>;

export const eventListSchema = z.object({ value: z.array(eventSchema), nextLink: z.string().optional() });

/** ARM's RoleAssignment (Microsoft.Authorization 2022-04-01); the rest (createdOn, condition, ...) passes through. */
export const roleAssignmentSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  properties: z.looseObject({
    scope: z.string(),
    roleDefinitionId: z.string(),
    principalId: z.string(),
    principalType: z.string().optional(),
  }),
});
export type RoleAssignment = z.infer<typeof roleAssignmentSchema>;

export const roleAssignmentListSchema = z.object({ value: z.array(roleAssignmentSchema), nextLink: z.string().optional() });

/** A registry's ingest keys, shaped as ACR's `listCredentials` passwords: `{keys: [{name, value}]}`. */
export const ingestKeysSchema = z.looseObject({
  keys: z.array(z.looseObject({ name: z.string(), value: z.string() })),
});
export type IngestKeys = z.infer<typeof ingestKeysSchema>;

/** ARM's error body; anything else (an HTML error page, an empty 404) is reported by status. */
export const errorBodySchema = z.object({
  error: z.object({ code: z.string().optional(), message: z.string() }),
});
