import type { Command } from 'commander';
import type { Io } from '../io.js';
import { CliError } from '../errors.js';
import { webhookSchema } from '../client/schemas.js';
import { webhooksPath } from '../client/paths.js';
import { flattenWebhook } from '../format/flatten-webhook.js';
import { WEBHOOK_COLUMNS, webhookRow } from '../format/rows.js';
import { parseKeyValues } from '../options/key-values.js';
import { addGlobalOptions, managementClient, nameOption, registryOption, type GlobalOptions } from '../options/global-options.js';
import {
  actionsOption,
  connectionStringOption,
  endpointTypeOption,
  headersOption,
  multiArchOption,
  NO_RATE_LIMIT,
  payloadFormatOption,
  rateLimitUpdateOption,
  queueTtlOption,
  scopeOption,
  skipReferrersOption,
  statusOption,
  tagsOption,
  uriOption,
} from '../options/webhook-options.js';
import { runWith } from '../options/run.js';

interface UpdateOptions extends GlobalOptions {
  name: string;
  registry: string;
  uri?: string;
  actions?: string[];
  headers?: string[];
  scope?: string;
  status?: string;
  tags?: string[];
  multiArch?: string;
  /** `none` is sent as null, which removes the limit. */
  rateLimit?: number | typeof NO_RATE_LIMIT;
  payloadFormat?: string;
  skipReferrers?: boolean;
  endpointType?: string;
  connectionString?: string;
  queueTtl?: number;
}

/**
 * Only what is given is sent (a sparse PATCH, as az sends); `--headers ''` sends `{}`, which clears, and
 * `--rate-limit none` sends `rateLimitPerSecond: null`, which removes the limit.
 * @internal
 */
export function updateBody(opts: UpdateOptions): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    ...(opts.uri !== undefined ? { serviceUri: opts.uri } : {}),
    ...(opts.actions ? { actions: opts.actions } : {}),
    ...(opts.headers ? { customHeaders: parseKeyValues(opts.headers) } : {}),
    ...(opts.scope !== undefined ? { scope: opts.scope } : {}),
    ...(opts.status !== undefined ? { status: opts.status } : {}),
    ...(opts.multiArch !== undefined ? { multiArch: opts.multiArch } : {}),
    ...(opts.rateLimit !== undefined ? { rateLimitPerSecond: opts.rateLimit === NO_RATE_LIMIT ? null : opts.rateLimit } : {}),
    ...(opts.payloadFormat !== undefined ? { payloadFormat: opts.payloadFormat } : {}),
    ...(opts.skipReferrers !== undefined ? { skipReferrers: opts.skipReferrers } : {}),
    ...(opts.endpointType !== undefined ? { endpointType: opts.endpointType } : {}),
    ...(opts.connectionString !== undefined ? { connectionString: opts.connectionString } : {}),
    ...(opts.queueTtl !== undefined ? { queueMessageTimeToLiveSeconds: opts.queueTtl } : {}),
  };
  return {
    ...(opts.tags ? { tags: parseKeyValues(opts.tags) } : {}),
    ...(Object.keys(properties).length > 0 ? { properties } : {}),
  };
}

export function registerWebhookUpdate(parent: Command, io: Io): void {
  const cmd = parent
    .command('update')
    .description('Update a webhook; only the given settings change.')
    .addOption(nameOption())
    .addOption(registryOption())
    .addOption(uriOption())
    .addOption(actionsOption())
    .addOption(headersOption())
    .addOption(scopeOption())
    .addOption(statusOption())
    .addOption(tagsOption())
    .addOption(multiArchOption())
    .addOption(rateLimitUpdateOption())
    .addOption(payloadFormatOption())
    .addOption(skipReferrersOption())
    .addOption(endpointTypeOption())
    .addOption(connectionStringOption())
    .addOption(queueTtlOption());
  addGlobalOptions(cmd)
    .addHelpText(
      'after',
      `
Examples:
  Disable a webhook:
    $ registry-webhooks webhook update -n myhook01 -r myregistry --status disabled

  Change the service URI and clear the custom headers:
    $ registry-webhooks webhook update -n myhook01 -r myregistry --uri https://example.com/new --headers ''

  Remove the webhook's rate limit (or set one with --rate-limit 50):
    $ registry-webhooks webhook update -n myhook01 -r myregistry --rate-limit none

  Send Teams cards, and deliver signatures and SBOMs again:
    $ registry-webhooks webhook update -n myhook01 -r myregistry --payload-format teams --skip-referrers false`,
    )
    .action(
      runWith<UpdateOptions>(io, async (opts) => {
        const body = updateBody(opts);
        if (Object.keys(body).length === 0) {
          throw new CliError(
            'Nothing to update: give at least one of --uri, --actions, --headers, --scope, --status, --tags, --multi-arch, --rate-limit, --payload-format, --skip-referrers, --endpoint-type, --connection-string, --queue-ttl.',
            2,
          );
        }
        const webhook = await managementClient(opts, io).request({
          method: 'PATCH',
          path: webhooksPath(opts.registry, opts.name),
          schema: webhookSchema,
          body,
        });
        return { json: flattenWebhook(webhook), columns: WEBHOOK_COLUMNS, rows: [webhookRow(webhook)] };
      }),
    );
}
