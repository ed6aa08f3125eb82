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

/**
 * The `registry-webhooks` command tree, shaped like `az acr webhook`. Settings made on the program before
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
Connection (every command): --endpoint or REGISTRY_WEBHOOKS_ENDPOINT (default http://127.0.0.1:7071/api),
--key or REGISTRY_WEBHOOKS_KEY (the management key npm start prints).

Examples:
  $ export REGISTRY_WEBHOOKS_KEY=<management key>
  $ registry-webhooks webhook create -n myhook01 -r myregistry --uri https://example.com/hook --actions push
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
  return program;
}
