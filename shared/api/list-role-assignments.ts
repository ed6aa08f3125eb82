import { z } from 'zod';
import type { Config } from '../config.js';
import type { HttpHandler } from '../handler-types.js';
import { ApiError } from '../errors.js';
import { json } from '../http/respond.js';
import { decodeKeyToken, encodeKeyToken, nextLink } from '../http/paging.js';
import { authorizationScope } from '../auth/routes.js';
import { scopeKey } from '../auth/arm-scope.js';
import { renderRoleAssignment } from './render-role-assignment.js';
import type { RoleAssignmentStore } from '../storage/role-assignment-store.js';

const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const PRINCIPAL = new RegExp(`^(?:principalId\\s+eq\\s+'(${GUID})'|assignedTo\\('(${GUID})'\\))$`, 'i');

/** ARM's `$filter` for role assignments: `atScope()`, `principalId eq '{id}'`, `assignedTo('{id}')`, or two of them joined by `and`. */
const filterSchema = z
  .string()
  .max(200)
  .nullable()
  .transform((raw, ctx) => {
    const out: { atScopeOnly: boolean; principalId: string | undefined } = { atScopeOnly: false, principalId: undefined };
    if (raw === null || raw.trim() === '') return out;
    for (const term of raw.split(/\s+and\s+/i).map((t) => t.trim())) {
      if (/^atScope\(\)$/i.test(term)) {
        out.atScopeOnly = true;
        continue;
      }
      const m = PRINCIPAL.exec(term);
      if (m && out.principalId === undefined) {
        out.principalId = (m[1] ?? m[2])!.toLowerCase();
        continue;
      }
      ctx.addIssue({
        code: 'custom',
        message:
          "The $filter is not supported. Use atScope(), principalId eq '{objectId}', assignedTo('{objectId}'), or atScope() and one of the others.",
      });
      return z.NEVER;
    }
    return out;
  });

export interface ListRoleAssignmentsDeps {
  readonly config: Pick<Config, 'listPageSize'>;
  readonly roleAssignments: Pick<RoleAssignmentStore, 'list'>;
}

/**
 * `GET {scope}/providers/Microsoft.Authorization/roleAssignments`: assignments at the scope and above and,
 * without `atScope()`, below it, as ARM lists them; paged with `nextLink`.
 */
export function makeListRoleAssignments(deps: ListRoleAssignmentsDeps): HttpHandler {
  return async (request) => {
    const scope = authorizationScope(request);
    const filter = filterSchema.safeParse(request.query.get('$filter'));
    if (!filter.success) throw new ApiError('InvalidParameter', filter.error.issues[0]?.message ?? 'The $filter is not valid.', '$filter');
    const after = decodeKeyToken(request.query.get('$skipToken'));
    const orderKey = (a: { scope: Parameters<typeof scopeKey>[0]; name: string }) => `${scopeKey(a.scope)}|${a.name}`;
    const all = [...(await deps.roleAssignments.list(scope, filter.data))]
      .map((a) => ({ a, key: orderKey(a) }))
      .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))
      .filter((x) => after === undefined || x.key > after);
    const page = all.slice(0, deps.config.listPageSize);
    const body: { value: unknown[]; nextLink?: string } = { value: page.map((x) => renderRoleAssignment(x.a)) };
    const last = page.at(-1);
    if (all.length > page.length && last) body.nextLink = nextLink(request.url, encodeKeyToken(last.key));
    return json(200, body);
  };
}
