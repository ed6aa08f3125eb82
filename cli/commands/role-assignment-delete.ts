import { Option, type Command } from 'commander';
import type { Io } from '../io.js';
import { CliError } from '../errors.js';
import type { ApiClient } from '../client/api-client.js';
import { listRoleAssignments } from '../client/list-role-assignments.js';
import { roleAssignmentsPath } from '../client/paths.js';
import { parseAssignmentId, parseGuid, parseScope } from '../options/arm-ids.js';
import { roleGuid } from '../options/role.js';
import { addGlobalOptions, managementClient, type GlobalOptions } from '../options/global-options.js';
import { runWith } from '../options/run.js';

interface DeleteOptions extends GlobalOptions {
  ids?: string[];
  scope?: string;
  name?: string;
  assignee?: string;
  role?: string;
}

/** One assignment to delete: its scope and name. */
type Target = { readonly scope: string; readonly name: string };

export function registerRoleAssignmentDelete(parent: Command, io: Io): void {
  const cmd = parent
    .command('delete')
    .description("Delete role assignments, as 'az role assignment delete' does: by id, by scope and name, or every match at a scope.")
    .addOption(
      new Option('--ids <ids...>', "space-separated role assignment ids, as 'role assignment list' prints them").conflicts([
        'scope',
        'name',
        'assignee',
        'role',
      ]),
    )
    .addOption(new Option('--scope <scope>', 'a subscription, resource group or registry, as an ARM id'))
    .addOption(new Option('--name <guid>', 'name of the assignment at --scope').conflicts(['assignee', 'role']))
    .addOption(new Option('--assignee <oid>', 'delete the assignments of this principal (an object id) made at --scope'))
    .addOption(new Option('--role <role>', 'delete the assignments of this role made at --scope'));
  addGlobalOptions(cmd)
    .addHelpText(
      'after',
      `
Prints nothing, like az. With --assignee and/or --role, only assignments made at exactly --scope are
deleted (not those inherited from above it); a warning says when none matched. Needs Owner at the scope,
or the management key.

Examples:
  Delete an assignment by id:
    $ registry-webhooks role assignment delete --ids /subscriptions/<sub>/providers/Microsoft.Authorization/roleAssignments/<guid>

  Take Contributor on a registry away from a user:
    $ registry-webhooks role assignment delete --assignee 00000000-0000-0000-0000-000000000001 --role Contributor \\
        --scope /subscriptions/<sub>/resourceGroups/myrg/providers/Microsoft.ContainerRegistry/registries/myregistry`,
    )
    .action(
      runWith<DeleteOptions>(io, async (opts) => {
        const client = managementClient(opts, io);
        const targets = opts.ids ? opts.ids.map(parseAssignmentId) : await search(client, opts);
        if (targets.length === 0) io.err(`WARNING: No role assignment at ${opts.scope ?? ''} matched; nothing was deleted.\n`);
        // One at a time, in order: a failure stops the run with the ones before it done, as az's loop does.
        for (const target of targets) await client.send({ method: 'DELETE', path: roleAssignmentsPath(target.scope, target.name) });
        return undefined;
      }),
    );
}

/** `--scope` with `--name`, or the assignments made at `--scope` that match `--assignee` and `--role`. */
async function search(client: ApiClient, opts: DeleteOptions): Promise<Target[]> {
  if (opts.scope === undefined || (opts.name === undefined && opts.assignee === undefined && opts.role === undefined)) {
    throw new CliError('Give --ids, or --scope with --name, --assignee or --role.', 2);
  }
  const { scope } = parseScope(opts.scope);
  if (opts.name !== undefined) return [{ scope, name: parseGuid('--name', opts.name) }];
  const assignee = opts.assignee === undefined ? undefined : parseGuid('--assignee', opts.assignee);
  const role = opts.role === undefined ? undefined : roleGuid(opts.role);
  const found = await listRoleAssignments(client, scope, { assignee, atScopeOnly: true });
  return found
    .filter((a) => role === undefined || a.properties.roleDefinitionId.split('/').pop()?.toLowerCase() === role)
    .map((a) => ({ scope, name: a.name }));
}
