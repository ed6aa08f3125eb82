import { Action, type ActionName } from './actions.js';

/*
 * The roles an assignment may name: Azure's built-in Reader, Contributor and Owner by their real GUIDs
 * (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles), scoped down to this
 * service's actions, and our own Event Sender. Patterns use ARM's wildcard: `*` matches any run of characters.
 */

export interface RoleDefinition {
  readonly id: string;
  readonly roleName: string;
  readonly description: string;
  readonly actions: readonly string[];
}

const READ = '*/read';
const WEBHOOK_ACTIONS = 'Microsoft.ContainerRegistry/registries/webhooks/*';

const EVENT_SENDER_ROLE_ID = 'd983c68d-e682-47c9-ba45-ff1bedafcb32';

export const ROLE_DEFINITIONS: readonly RoleDefinition[] = [
  {
    id: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
    roleName: 'Reader',
    description: 'View webhooks and role assignments, but not change them or read their secrets.',
    actions: [READ],
  },
  {
    id: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
    roleName: 'Contributor',
    description: 'Manage webhooks and a registry ingest keys, but not assign roles.',
    actions: [READ, WEBHOOK_ACTIONS, Action.listIngestKeys, Action.regenerateIngestKey],
  },
  {
    id: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
    roleName: 'Owner',
    description: 'Manage webhooks and ingest keys, and assign roles.',
    actions: [
      READ,
      WEBHOOK_ACTIONS,
      Action.listIngestKeys,
      Action.regenerateIngestKey,
      Action.roleAssignmentsWrite,
      Action.roleAssignmentsDelete,
    ],
  },
  {
    id: EVENT_SENDER_ROLE_ID,
    roleName: 'Registry Webhooks Event Sender',
    description: 'Post registry events (push, delete) for the registries in scope; nothing else.',
    actions: [Action.eventsSend],
  },
];

const byId = new Map(ROLE_DEFINITIONS.map((r) => [r.id, r]));

export const roleById = (id: string): RoleDefinition | undefined => byId.get(id.toLowerCase());

const patternCache = new Map<string, RegExp>();
function matches(pattern: string, action: string): boolean {
  let re = patternCache.get(pattern);
  if (!re) {
    re = new RegExp(
      `^${pattern
        .split('*')
        .map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
        .join('.*')}$`,
      'i',
    );
    patternCache.set(pattern, re);
  }
  return re.test(action);
}

/** True when the role grants `action`. The service-wide action is never granted by a role. */
export function roleAllows(role: RoleDefinition, action: ActionName): boolean {
  if (action === Action.serviceAdminister) return false;
  return role.actions.some((pattern) => matches(pattern, action));
}

const ROLE_DEFINITION_ID =
  /^(?:\/subscriptions\/[0-9a-fA-F-]{36})?\/providers\/Microsoft\.Authorization\/roleDefinitions\/([0-9a-fA-F-]{36})$/i;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The role a `roleDefinitionId` names, as az and the SDKs send it (a full id) or as a bare GUID. */
export function roleFromDefinitionId(raw: string): RoleDefinition | undefined {
  const guid = GUID.test(raw) ? raw : ROLE_DEFINITION_ID.exec(raw)?.[1];
  return guid ? roleById(guid) : undefined;
}

/** The role definition's id as ARM returns it under a subscription. */
export const roleDefinitionId = (subscriptionId: string, roleId: string): string =>
  `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`;

/** A role definition as ARM renders it (`GET .../roleDefinitions`). */
export function renderRoleDefinition(role: RoleDefinition) {
  return {
    id: `/providers/Microsoft.Authorization/roleDefinitions/${role.id}`,
    name: role.id,
    type: 'Microsoft.Authorization/roleDefinitions',
    properties: {
      roleName: role.roleName,
      type: 'BuiltInRole',
      description: role.description,
      assignableScopes: ['/'],
      permissions: [{ actions: [...role.actions], notActions: [], dataActions: [], notDataActions: [] }],
    },
  };
}
