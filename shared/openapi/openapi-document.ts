import { z } from 'zod';
import type { HttpFunctionDeclaration } from '../runtime/declaration.js';
import type { Access } from '../auth/actions.js';
import { ErrorStatus } from '../errors.js';
import { NEWEST_API_VERSION, OLDEST_API_VERSION } from '../http/api-version.js';
import { errorBody } from './response-schemas.js';
import { namedSchemas, operations, type OperationDoc, type ResponseDoc } from './operations.js';

type Json = Record<string, unknown>;

/** JSON Schema (2020-12, OpenAPI 3.1's dialect) of a zod schema: the input side for bodies we parse. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** Path parameters by name, as the routes use them. */
const pathParams: Record<string, { description: string; schema: Json }> = {
  subscriptionId: { description: 'Azure subscription id (a GUID)', schema: { type: 'string', format: 'uuid' } },
  resourceGroupName: { description: 'Resource group name', schema: { type: 'string', pattern: '^[-\\w._()]{1,90}$' } },
  registryName: {
    description: 'Registry name: 5-50 letters and digits, case-insensitive',
    schema: { type: 'string', pattern: '^[a-zA-Z0-9]{5,50}$' },
  },
  webhookName: {
    description: 'Webhook name: 5-50 letters and digits, case-insensitive',
    schema: { type: 'string', pattern: '^[a-zA-Z0-9]{5,50}$' },
  },
  roleAssignmentName: { description: 'The role assignment name (a GUID)', schema: { type: 'string', format: 'uuid' } },
  roleDefinitionId: { description: 'The role definition id (a GUID)', schema: { type: 'string', format: 'uuid' } },
  eventId: { description: 'The event id (as listEvents shows it)', schema: { type: 'string', minLength: 1, maxLength: 128 } },
  queue: { description: 'The queue the message came from', schema: { type: 'string' } },
  id: { description: 'Dead-letter id', schema: { type: 'string' } },
};

const keySecurity = [{ functionsKey: [] }, { bearer: [] }, { code: [] }];

function responseObject(r: ResponseDoc, named: ReadonlySet<string>): Json {
  if (r.schema === undefined)
    return r.contentType ? { description: r.description, content: { [r.contentType]: {} } } : { description: r.description };
  const schema = typeof r.schema === 'string' ? (named.has(r.schema) ? ref(r.schema) : {}) : jsonSchema(r.schema, 'output');
  return { description: r.description, content: { [r.contentType ?? 'application/json']: { schema } } };
}

function operationObject(operationId: string, route: string, doc: OperationDoc, access: Access, named: ReadonlySet<string>): Json {
  const arm = route.startsWith('subscriptions/');
  const params = [...route.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    description: pathParams[name!]?.description ?? name,
    schema: pathParams[name!]?.schema ?? { type: 'string' },
  }));
  const authorization = route.includes('Microsoft.Authorization/');
  const apiVersion = /\/webhooks|Microsoft\.Authorization\/|IngestKeys?$/.test(route)
    ? [
        {
          name: 'api-version',
          in: 'query',
          required: arm || authorization,
          description: authorization
            ? `Microsoft.Authorization API version, 2015-07-01 to ${NEWEST_API_VERSION} (the SDK sends 2022-04-01)`
            : `ARM API version, ${OLDEST_API_VERSION} to ${NEWEST_API_VERSION}${arm ? '' : ' (optional on the short alias)'}`,
          schema: { type: 'string', example: '2025-11-01' },
        },
      ]
    : [];
  const query = (doc.query ?? []).map((q) => ({
    name: q.name,
    in: 'query',
    required: false,
    description: q.description,
    schema: jsonSchema(q.schema, 'input'),
  }));
  const responses: Json = {};
  for (const [status, r] of Object.entries(doc.responses)) responses[status] = responseObject(r, named);
  for (const status of doc.errors) responses[String(status)] = { $ref: `#/components/responses/Error${status}` };
  const op: Json = {
    operationId,
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    tags: [doc.tag],
    parameters: [...params, ...apiVersion, ...query],
    responses,
    security: access.kind === 'public' ? [] : keySecurity,
  };
  // Who may call it, from the route's declaration (the same value the edge checks).
  if (access.kind !== 'public') op['x-access'] = 'action' in access ? { kind: access.kind, action: access.action } : { kind: access.kind };
  if (doc.requestBody) {
    const b = doc.requestBody;
    const schema = typeof b.schema === 'string' ? ref(b.schema) : jsonSchema(b.schema, 'input');
    op['requestBody'] = {
      required: b.required ?? false,
      content: Object.fromEntries((b.contentTypes ?? ['application/json']).map((t) => [t, { schema }])),
    };
  }
  return op;
}

const reasons: Record<number, string> = {
  400: 'Bad input: the message names the field and how to fix it',
  401: 'Missing or wrong key, or an invalid Entra ID token (InvalidAuthenticationToken)',
  403: 'The principal lacks the action at the scope (AuthorizationFailed)',
  404: 'Not found',
  409: 'Conflict (location change, quota, a disabled webhook for recover, a concurrent change)',
  413: 'Body too large',
  415: 'Not a content type this operation reads',
  500: 'Internal error (details in the log only)',
  503: 'Storage unavailable; retry (Retry-After)',
};

/**
 * The OpenAPI 3.1 document of the HTTP functions declared in this process: one path per route (ARM paths
 * and the short aliases), one operation per method, described in `operations.ts`. Schemas come from the
 * zod schemas the handlers parse requests with, and those the answers are checked against in tests.
 */
export function buildOpenApiDocument(declarations: readonly HttpFunctionDeclaration[], routePrefix: string, version: string): Json {
  const named = new Set(Object.keys(namedSchemas));
  const paths: Record<string, Json> = {};
  for (const declaration of declarations) {
    for (const { name, route } of declaration.routes) {
      // Every route of a declaration shares its first route's description (ARM path, short alias, scope levels).
      const docs = operations[declaration.routes[0]?.name ?? name];
      for (const method of declaration.methods) {
        const doc = docs?.[method];
        if (!doc) continue;
        const path = `/${routePrefix ? `${routePrefix}/` : ''}${route}`;
        const operationId = declaration.methods.length > 1 ? `${name}-${method.toLowerCase()}` : name;
        paths[path] = { ...paths[path], [method.toLowerCase()]: operationObject(operationId, route, doc, declaration.access, named) };
      }
    }
  }
  const errorStatuses = Object.keys(reasons).map(Number);
  const codes = (status: number) =>
    Object.entries(ErrorStatus)
      .filter(([, s]) => s === status)
      .map(([c]) => c);
  return {
    openapi: '3.1.0',
    info: {
      title: 'registry-webhooks',
      version,
      description:
        "Container-registry webhooks the way Azure Container Registry offers them. The management operations answer on ACR's ARM path and on a short alias. Keys: a management key for management, an ingest key (global or the registry's own) for ingest, in any of the three forms; or, when ENTRA_* is set, an Entra ID bearer token whose principal holds a role assignment granting the operation's action (x-access) at the registry's scope.",
    },
    tags: [
      { name: 'webhooks', description: 'Webhooks of a registry (ACR management API)' },
      { name: 'deliveries', description: 'What was sent, and sending again' },
      { name: 'ingest', description: 'Events from registries' },
      {
        name: 'access',
        description: 'Who may touch which registry: role assignments (ARM shape), role definitions, ingest keys per registry',
      },
      { name: 'operations', description: 'Running the service' },
    ],
    paths,
    components: {
      schemas: {
        ...Object.fromEntries(
          Object.entries(namedSchemas).map(([n, s]) => [n, jsonSchema(s, n.endsWith('Parameters') ? 'input' : 'output')]),
        ),
        Error: jsonSchema(errorBody, 'output'),
      },
      responses: Object.fromEntries(
        errorStatuses.map((status) => [
          `Error${status}`,
          {
            description: `${reasons[status]} (codes: ${codes(status).join(', ')})`,
            content: { 'application/json': { schema: ref('Error') } },
          },
        ]),
      ),
      securitySchemes: {
        functionsKey: {
          type: 'apiKey',
          in: 'header',
          name: 'x-functions-key',
          description: 'The key as Azure Functions takes function keys',
        },
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An Entra ID access token, or the key as a bearer token (what ARM SDK clients send)',
        },
        code: {
          type: 'apiKey',
          in: 'query',
          name: 'code',
          description: 'The key in the query string (for senders that cannot set headers, such as Event Grid)',
        },
      },
    },
  };
}
