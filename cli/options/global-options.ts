import { Option, type Command } from 'commander';
import { OUTPUT_FORMATS, type OutputFormat } from '../format/output.js';
import { makeApiClient, type ApiClient } from '../client/api-client.js';
import { entraAuth, keyAuth, type AuthHeaders } from '../client/auth-headers.js';
import { CliError } from '../errors.js';
import type { Io } from '../io.js';

const DEFAULT_ENDPOINT = 'http://127.0.0.1:7071/api';
const AUTH_METHODS = ['key', 'entra'] as const;

/**
 * Options every command takes, as az's global `--output`. The endpoint and a key or an Entra ID token
 * (`az login`, through DefaultAzureCredential) stand in for az's cloud and login.
 */
export interface GlobalOptions {
  readonly endpoint: string;
  readonly key?: string;
  /** `key` when absent, as the option's default. */
  readonly auth?: (typeof AUTH_METHODS)[number];
  readonly scopeUri?: string;
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
    .addOption(
      new Option(
        '--auth <method>',
        "'key' sends the key; 'entra' an Entra ID token from DefaultAzureCredential (az login, managed identity)",
      )
        .choices(AUTH_METHODS)
        .env('REGISTRY_WEBHOOKS_AUTH')
        .default('key'),
    )
    .addOption(
      new Option('--scope-uri <scope>', "scope of the Entra ID token (--auth entra), e.g. 'api://registry-webhooks/.default'").env(
        'REGISTRY_WEBHOOKS_SCOPE',
      ),
    )
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('json'));
}

/** The registry every command works in, with an env default as `az configure --defaults acr=` gives. */
export function registryOption(): Option {
  return new Option('-r, --registry <registry>', 'name of the container registry').env('REGISTRY_WEBHOOKS_REGISTRY').makeOptionMandatory();
}

export function nameOption(): Option {
  return new Option('-n, --name <name>', 'name of the webhook').makeOptionMandatory();
}

/**
 * How requests authenticate: `key` (the management key, or the ingest key for `event send`), or with
 * `--auth entra` a bearer token for `--scope-uri`, checked here so a missing scope fails before any request.
 */
export function authHeaders(opts: GlobalOptions, io: Io, key: string | undefined): AuthHeaders {
  if (opts.auth !== 'entra') return keyAuth(key);
  if (!opts.scopeUri) {
    throw new CliError(
      "--auth entra needs the token's scope: set --scope-uri or REGISTRY_WEBHOOKS_SCOPE to the service's App ID URI followed by /.default (for example api://registry-webhooks/.default).",
      2,
    );
  }
  return entraAuth(io.credential, opts.scopeUri);
}

export function managementClient(opts: GlobalOptions, io: Io): ApiClient {
  return makeApiClient({ endpoint: opts.endpoint, auth: authHeaders(opts, io, opts.key) });
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
