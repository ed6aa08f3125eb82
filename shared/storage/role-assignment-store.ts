import { submitTransaction } from './table-batch.js';
import { z } from 'zod';
import type { TableClient } from '@azure/data-tables';
import { keyPart } from './key-part.js';
import { odataString, optionalField } from './entity-fields.js';
import { statusOf, unless404 } from './rest-errors.js';
import { scopeChain, scopeKey, type ArmScope } from '../auth/arm-scope.js';

/*
 * Table `roleassignments` — key layout (keyed by scope, as ARM keeps assignments)
 *   PartitionKey = the scope id, lowercase, key-encoded ('/' → %2F)
 *                  → an access check reads the 1-3 partitions of the target's scope chain (subscription,
 *                    resource group, registry), filtered by principal: point queries, no scan;
 *                    a scope's descendants are one PartitionKey range (its key + '%2F' ... + '~').
 *   RowKey       = assignment name (a GUID, lowercase)                → get and delete are point operations.
 *   RowKey       = '!p|{principalId}|{roleId}'                        → at most one assignment of a role to a
 *                  principal at a scope (ARM's RoleAssignmentExists): written in the same transaction as
 *                  the assignment, so two creates at once cannot both win.
 */

export interface RoleAssignment {
  readonly name: string;
  readonly scope: ArmScope;
  readonly roleId: string;
  readonly principalId: string;
  readonly principalType: string;
  /** The principal's tenant when known; an assignment without one matches the object id in any trusted tenant. */
  readonly tenantId: string | undefined;
  readonly createdOn: string;
  readonly updatedOn: string;
}

type CreateOutcome =
  | { readonly kind: 'created'; readonly assignment: RoleAssignment }
  | { readonly kind: 'exists'; readonly assignment: RoleAssignment }
  | { readonly kind: 'duplicate' };

export interface RoleAssignmentStore {
  create(assignment: RoleAssignment): Promise<CreateOutcome>;
  get(scope: ArmScope, name: string): Promise<RoleAssignment | undefined>;
  /** Deletes and returns the assignment; undefined when there was none. */
  remove(scope: ArmScope, name: string): Promise<RoleAssignment | undefined>;
  /** A principal's assignments at `scope` and every scope above it; cached (see below), dropped by this process's writes. */
  forPrincipal(scope: ArmScope, principalId: string): Promise<readonly RoleAssignment[]>;
  /** Assignments at `scope` and above, and (unless `atScopeOnly`) below; oldest scope first, then by name. */
  list(
    scope: ArmScope,
    options: { readonly atScopeOnly: boolean; readonly principalId?: string | undefined },
  ): Promise<readonly RoleAssignment[]>;
}

const scopeSchema = z.object({
  subscriptionId: z.string(),
  resourceGroup: z.string().optional(),
  registryName: z.string().optional(),
});

const entitySchema = z.object({
  etag: z.string(),
  rowKey: z.string(),
  scope: z.string().transform((s, ctx) => {
    try {
      return scopeSchema.parse(JSON.parse(s));
    } catch {
      ctx.addIssue({ code: 'custom', message: 'scope is not JSON' });
      return z.NEVER;
    }
  }),
  roleId: z.string(),
  principalId: z.string(),
  principalType: z.string(),
  tenantId: optionalField(z.string()),
  createdOn: z.string(),
  updatedOn: z.string(),
});

const partitionOf = (scope: ArmScope) => keyPart(scopeKey(scope), 1000);
const uniqueRow = (principalId: string, roleId: string) => `!p|${keyPart(principalId, 100)}|${keyPart(roleId, 100)}`;
const ASSIGNMENT_ROWS = `RowKey gt ${odataString('!~')}`;

function fromEntity(entity: unknown): RoleAssignment {
  const e = entitySchema.parse(entity);
  return {
    name: e.rowKey,
    scope: e.scope,
    roleId: e.roleId,
    principalId: e.principalId,
    principalType: e.principalType,
    tenantId: e.tenantId,
    createdOn: e.createdOn,
    updatedOn: e.updatedOn,
  };
}

/**
 * `cacheMs`: how long `forPrincipal` answers from memory. A new or deleted assignment takes effect at once
 * in the process that wrote it and within `cacheMs` in the others (ACCESS_CACHE_SECONDS).
 */
export function makeRoleAssignmentStore(table: TableClient, cacheMs: number): RoleAssignmentStore {
  // Entries are set when a read starts and all dropped when a write ends, so no read begun before a
  // write is served after it.
  const cache = new Map<string, { at: number; value: Promise<readonly RoleAssignment[]> }>();
  const query = async (filter: string) => {
    const out: RoleAssignment[] = [];
    for await (const entity of table.listEntities({ queryOptions: { filter } })) out.push(fromEntity(entity));
    return out;
  };
  const inPartition = (scope: ArmScope, extra: string) =>
    `PartitionKey eq ${odataString(partitionOf(scope))} and ${ASSIGNMENT_ROWS}${extra}`;
  const principalFilter = (principalId: string | undefined) =>
    principalId === undefined ? '' : ` and principalId eq ${odataString(principalId.toLowerCase())}`;
  const get = async (scope: ArmScope, name: string) => {
    const entity = await unless404(table.getEntity(partitionOf(scope), name.toLowerCase()));
    return entity === undefined ? undefined : { assignment: fromEntity(entity), etag: (entity as { etag: string }).etag };
  };

  return {
    async create(assignment) {
      const pk = partitionOf(assignment.scope);
      const row = {
        partitionKey: pk,
        rowKey: assignment.name.toLowerCase(),
        scope: JSON.stringify(assignment.scope),
        roleId: assignment.roleId,
        principalId: assignment.principalId.toLowerCase(),
        principalType: assignment.principalType,
        tenantId: assignment.tenantId ?? null,
        createdOn: assignment.createdOn,
        updatedOn: assignment.updatedOn,
      };
      const unique = { partitionKey: pk, rowKey: uniqueRow(row.principalId, row.roleId), name: row.rowKey };
      try {
        await submitTransaction(table, [
          ['create', row],
          ['create', unique],
        ]).finally(() => cache.clear());
        return { kind: 'created', assignment: { ...assignment, name: row.rowKey, principalId: row.principalId } };
      } catch (err) {
        if (statusOf(err) !== 409) throw err;
      }
      const existing = await get(assignment.scope, assignment.name);
      return existing ? { kind: 'exists', assignment: existing.assignment } : { kind: 'duplicate' };
    },
    async get(scope, name) {
      return (await get(scope, name))?.assignment;
    },
    async remove(scope, name) {
      const existing = await get(scope, name);
      if (!existing) return undefined;
      const pk = partitionOf(scope);
      const a = existing.assignment;
      try {
        await submitTransaction(table, [
          ['delete', { partitionKey: pk, rowKey: a.name }],
          ['delete', { partitionKey: pk, rowKey: uniqueRow(a.principalId, a.roleId) }],
        ]).finally(() => cache.clear());
      } catch (err) {
        const status = statusOf(err);
        // Deleted meanwhile by another request: the outcome the caller asked for.
        if (status === 404) return undefined;
        throw err;
      }
      return a;
    },
    forPrincipal(scope, principalId) {
      const key = `${principalId.toLowerCase()}|${scopeKey(scope)}`;
      const hit = cache.get(key);
      if (hit && Date.now() - hit.at < cacheMs) return hit.value;
      const value = Promise.all(scopeChain(scope).map((s) => query(inPartition(s, principalFilter(principalId))))).then((lists) =>
        lists.flat(),
      );
      if (cacheMs > 0) {
        cache.set(key, { at: Date.now(), value });
        value.catch(() => cache.delete(key));
        // Bounded: a flood of principals or scopes must not grow it without end.
        if (cache.size > 10_000) cache.delete(cache.keys().next().value!);
      }
      return value;
    },
    async list(scope, options) {
      const extra = principalFilter(options.principalId);
      const lists = await Promise.all(scopeChain(scope).map((s) => query(inPartition(s, extra))));
      if (!options.atScopeOnly) {
        const below = `${partitionOf(scope)}%2F`;
        lists.push(
          await query(
            `PartitionKey gt ${odataString(below)} and PartitionKey lt ${odataString(`${below}~`)} and ${ASSIGNMENT_ROWS}${extra}`,
          ),
        );
      }
      return lists.flat();
    },
  };
}
