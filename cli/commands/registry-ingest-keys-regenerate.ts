import { Option, type Command } from 'commander';
import type { Io } from '../io.js';
import { ingestKeysSchema } from '../client/schemas.js';
import { registryPath } from '../client/paths.js';
import { INGEST_KEY_COLUMNS, ingestKeyRows } from '../format/rows.js';
import { addGlobalOptions, managementClient, registryOption, type GlobalOptions } from '../options/global-options.js';
import { runWith } from '../options/run.js';

interface RegenerateOptions extends GlobalOptions {
  registry: string;
  name: 'primary' | 'secondary';
}

export function registerIngestKeysRegenerate(parent: Command, io: Io): void {
  const cmd = parent
    .command('regenerate')
    .description("Replace one of a registry's ingest keys, as 'az acr credential renew' does; prints both keys.")
    .addOption(registryOption())
    .addOption(new Option('--name <name>', 'the key to replace').choices(['primary', 'secondary']).makeOptionMandatory());
  addGlobalOptions(cmd)
    .addHelpText(
      'after',
      `
The replaced key stops working. To rotate without a gap: move senders to the secondary key, regenerate
the primary, move them back, then regenerate the secondary.

Examples:
  Replace the primary key:
    $ registry-webhooks registry ingest-keys regenerate -r myregistry --name primary`,
    )
    .action(
      runWith<RegenerateOptions>(io, async (opts) => {
        const keys = await managementClient(opts, io).request({
          method: 'POST',
          path: registryPath(opts.registry, 'regenerateIngestKey'),
          body: { name: opts.name },
          schema: ingestKeysSchema,
        });
        return { json: keys, columns: INGEST_KEY_COLUMNS, rows: ingestKeyRows(keys) };
      }),
    );
}
