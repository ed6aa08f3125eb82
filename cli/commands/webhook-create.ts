import { Option, type Command } from 'commander';
import type { Io } from '../io.js';
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
  payloadFormatOption,
  rateLimitOption,
  queueTtlOption,
  scopeOption,
  skipReferrersOption,
  statusOption,
  tagsOption,
  uriOption,
} from '../options/webhook-options.js';
import { runWith } from '../options/run.js';

interface CreateOptions extends GlobalOptions {
  name: string;
  registry: string;
  uri: string;
  actions: string[];
  headers?: string[];
  scope?: string;
  status: string;
  location: string;
  tags?: string[];
  multiArch?: string;
  rateLimit?: number;
  payloadFormat?: string;
  /** `true` when given alone (commander's value for an optional argument left out). */
  skipReferrers?: boolean;
  endpointType?: string;
  connectionString?: string;
  queueTtl?: number;
}

export function registerWebhookCreate(parent: Command, io: Io): void {
  const cmd = parent
    .command('create')
    .description('Create a webhook for a container registry.')
    .addOption(nameOption())
    .addOption(registryOption())
    .addOption(uriOption().makeOptionMandatory())
    .addOption(actionsOption().makeOptionMandatory())
    .addOption(headersOption())
    .addOption(scopeOption())
    .addOption(statusOption().default('enabled'))
    .addOption(
      new Option('-l, --location <location>', "the registry's Azure region (the API requires one; it cannot change later)")
        .env('REGISTRY_WEBHOOKS_LOCATION')
        .default('eastus'),
    )
    .addOption(tagsOption())
    .addOption(multiArchOption())
    .addOption(rateLimitOption())
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
  Create a webhook that posts push and delete events of every repository:
    $ registry-webhooks webhook create -n myhook01 -r myregistry --uri https://example.com/hook --actions push delete

  Only pushes to any tag of 'hello-world', with a basic-auth header:
    $ registry-webhooks webhook create -n myhook01 -r myregistry --uri https://example.com/hook --actions push \\
        --scope 'hello-world:*' --headers 'Authorization=Basic 000000'

  One event per multi-arch image (the index, listing its platforms) instead of one per manifest:
    $ registry-webhooks webhook create -n myhook01 -r myregistry --uri https://example.com/hook --actions push --multi-arch coalesced

  At most 20 requests per second to the endpoint (more wait their turn):
    $ registry-webhooks webhook create -n myhook01 -r myregistry --uri https://example.com/hook --actions push --rate-limit 20

  Post pushes to a Slack channel (its incoming-webhook URL), without signatures, attestations and SBOMs:
    $ registry-webhooks webhook create -n slack01 -r myregistry --uri https://hooks.slack.com/services/T000/B000/XXXX --actions push \\
        --payload-format slack --skip-referrers

  Events of 'hello-world' as messages of a Storage Queue, sent with the service's managed identity:
    $ registry-webhooks webhook create -n myhook01 -r myregistry --actions push --scope 'hello-world:*' \\
        --endpoint-type StorageQueue --uri https://myaccount.queue.core.windows.net/registry-events

  To a Service Bus topic, with a connection string (a sessionful subscription then keeps each repository in order):
    $ registry-webhooks webhook create -n myhook01 -r myregistry --actions push delete --endpoint-type ServiceBusTopic \\
        --uri https://mynamespace.servicebus.windows.net/registry --connection-string "$SERVICEBUS_CONNECTION_STRING"`,
    )
    .action(
      runWith<CreateOptions>(io, async (opts) => {
        const webhook = await managementClient(opts, io).request({
          method: 'PUT',
          path: webhooksPath(opts.registry, opts.name),
          schema: webhookSchema,
          body: {
            location: opts.location,
            ...(opts.tags ? { tags: parseKeyValues(opts.tags) } : {}),
            properties: {
              serviceUri: opts.uri,
              actions: opts.actions,
              status: opts.status,
              ...(opts.headers ? { customHeaders: parseKeyValues(opts.headers) } : {}),
              ...(opts.scope !== undefined ? { scope: opts.scope } : {}),
              ...(opts.multiArch !== undefined ? { multiArch: opts.multiArch } : {}),
              ...(opts.rateLimit !== undefined ? { rateLimitPerSecond: opts.rateLimit } : {}),
              ...(opts.payloadFormat !== undefined ? { payloadFormat: opts.payloadFormat } : {}),
              ...(opts.skipReferrers !== undefined ? { skipReferrers: opts.skipReferrers } : {}),
              ...(opts.endpointType !== undefined ? { endpointType: opts.endpointType } : {}),
              ...(opts.connectionString ? { connectionString: opts.connectionString } : {}),
              ...(opts.queueTtl !== undefined ? { queueMessageTimeToLiveSeconds: opts.queueTtl } : {}),
            },
          },
        });
        return { json: flattenWebhook(webhook), columns: WEBHOOK_COLUMNS, rows: [webhookRow(webhook)] };
      }),
    );
}
