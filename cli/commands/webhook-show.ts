import type { Command } from 'commander';
import type { Io } from '../io.js';
import { webhookSchema } from '../client/schemas.js';
import { webhooksPath } from '../client/paths.js';
import { flattenWebhook } from '../format/flatten-webhook.js';
import { WEBHOOK_SHOW_COLUMNS, webhookShowRow } from '../format/rows.js';
import { managementClient, webhookCommand, type GlobalOptions } from '../options/global-options.js';
import { runWith } from '../options/run.js';

interface ShowOptions extends GlobalOptions {
  name: string;
  registry: string;
}

export function registerWebhookShow(parent: Command, io: Io): void {
  webhookCommand(parent, 'show', 'Get the details of a webhook, with its delivery health (HEALTH; not in az).')
    .addHelpText(
      'after',
      `
Examples:
  Show a webhook:
    $ registry-webhooks webhook show -n myhook01 -r myregistry`,
    )
    .action(
      runWith<ShowOptions>(io, async (opts) => {
        const webhook = await managementClient(opts, io).request({
          method: 'GET',
          path: webhooksPath(opts.registry, opts.name),
          schema: webhookSchema,
        });
        return { json: flattenWebhook(webhook), columns: WEBHOOK_SHOW_COLUMNS, rows: [webhookShowRow(webhook)] };
      }),
    );
}
