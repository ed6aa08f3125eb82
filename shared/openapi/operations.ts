import { z } from 'zod';
import type { HttpMethod } from '@azure/functions';
import { webhookCreateBody, webhookUpdateBody } from '../webhooks/webhook.js';
import { recoverBody, roleAssignmentCreateBody } from './request-schemas.js';
import { acrEvent } from '../events/acr-event.js';
import {
  callbackConfig,
  deadLetterList,
  eventItem,
  eventList,
  ingestReport,
  pingResult,
  recoverResult,
  replayResult,
  rotateResult,
  validationResponse,
  webhookList,
  webhookResource,
  roleAssignmentResource,
  roleAssignmentList,
  ingestKeyList,
  roleDefinitionResource,
} from './response-schemas.js';

export interface ResponseDoc {
  readonly description: string;
  /** A named schema (components), or inline zod, or a media type with no schema (text, HTML). */
  readonly schema?: string | z.ZodType;
  readonly contentType?: string;
}

export interface OperationDoc {
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
  readonly query?: readonly { name: string; description: string; schema: z.ZodType }[];
  readonly requestBody?: { readonly schema: string | z.ZodType; readonly contentTypes?: readonly string[]; readonly required?: boolean };
  readonly responses: Readonly<Record<string, ResponseDoc>>;
  /** Error statuses this operation answers, each with ACR's error body. */
  readonly errors: readonly number[];
}

/** Schemas shared by several operations, under `components.schemas`. */
export const namedSchemas: Readonly<Record<string, z.ZodType>> = {
  Webhook: webhookResource,
  WebhookList: webhookList,
  WebhookCreateParameters: webhookCreateBody,
  WebhookUpdateParameters: webhookUpdateBody,
  Event: eventItem,
  EventList: eventList,
  RoleAssignment: roleAssignmentResource,
};

const top = { name: '$top', description: 'Items per page (1-1000)', schema: z.number().int().min(1).max(1000) };
const skipToken = { name: '$skipToken', description: 'Continuation from a `nextLink`', schema: z.string() };
const management = [400, 401, 404, 500, 503];

/** A page of a webhook's deliveries: the first (POST, as ACR) and the next ones (GET, the SDK's pager). */
const eventsPage = {
  tag: 'deliveries',
  query: [top, skipToken],
  responses: { 200: { description: 'One page', schema: 'EventList' } },
  errors: management,
} as const satisfies Omit<OperationDoc, 'summary'>;

/**
 * Every HTTP operation, by the function name its declaration registers (`-short` aliases share the
 * entry) and method. The document lists a declared route only when it is described here, so a route
 * added without a description is missing from the document, and the OpenAPI test fails.
 */
export const operations: Readonly<Record<string, Partial<Record<HttpMethod, OperationDoc>>>> = {
  'webhooks-list': {
    GET: {
      summary: "List a registry's webhooks",
      tag: 'webhooks',
      query: [top, skipToken],
      responses: { 200: { description: 'One page', schema: 'WebhookList' } },
      errors: management,
    },
  },
  'webhooks-get': {
    GET: {
      summary: 'Get a webhook',
      tag: 'webhooks',
      responses: { 200: { description: 'The webhook', schema: 'Webhook' } },
      errors: management,
    },
  },
  'webhooks-create': {
    PUT: {
      summary: 'Create or replace a webhook',
      description: 'ARM treats this as long-running; it finishes before answering, with `provisioningState: "Succeeded"`.',
      tag: 'webhooks',
      requestBody: { schema: 'WebhookCreateParameters', required: true },
      responses: { 200: { description: 'Replaced', schema: 'Webhook' }, 201: { description: 'Created', schema: 'Webhook' } },
      errors: [...management, 409, 413, 415],
    },
  },
  'webhooks-update': {
    PATCH: {
      summary: 'Update a webhook (only the fields sent)',
      tag: 'webhooks',
      requestBody: { schema: 'WebhookUpdateParameters', required: true },
      responses: { 200: { description: 'Updated', schema: 'Webhook' } },
      errors: [...management, 409, 413, 415],
    },
  },
  'webhooks-delete': {
    DELETE: {
      summary: 'Delete a webhook and its delivery history',
      tag: 'webhooks',
      responses: { 200: { description: 'Deleted' }, 204: { description: 'There was no such webhook' } },
      errors: [400, 401, 500, 503],
    },
  },
  'webhooks-get-callback-config': {
    POST: {
      summary: 'Read the write-only service URI, custom headers and signing secret',
      tag: 'webhooks',
      responses: { 200: { description: 'The secrets', schema: callbackConfig } },
      errors: management,
    },
  },
  'webhooks-ping': {
    POST: {
      summary: "Send ACR's ping event now",
      tag: 'deliveries',
      responses: { 200: { description: 'Sent and recorded', schema: pingResult } },
      errors: management,
    },
  },
  'webhooks-list-events': {
    POST: { ...eventsPage, summary: "List a webhook's deliveries, newest first" },
    GET: { ...eventsPage, summary: 'Fetch a further page (`nextLink`)' },
  },
  'webhooks-redeliver': {
    POST: {
      summary: 'Send a recorded event again, as a new delivery',
      tag: 'deliveries',
      description: "409 when the event's delivery was recorded by a later version of the service, in a layout this one does not read.",
      responses: { 200: { description: 'The new delivery', schema: 'Event' } },
      errors: [...management, 409],
    },
  },
  'webhooks-rotate-signing-secret': {
    POST: {
      summary: 'Rotate the signing secret (the old one signs too for 24 h)',
      tag: 'webhooks',
      responses: { 200: { description: 'Rotated', schema: rotateResult } },
      errors: [...management, 409],
    },
  },
  'webhooks-recover': {
    POST: {
      summary: 'Send again every failed or held delivery received since a time',
      description:
        'In order of receipt, each with its original `webhook-id`; queued in pages, so thousands do not hold the request. 409 while the webhook is disabled.',
      tag: 'deliveries',
      requestBody: { schema: recoverBody, required: true },
      responses: { 200: { description: 'How many deliveries were queued again', schema: recoverResult } },
      errors: [...management, 409, 413, 415],
    },
  },
  'events-ingest': {
    POST: {
      summary: 'Events from a registry',
      description:
        'CNCF distribution registry notifications, ACR-format events (one or an array), Event Grid events (with the subscription validation handshake) or CloudEvents 1.0. 202 once every accepted event is queued (200 for Event Grid and CloudEvents).',
      tag: 'ingest',
      requestBody: {
        schema: z.union([
          acrEvent,
          z.array(acrEvent),
          z.object({ events: z.array(z.record(z.string(), z.unknown())) }),
          z.array(z.record(z.string(), z.unknown())),
        ]),
        contentTypes: [
          'application/json',
          'application/vnd.docker.distribution.events.v1+json',
          'application/cloudevents+json',
          'application/cloudevents-batch+json',
        ],
        required: true,
      },
      responses: {
        200: {
          description: 'Event Grid / CloudEvents: taken, or the validation handshake answered',
          schema: z.union([ingestReport, validationResponse]),
        },
        202: { description: 'Every accepted event is durably queued', schema: ingestReport },
      },
      errors: [400, 401, 413, 415, 500, 503],
    },
    OPTIONS: {
      summary: 'CloudEvents abuse-protection handshake',
      description: 'Answers `WebHook-Allowed-Origin` for the `WebHook-Request-Origin` sent.',
      tag: 'ingest',
      responses: { 200: { description: 'Handshake answered' } },
      errors: [400, 401],
    },
  },
  'deadletters-list': {
    GET: {
      summary: 'Messages the pipeline gave up on, with the reason',
      tag: 'operations',
      query: [top],
      responses: { 200: { description: 'Dead letters', schema: deadLetterList } },
      errors: [400, 401, 500, 503],
    },
  },
  'deadletters-replay': {
    POST: {
      summary: 'Put a dead letter back on its queue',
      tag: 'operations',
      responses: { 200: { description: 'Replayed', schema: replayResult } },
      errors: management,
    },
  },
  metrics: {
    GET: {
      summary: "This process's metrics (Prometheus text, `registry_webhooks_*`)",
      tag: 'operations',
      responses: { 200: { description: 'Prometheus text format 0.0.4', contentType: 'text/plain' } },
      errors: [401],
    },
  },
  'role-assignments-create': {
    PUT: {
      summary: 'Assign a role to a principal at a scope (ARM roleAssignments: create)',
      tag: 'access',
      requestBody: { schema: roleAssignmentCreateBody, required: true },
      responses: {
        201: { description: 'Created', schema: 'RoleAssignment' },
        200: { description: 'The same assignment existed', schema: 'RoleAssignment' },
      },
      errors: [400, 401, 403, 409, 500, 503],
    },
  },
  'role-assignments-get': {
    GET: {
      summary: 'Get a role assignment',
      tag: 'access',
      responses: { 200: { description: 'The assignment', schema: 'RoleAssignment' } },
      errors: [400, 401, 403, 404, 500, 503],
    },
  },
  'role-assignments-delete': {
    DELETE: {
      summary: 'Delete a role assignment',
      tag: 'access',
      responses: { 200: { description: 'Deleted', schema: 'RoleAssignment' }, 204: { description: 'There was none' } },
      errors: [400, 401, 403, 500, 503],
    },
  },
  'role-assignments-list': {
    GET: {
      summary: 'List role assignments at, above and below a scope',
      tag: 'access',
      query: [
        {
          name: '$filter',
          description:
            "atScope() (at and above only), principalId eq '{objectId}', assignedTo('{objectId}'), or atScope() and one of the others",
          schema: z.string(),
        },
        skipToken,
      ],
      responses: { 200: { description: 'One page', schema: roleAssignmentList } },
      errors: [400, 401, 403, 500, 503],
    },
  },
  'role-definitions-list': {
    GET: {
      summary: 'The roles an assignment may name: Reader, Contributor, Owner, Registry Webhooks Event Sender',
      tag: 'access',
      query: [{ name: '$filter', description: "roleName eq '{name}'", schema: z.string() }],
      responses: { 200: { description: 'The role definitions', schema: z.object({ value: z.array(roleDefinitionResource) }) } },
      errors: [400, 401],
    },
  },
  'role-definitions-get': {
    GET: {
      summary: 'One role definition',
      tag: 'access',
      responses: { 200: { description: 'The role definition', schema: roleDefinitionResource } },
      errors: [400, 401, 404],
    },
  },
  'registries-list-ingest-keys': {
    POST: {
      summary: "The registry's own ingest keys, made on the first call (like ACR's listCredentials)",
      tag: 'access',
      responses: { 200: { description: 'Both keys', schema: ingestKeyList } },
      errors: [400, 401, 403, 404, 500, 503],
    },
  },
  'registries-regenerate-ingest-key': {
    POST: {
      summary: "Replace one of the registry's ingest keys (like ACR's regenerateCredential)",
      tag: 'access',
      requestBody: { schema: z.object({ name: z.enum(['primary', 'secondary']) }), required: true },
      responses: { 200: { description: 'Both keys, one of them new', schema: ingestKeyList } },
      errors: [400, 401, 403, 404, 500, 503],
    },
  },
  openapi: {
    GET: {
      summary: 'This document',
      tag: 'operations',
      responses: { 200: { description: 'OpenAPI 3.1', contentType: 'application/json' } },
      errors: [],
    },
  },
  portal: {
    GET: {
      summary: 'The web page',
      tag: 'operations',
      responses: { 200: { description: 'HTML', contentType: 'text/html' } },
      errors: [],
    },
  },
};
