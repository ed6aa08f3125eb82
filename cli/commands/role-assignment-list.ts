import { Option, type Command } from 'commander';
import type { Io } from '../io.js';
import { listRoleAssignments } from '../client/list-role-assignments.js';
import { flattenAssignment } from '../format/flatten-assignment.js';
import { ASSIGNMENT_COLUMNS, assignmentRow } from '../format/rows.js';
import { parseGuid, parseScope } from '../options/arm-ids.js';
import { addGlobalOptions, managementClient, type GlobalOptions } from '../options/global-options.js';
import { runWith } from '../options/run.js';

interface ListOptions extends GlobalOptions {
  scope?: string;
  subscription: string;
  assignee?: string;
  atScopeOnly?: boolean;
}

export function registerRoleAssignmentList(parent: Command, io: Io): void {
  const cmd = parent
    .command('list')
    .description("List role assignments (every page), as 'az role assignment list' does.")
    .addOption(new Option('--scope <scope>', 'a subscription, resource group or registry, as an ARM id (default: the subscription)'))
    .addOption(
      new Option('--subscription <id>', "subscription listed when --scope is not given (the service's DEFAULT_SUBSCRIPTION_ID)")
        .env('REGISTRY_WEBHOOKS_SUBSCRIPTION')
        .default('00000000-0000-0000-0000-000000000000'),
    )
    .addOption(new Option('--assignee <oid>', "only this principal's assignments (an object id)"))
    .addOption(new Option('--at-scope-only', 'only assignments made at exactly --scope, not above or below it'));
  addGlobalOptions(cmd)
    .addHelpText(
      'after',
      `
Without --at-scope-only the list has the assignments at the scope, above it (which apply to it too) and
below it. Principal is the object id (the service has no Microsoft Graph to look names up in).

Examples:
  Who holds which role on a registry, as a table:
    $ registry-webhooks role assignment list -o table \\
        --scope /subscriptions/<sub>/resourceGroups/myrg/providers/Microsoft.ContainerRegistry/registries/myregistry

  Everything one principal holds in the subscription:
    $ registry-webhooks role assignment list --subscription <sub> --assignee 00000000-0000-0000-0000-000000000001`,
    )
    .action(
      runWith<ListOptions>(io, async (opts) => {
        const { scope } = parseScope(opts.scope ?? `/subscriptions/${parseGuid('--subscription', opts.subscription)}`);
        const assignee = opts.assignee === undefined ? undefined : parseGuid('--assignee', opts.assignee);
        const assignments = await listRoleAssignments(managementClient(opts, io), scope, { assignee, atScopeOnly: opts.atScopeOnly });
        return { json: assignments.map(flattenAssignment), columns: ASSIGNMENT_COLUMNS, rows: assignments.map(assignmentRow) };
      }),
    );
}
