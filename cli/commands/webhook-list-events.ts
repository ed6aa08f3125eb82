import type { Command } from 'commander';
import type { Io } from '../io.js';
import { eventListSchema } from '../client/schemas.js';
import { webhooksPath } from '../client/paths.js';
import { listAll } from '../client/list-all.js';
import { EVENT_COLUMNS, eventRow } from '../format/rows.js';
import { managementClient, webhookCommand, type GlobalOptions } from '../options/global-options.js';
import { runWith } from '../options/run.js';

interface ListEventsOptions extends GlobalOptions {
  name: string;
  registry: string;
}

export function registerWebhookListEvents(parent: Command, io: Io): void {
  webhookCommand(parent, 'list-events', "List the recent events of a webhook, newest first, with each delivery's request and response.")
    .addHelpText(
      'after',
      `
Examples:
  List the events of a webhook:
    $ registry-webhooks webhook list-events -n myhook01 -r myregistry -o table

  The endpoint's answer to the newest event (with jq):
    $ registry-webhooks webhook list-events -n myhook01 -r myregistry | jq '.[0].eventResponseMessage'`,
    )
    .action(
      runWith<ListEventsOptions>(io, async (opts) => {
        const events = await listAll(
          managementClient(opts, io),
          { method: 'POST', path: webhooksPath(opts.registry, opts.name, 'listEvents') },
          eventListSchema,
        );
        return { json: events, columns: EVENT_COLUMNS, rows: events.map(eventRow) };
      }),
    );
}
