import type { Command } from 'commander';
import type { Io } from '../io.js';
import { callbackConfigSchema } from '../client/schemas.js';
import { webhooksPath } from '../client/paths.js';
import { CONFIG_COLUMNS, configRow } from '../format/rows.js';
import { addGlobalOptions, managementClient, nameOption, registryOption, type GlobalOptions } from '../options/global-options.js';
import { runWith } from '../options/run.js';

interface GetConfigOptions extends GlobalOptions {
  name: string;
  registry: string;
}

export function registerWebhookGetConfig(parent: Command, io: Io): void {
  const cmd = parent
    .command('get-config')
    .description('Get the service URI and custom headers for the webhook (write-only elsewhere: they contain secrets).')
    .addOption(nameOption())
    .addOption(registryOption());
  addGlobalOptions(cmd)
    .addHelpText(
      'after',
      `
Examples:
  Get the configuration information for a webhook:
    $ registry-webhooks webhook get-config -n myhook01 -r myregistry`,
    )
    .action(
      runWith<GetConfigOptions>(io, async (opts) => {
        const config = await managementClient(opts).request({
          method: 'POST',
          path: webhooksPath(opts.registry, opts.name, 'getCallbackConfig'),
          schema: callbackConfigSchema,
        });
        return { json: config, columns: CONFIG_COLUMNS, rows: [configRow(config)] };
      }),
    );
}
