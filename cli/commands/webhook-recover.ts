import { Option, type Command } from 'commander';
import type { Io } from '../io.js';
import { recoverResultSchema } from '../client/schemas.js';
import { webhooksPath } from '../client/paths.js';
import { RECOVER_COLUMNS, recoverRow } from '../format/rows.js';
import { managementClient, webhookCommand, type GlobalOptions } from '../options/global-options.js';
import { runWith } from '../options/run.js';
import { CliError } from '../errors.js';

interface RecoverOptions extends GlobalOptions {
  name: string;
  registry: string;
  since: string;
}

export function registerWebhookRecover(parent: Command, io: Io): void {
  webhookCommand(
    parent,
    'recover',
    'Send again every failed or held delivery of a webhook received since a time, in order (not in az). The webhook must be enabled.',
    [new Option('--since <time>', 'ISO 8601 time, e.g. 2026-11-28T00:00:00Z: events received at or after it').makeOptionMandatory()],
  )
    .addHelpText(
      'after',
      `
Examples:
  After fixing the endpoint of a webhook the service disabled:
    $ registry-webhooks webhook update -n myhook01 -r myregistry --status enabled
    $ registry-webhooks webhook recover -n myhook01 -r myregistry --since 2026-11-28T00:00:00Z`,
    )
    .action(
      runWith<RecoverOptions>(io, async (opts) => {
        if (Number.isNaN(Date.parse(opts.since))) {
          throw new CliError(`--since must be an ISO 8601 time such as 2026-11-28T00:00:00Z (got '${opts.since}').`);
        }
        const result = await managementClient(opts, io).request({
          method: 'POST',
          path: webhooksPath(opts.registry, opts.name, 'recover'),
          body: { since: opts.since },
          schema: recoverResultSchema,
        });
        return { json: result, columns: RECOVER_COLUMNS, rows: [recoverRow(result)] };
      }),
    );
}
