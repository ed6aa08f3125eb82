import { Option, type Command } from 'commander';
import type { Io } from '../io.js';
import { eventSchema } from '../client/schemas.js';
import { webhooksPath } from '../client/paths.js';
import { EVENT_COLUMNS, eventRow } from '../format/rows.js';
import { managementClient, webhookCommand, type GlobalOptions } from '../options/global-options.js';
import { runWith } from '../options/run.js';

interface RedeliverOptions extends GlobalOptions {
  name: string;
  registry: string;
  eventId: string;
}

export function registerWebhookRedeliver(parent: Command, io: Io): void {
  webhookCommand(
    parent,
    'redeliver',
    'Send an event of a webhook again (not in az: ACR has no redelivery). Prints the new delivery, as list-events shows it.',
    [new Option('--event-id <id>', "id of the event to send again, from 'webhook list-events'").makeOptionMandatory()],
  )
    .addHelpText(
      'after',
      `
Examples:
  Redeliver the newest event (with jq):
    $ id=$(registry-webhooks webhook list-events -n myhook01 -r myregistry | jq -r '.[0].id')
    $ registry-webhooks webhook redeliver -n myhook01 -r myregistry --event-id "$id"`,
    )
    .action(
      runWith<RedeliverOptions>(io, async (opts) => {
        const result = await managementClient(opts, io).request({
          method: 'POST',
          path: webhooksPath(opts.registry, opts.name, 'events', opts.eventId, 'redeliver'),
          schema: eventSchema,
        });
        return { json: result, columns: EVENT_COLUMNS, rows: [eventRow(result)] };
      }),
    );
}
