import { Command } from 'commander';
import type { Io } from './io.js';
import { registerWebhookCreate } from './commands/webhook-create.js';
import { registerWebhookUpdate } from './commands/webhook-update.js';
import { registerWebhookList } from './commands/webhook-list.js';
import { registerWebhookShow } from './commands/webhook-show.js';
import { registerWebhookDelete } from './commands/webhook-delete.js';
import { registerWebhookPing } from './commands/webhook-ping.js';
import { registerWebhookListEvents } from './commands/webhook-list-events.js';
import { registerWebhookGetConfig } from './commands/webhook-get-config.js';
import { registerWebhookRedeliver } from './commands/webhook-redeliver.js';
import { registerWebhookRotateSecret } from './commands/webhook-rotate-secret.js';
import { registerWebhookRecover } from './commands/webhook-recover.js';
import { registerEventSend } from './commands/event-send.js';
import { registerRoleAssignmentCreate } from './commands/role-assignment-create.js';
import { registerRoleAssignmentList } from './commands/role-assignment-list.js';
import { registerRoleAssignmentDelete } from './commands/role-assignment-delete.js';
import { registerIngestKeysList } from './commands/registry-ingest-keys-list.js';
import { registerIngestKeysRegenerate } from './commands/registry-ingest-keys-regenerate.js';

/**
 * The `registry-webhooks` command tree, shaped like `az acr webhook`, `az role assignment` and
 * `az acr credential`. Settings made on the program before
 * `.command()` (output routing, exit override) are inherited by every subcommand.
 */
export function buildProgram(io: Io, version: string): Command {
  const program = new Command('registry-webhooks')
    .description("Manage container-registry webhooks the way 'az acr webhook' does, against a registry-webhooks service.")
    .version(version)
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `
Connection (every command): --endpoint or REGISTRY_WEBHOOKS_ENDPOINT (default http://127.0.0.1:7071/api), and
  --key or REGISTRY_WEBHOOKS_KEY: the management key npm start prints (the default, --auth key); or
  --auth entra (REGISTRY_WEBHOOKS_AUTH=entra): an Entra ID token from DefaultAzureCredential (az login, a
  managed identity, AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET) for --scope-uri or
  REGISTRY_WEBHOOKS_SCOPE, the service's App ID URI followed by /.default. Tokens go over https only
  (plain http to loopback addresses).

Examples:
  $ export REGISTRY_WEBHOOKS_KEY=<management key>
  $ registry-webhooks webhook create -n myhook01 -r myregistry --uri https://example.com/hook --actions push
  $ registry-webhooks webhook list -r myregistry -o table

  As yourself, after az login, once the key's holder has made you Contributor on the registry:
  $ registry-webhooks role assignment create --assignee-object-id <your object id> --role Contributor \\
      --scope /subscriptions/<sub>/resourceGroups/myrg/providers/Microsoft.ContainerRegistry/registries/myregistry
  $ export REGISTRY_WEBHOOKS_AUTH=entra REGISTRY_WEBHOOKS_SCOPE=api://registry-webhooks/.default
  $ registry-webhooks webhook list -r myregistry -o table`,
    );

  const webhook = program.command('webhook').description("Manage webhooks for a container registry (like 'az acr webhook').");
  for (const register of [
    registerWebhookCreate,
    registerWebhookUpdate,
    registerWebhookList,
    registerWebhookShow,
    registerWebhookDelete,
    registerWebhookPing,
    registerWebhookListEvents,
    registerWebhookGetConfig,
    registerWebhookRedeliver,
    registerWebhookRotateSecret,
    registerWebhookRecover,
  ]) {
    register(webhook, io);
  }
  const event = program.command('event').description('Send sample registry events, for trying webhooks out.');
  registerEventSend(event, io);

  const role = program.command('role').description("Manage who may do what, as 'az role' does.");
  const assignment = role
    .command('assignment')
    .description("Manage role assignments (Reader, Contributor, Owner, Registry Webhooks Event Sender), like 'az role assignment'.");
  for (const register of [registerRoleAssignmentCreate, registerRoleAssignmentList, registerRoleAssignmentDelete]) register(assignment, io);

  const registry = program.command('registry').description('Manage container registries in the service.');
  const ingestKeys = registry
    .command('ingest-keys')
    .description("Manage a registry's own ingest keys, for senders that cannot use Entra ID (like 'az acr credential').");
  for (const register of [registerIngestKeysList, registerIngestKeysRegenerate]) register(ingestKeys, io);
  return program;
}
