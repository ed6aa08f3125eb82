import type { Command } from 'commander';
import type { Io } from '../io.js';
import { idResultSchema } from '../client/schemas.js';
import { webhooksPath } from '../client/paths.js';
import { PING_COLUMNS, pingRow } from '../format/rows.js';
import { managementClient, webhookCommand, type GlobalOptions } from '../options/global-options.js';
import { runWith } from '../options/run.js';

interface PingOptions extends GlobalOptions {
  name: string;
  registry: string;
}

export function registerWebhookPing(parent: Command, io: Io): void {
  webhookCommand(parent, 'ping', "Trigger a ping event for a webhook; see the result with 'webhook list-events'.")
    .addHelpText(
      'after',
      `
Examples:
  Ping a webhook, then look at the delivery:
    $ registry-webhooks webhook ping -n myhook01 -r myregistry
    $ registry-webhooks webhook list-events -n myhook01 -r myregistry -o table`,
    )
    .action(
      runWith<PingOptions>(io, async (opts) => {
        const result = await managementClient(opts, io).request({
          method: 'POST',
          path: webhooksPath(opts.registry, opts.name, 'ping'),
          schema: idResultSchema,
        });
        return { json: result, columns: PING_COLUMNS, rows: [pingRow(result)] };
      }),
    );
}
