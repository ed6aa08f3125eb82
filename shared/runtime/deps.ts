import type { Config } from '../config.js';
import { Table } from '../constants.js';
import { createTableClient } from '../storage/clients.js';
import { makeWebhookStore, type WebhookStore } from '../webhooks/webhook-store.js';

/** Everything a handler needs, built once per process in a composition root and passed in. */
export interface Deps {
  readonly config: Config;
  readonly webhooks: WebhookStore;
  readonly now: () => Date;
}

/** Builds the dependencies from a config: storage clients, tables created if missing. */
export async function makeDeps(config: Config): Promise<Deps> {
  const webhooksTable = createTableClient(config.storage, Table.webhooks);
  await webhooksTable.createTable();
  return {
    config,
    webhooks: makeWebhookStore(webhooksTable),
    now: () => new Date(),
  };
}
