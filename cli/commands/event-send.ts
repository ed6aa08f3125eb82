import { Option, type Command } from 'commander';
import type { Io } from '../io.js';
import { ingestPath } from '../client/paths.js';
import { makeApiClient } from '../client/api-client.js';
import { sampleEvent } from '../sample-event.js';
import { addGlobalOptions, authHeaders, registryOption, type GlobalOptions } from '../options/global-options.js';
import { runWith } from '../options/run.js';
import { imageName } from '../../shared/webhooks/acr-conventions.js';

interface SendOptions extends GlobalOptions {
  registry: string;
  action: 'push' | 'delete';
  repository: string;
  tag?: string;
  digest?: string;
  ingestKey?: string;
}

export function registerEventSend(parent: Command, io: Io): void {
  const cmd = parent
    .command('send')
    .description("Post a sample push or delete event to the registry's ingest endpoint, as a registry would, to try webhooks out.")
    .addOption(registryOption())
    .addOption(new Option('--action <action>', 'what happened').choices(['push', 'delete']).default('push'))
    .addOption(new Option('--repository <repository>', 'repository of the image').default('hello-world'))
    .addOption(new Option('--tag <tag>', 'tag of the image (push only; deletes carry no tag, as in ACR)'))
    .addOption(new Option('--digest <digest>', 'manifest digest (default: derived from repository and tag)'))
    .addOption(
      new Option('--ingest-key <key>', "ingest key: the service's or the registry's own (not the management key)").env(
        'REGISTRY_WEBHOOKS_INGEST_KEY',
      ),
    );
  addGlobalOptions(cmd)
    .addHelpText(
      'after',
      `
Prints the event that was accepted. Every enabled webhook of the registry whose actions and scope match
gets it; see the deliveries with 'webhook list-events'.

Examples:
  Push hello-world:v1 to every matching webhook of myregistry:
    $ registry-webhooks event send -r myregistry --repository hello-world --tag v1

  A manifest delete:
    $ registry-webhooks event send -r myregistry --action delete --repository hello-world`,
    )
    .action(
      runWith<SendOptions>(io, async (opts) => {
        const event = sampleEvent({
          action: opts.action,
          repository: opts.repository,
          tag: opts.action === 'push' ? opts.tag : undefined,
          digest: opts.digest,
          registryHost: `${opts.registry.toLowerCase()}.azurecr.io`,
          now: new Date(),
        });
        // With --auth entra, a token whose principal holds Event Sender on the registry instead of the key.
        const client = makeApiClient({ endpoint: opts.endpoint, auth: authHeaders(opts, io, opts.ingestKey) });
        await client.send({ method: 'POST', path: ingestPath(opts.registry), body: event });
        return {
          json: event,
          columns: ['ID', 'ACTION', 'IMAGE'],
          rows: [{ ID: event.id, ACTION: event.action, IMAGE: imageName(event.target) }],
        };
      }),
    );
}
