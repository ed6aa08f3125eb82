import { z } from 'zod';

/*
 * The bodies the API's handlers parse, as zod schemas: the handlers validate with them, the OpenAPI
 * document is generated from them, and both sit below the handlers. A body that is a domain type of its own
 * stays with it (a webhook's create and update bodies are in webhooks/webhook.ts).
 */

/** Body of `POST .../webhooks/{name}/recover`. */
export const recoverBody = z.object({
  since: z.iso.datetime({
    offset: true,
    error: 'since must be an ISO 8601 date and time, for example 2026-11-28T00:00:00Z',
  }),
});

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** ARM's RoleAssignmentCreateParameters (2022-04-01); conditions are not supported here. */
export const roleAssignmentCreateBody = z.object({
  properties: z.object({
    roleDefinitionId: z.string().max(300),
    principalId: z.string().regex(GUID, 'principalId must be an object id (a GUID)'),
    principalType: z.enum(['User', 'Group', 'ServicePrincipal', 'ForeignGroup', 'Device']).default('User'),
    scope: z.string().max(1000).nullish(),
    description: z.string().max(2000).nullish(),
    condition: z.null({ error: 'conditions (ABAC) are not supported; leave condition unset' }).optional(),
    conditionVersion: z.string().nullish(),
    delegatedManagedIdentityResourceId: z.null().optional(),
  }),
});
