import type { Command } from 'commander';
import type { Io } from '../io.js';
import { webhookListSchema } from '../client/schemas.js';
import { webhooksPath } from '../client/paths.js';
import { listAll } from '../client/list-all.js';
import { flattenWebhook } from '../format/flatten-webhook.js';
import { WEBHOOK_COLUMNS, webhookRow } from '../format/rows.js';
import { addGlobalOptions, managementClient, registryOption, type GlobalOptions } from '../options/global-options.js';
import { runWith } from '../options/run.js';

interface ListOptions extends GlobalOptions {
  registry: string;
}

export function registerWebhookList(parent: Command, io: Io): void {
  const cmd = parent.command('list').description('List the webhooks of a container registry (every page).').addOption(registryOption());
  addGlobalOptions(cmd)
    .addHelpText(
      'after',
      `
Examples:
  List the webhooks of a registry as a table:
    $ registry-webhooks webhook list -r myregistry -o table`,
    )
    .action(
      runWith<ListOptions>(io, async (opts) => {
        const webhooks = await listAll(managementClient(opts, io), { method: 'GET', path: webhooksPath(opts.registry) }, webhookListSchema);
        return { json: webhooks.map(flattenWebhook), columns: WEBHOOK_COLUMNS, rows: webhooks.map(webhookRow) };
      }),
    );
}
