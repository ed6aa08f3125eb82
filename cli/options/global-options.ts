import { Option, type Command } from 'commander';
import { OUTPUT_FORMATS, type OutputFormat } from '../format/output.js';
import { makeApiClient, type ApiClient } from '../client/api-client.js';

const DEFAULT_ENDPOINT = 'http://127.0.0.1:7071/api';

/** Options every command takes, as az's global `--output`; the endpoint and key stand in for `az login`. */
export interface GlobalOptions {
  readonly endpoint: string;
  readonly key?: string;
  readonly output: OutputFormat;
}

export function addGlobalOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--endpoint <url>', 'base URL of the service, including the route prefix')
        .env('REGISTRY_WEBHOOKS_ENDPOINT')
        .default(DEFAULT_ENDPOINT),
    )
    .addOption(new Option('--key <key>', 'management key (sent as x-functions-key)').env('REGISTRY_WEBHOOKS_KEY'))
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('json'));
}

/** The registry every command works in, with an env default as `az configure --defaults acr=` gives. */
export function registryOption(): Option {
  return new Option('-r, --registry <registry>', 'name of the container registry').env('REGISTRY_WEBHOOKS_REGISTRY').makeOptionMandatory();
}

export function nameOption(): Option {
  return new Option('-n, --name <name>', 'name of the webhook').makeOptionMandatory();
}

export function managementClient(opts: GlobalOptions): ApiClient {
  return makeApiClient({ endpoint: opts.endpoint, key: opts.key });
}

/**
 * A `webhook <verb>` command on one webhook: `-n/--name`, `-r/--registry`, then the connection options
 * every command has, so each command file adds only what is its own.
 */
export function webhookCommand(parent: Command, verb: string, description: string, extra: readonly Option[] = []): Command {
  const cmd = parent.command(verb).description(description).addOption(nameOption()).addOption(registryOption());
  for (const option of extra) cmd.addOption(option);
  return addGlobalOptions(cmd);
}
