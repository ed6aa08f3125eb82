import { randomUUID } from 'node:crypto';
import { Option, type Command } from 'commander';
import type { Io } from '../io.js';
import { roleAssignmentSchema } from '../client/schemas.js';
import { roleAssignmentsPath } from '../client/paths.js';
import { flattenAssignment } from '../format/flatten-assignment.js';
import { ASSIGNMENT_COLUMNS, assignmentRow } from '../format/rows.js';
import { parseGuid, parseScope } from '../options/arm-ids.js';
import { roleGuid } from '../options/role.js';
import { addGlobalOptions, managementClient, type GlobalOptions } from '../options/global-options.js';
import { runWith } from '../options/run.js';

interface CreateOptions extends GlobalOptions {
  assigneeObjectId: string;
  role: string;
  scope: string;
  assigneePrincipalType?: string;
  name?: string;
}

/** The principal types az's `--assignee-principal-type` takes for the identities the service sees. */
const PRINCIPAL_TYPES = ['User', 'Group', 'ServicePrincipal'] as const;
const OBJECT_ID_HINT = ": the principal's object id, e.g. from 'az ad signed-in-user show --query id -o tsv'";

export function registerRoleAssignmentCreate(parent: Command, io: Io): void {
  const cmd = parent
    .command('create')
    .description("Create a role assignment, as 'az role assignment create' does.")
    .addOption(new Option('--assignee-object-id <oid>', 'object id of the user, group or service principal').makeOptionMandatory())
    .addOption(
      new Option(
        '--role <role>',
        "'Reader', 'Contributor', 'Owner', 'Registry Webhooks Event Sender', or a role definition GUID",
      ).makeOptionMandatory(),
    )
    .addOption(
      new Option(
        '--scope <scope>',
        'where the role applies: a subscription, a resource group or a registry, as an ARM id',
      ).makeOptionMandatory(),
    )
    .addOption(new Option('--assignee-principal-type <type>', 'type of the assignee').choices(PRINCIPAL_TYPES))
    .addOption(new Option('--name <guid>', 'name of the new assignment (default: a new GUID)'));
  addGlobalOptions(cmd)
    .addHelpText(
      'after',
      `
An assignment applies to its scope and everything below it, as in ARM. Creating one needs Owner at the
scope, or the management key.

Examples:
  Let a user manage the webhooks of one registry:
    $ registry-webhooks role assignment create --assignee-object-id 00000000-0000-0000-0000-000000000001 --role Contributor \\
        --scope /subscriptions/<sub>/resourceGroups/myrg/providers/Microsoft.ContainerRegistry/registries/myregistry

  Let a service principal (an Event Grid delivery identity) post events for every registry of a resource group:
    $ registry-webhooks role assignment create --assignee-object-id <oid> --assignee-principal-type ServicePrincipal \\
        --role "Registry Webhooks Event Sender" --scope /subscriptions/<sub>/resourceGroups/myrg`,
    )
    .action(
      runWith<CreateOptions>(io, async (opts) => {
        const { scope, subscriptionId } = parseScope(opts.scope);
        const principalId = parseGuid('--assignee-object-id', opts.assigneeObjectId, OBJECT_ID_HINT);
        const name = opts.name === undefined ? randomUUID() : parseGuid('--name', opts.name);
        const roleDefinitionId = `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid(opts.role)}`;
        const assignment = await managementClient(opts, io).request({
          method: 'PUT',
          path: roleAssignmentsPath(scope, name),
          schema: roleAssignmentSchema,
          body: {
            properties: {
              roleDefinitionId,
              principalId,
              ...(opts.assigneePrincipalType === undefined ? {} : { principalType: opts.assigneePrincipalType }),
            },
          },
        });
        return { json: flattenAssignment(assignment), columns: ASSIGNMENT_COLUMNS, rows: [assignmentRow(assignment)] };
      }),
    );
}
