import type { Command } from 'commander';
import { z } from 'zod';
import type { Io } from '../io.js';
import { webhooksPath } from '../client/paths.js';
import { managementClient, webhookCommand, type GlobalOptions } from '../options/global-options.js';
import { runWith } from '../options/run.js';

interface RotateOptions extends GlobalOptions {
  name: string;
  registry: string;
}

/** The service may answer with a body (passed through to `-o json`) or none. */
const rotateResult = z.union([z.record(z.string(), z.unknown()), z.undefined()]);

export function registerWebhookRotateSecret(parent: Command, io: Io): void {
  webhookCommand(
    parent,
    'rotate-secret',
    "Replace the webhook's signing secret (not in az: ACR does not sign). Read the new one with 'webhook get-config'.",
  )
    .addHelpText(
      'after',
      `
Examples:
  Rotate the signing secret, then read the new one:
    $ registry-webhooks webhook rotate-secret -n myhook01 -r myregistry
    $ registry-webhooks webhook get-config -n myhook01 -r myregistry`,
    )
    .action(
      runWith<RotateOptions>(io, async (opts) => {
        const result = await managementClient(opts, io).request({
          method: 'POST',
          path: webhooksPath(opts.registry, opts.name, 'rotateSigningSecret'),
          schema: rotateResult,
        });
        if (result === undefined) return undefined;
        return {
          json: result,
          columns: Object.keys(result),
          rows: [Object.fromEntries(Object.entries(result).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]))],
        };
      }),
    );
}
