import type { Command } from 'commander';
import type { Io } from '../io.js';
import { ingestKeysSchema } from '../client/schemas.js';
import { registryPath } from '../client/paths.js';
import { INGEST_KEY_COLUMNS, ingestKeyRows } from '../format/rows.js';
import { addGlobalOptions, managementClient, registryOption, type GlobalOptions } from '../options/global-options.js';
import { runWith } from '../options/run.js';

interface ListOptions extends GlobalOptions {
  registry: string;
}

export function registerIngestKeysList(parent: Command, io: Io): void {
  const cmd = parent
    .command('list')
    .description("Show a registry's own ingest keys (made on first use), as 'az acr credential show' shows its passwords.")
    .addOption(registryOption());
  addGlobalOptions(cmd)
    .addHelpText(
      'after',
      `
A registry's key opens only POST /registries/{registry}/events of that registry: give it to a sender that
cannot use Entra ID (the CNCF registry, Harbor) as x-functions-key or ?code=. Needs Contributor on the
registry, or the management key.

Examples:
  Show the keys as a table:
    $ registry-webhooks registry ingest-keys list -r myregistry -o table

  The primary key alone (with jq):
    $ registry-webhooks registry ingest-keys list -r myregistry | jq -r '.keys[] | select(.name == "primary") | .value'`,
    )
    .action(
      runWith<ListOptions>(io, async (opts) => {
        const keys = await managementClient(opts, io).request({
          method: 'POST',
          path: registryPath(opts.registry, 'listIngestKeys'),
          schema: ingestKeysSchema,
        });
        return { json: keys, columns: INGEST_KEY_COLUMNS, rows: ingestKeyRows(keys) };
      }),
    );
}
