import type { Command } from 'commander';
import type { Io } from '../io.js';
import { webhooksPath } from '../client/paths.js';
import { managementClient, webhookCommand, type GlobalOptions } from '../options/global-options.js';
import { runWith } from '../options/run.js';

interface DeleteOptions extends GlobalOptions {
  name: string;
  registry: string;
}

export function registerWebhookDelete(parent: Command, io: Io): void {
  webhookCommand(parent, 'delete', 'Delete a webhook.')
    .addHelpText(
      'after',
      `
Prints nothing, like az; deleting a webhook that does not exist is not an error.

Examples:
  Delete a webhook:
    $ registry-webhooks webhook delete -n myhook01 -r myregistry`,
    )
    .action(
      runWith<DeleteOptions>(io, async (opts) => {
        await managementClient(opts, io).send({ method: 'DELETE', path: webhooksPath(opts.registry, opts.name) });
        return undefined;
      }),
    );
}
