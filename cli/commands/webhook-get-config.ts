import type { Command } from 'commander';
import type { Io } from '../io.js';
import { callbackConfigSchema } from '../client/schemas.js';
import { webhooksPath } from '../client/paths.js';
import { CONFIG_COLUMNS, configRow } from '../format/rows.js';
import { managementClient, webhookCommand, type GlobalOptions } from '../options/global-options.js';
import { runWith } from '../options/run.js';

interface GetConfigOptions extends GlobalOptions {
  name: string;
  registry: string;
}

export function registerWebhookGetConfig(parent: Command, io: Io): void {
  webhookCommand(
    parent,
    'get-config',
    'Get the service URI and custom headers for the webhook (write-only elsewhere: they contain secrets).',
  )
    .addHelpText(
      'after',
      `
Examples:
  Get the configuration information for a webhook:
    $ registry-webhooks webhook get-config -n myhook01 -r myregistry`,
    )
    .action(
      runWith<GetConfigOptions>(io, async (opts) => {
        const config = await managementClient(opts, io).request({
          method: 'POST',
          path: webhooksPath(opts.registry, opts.name, 'getCallbackConfig'),
          schema: callbackConfigSchema,
        });
        return { json: config, columns: CONFIG_COLUMNS, rows: [configRow(config)] };
      }),
    );
}
