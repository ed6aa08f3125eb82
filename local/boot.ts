import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startAzurite, type Azurite } from './azurite.js';
import { loadConfig, type Config } from '../shared/config.js';
import { Setting, Table } from '../shared/constants.js';
import type { FunctionDeclaration } from '../shared/runtime/declaration.js';
import { makeServices, type ServiceOverrides, type Services } from '../shared/runtime/services.js';
import { createTableClient } from '../shared/storage/clients.js';
import { migrateLegacyRows } from '../shared/storage/legacy-rows.js';
import { loadFunctions } from './load-functions.js';
import { readHostSettings } from './host-json.js';
import { startLocalHost, type HostLogger, type LocalHost, type LocalHostOptions } from './local-host.js';
import { processLogger } from './invocation-context.js';
import { openDurableIngest, type DurableIngest } from './durable-ingest.js';
import { keepHistoryWindow } from './history-window.js';

export interface BootOptions {
  /** The settings, as the environment gives them; without a storage setting an Azurite is started. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The folder of function modules (functions/ from source, dist/functions when built) and host.json. */
  readonly functionsDir: string;
  readonly hostJsonPath: string;
  /** Where an embedded Azurite keeps its data; in memory when undefined. */
  readonly dataDir?: string | undefined;
  readonly host?: string;
  readonly port?: number;
  readonly queueLeaseSeconds?: number;
  readonly log?: HostLogger;
  readonly overrides?: ServiceOverrides;
  /** Serve https with this certificate and key (PEM); http when undefined. */
  readonly tls?: LocalHostOptions['tls'];
  /**
   * Finished deliveries an embedded Azurite keeps (the newest; unfinished ones always stay); undefined
   * or 0: all, until EVENT_RETENTION_DAYS. Storage the settings name is never trimmed this way.
   */
  readonly historyWindow?: number | undefined;
}

export interface Booted {
  readonly url: string;
  readonly config: Config;
  readonly services: Services;
  readonly declarations: readonly FunctionDeclaration[];
  readonly host: LocalHost;
  /** The Azurite this boot started, if it started one (closed with it). */
  readonly azurite: Azurite | undefined;
  close(): Promise<void>;
}

/**
 * The start-up sequence of a local run, the one `npm start`, the tests and the benchmark share: storage
 * (an embedded Azurite unless the settings name one), config, services, the function modules Azure
 * loads, host.json, and the local host serving them.
 */
/*
 * Events are journaled (cheap, per batch); the rare management writes save the storage before they
 * answer. Those that write settings only (webhooks, role assignments, ingest keys; the read-only POSTs)
 * save the tables but the history in `events`, so their cost does not grow with it (the checkpoint and
 * the autosave write it); any other write (redeliver, recover, ping, delete, a dead letter's replay)
 * saves everything, queues included.
 */
const SETTINGS_ONLY = [
  'webhooks-create',
  'webhooks-update',
  'webhooks-rotate-signing-secret',
  'webhooks-get-callback-config',
  'webhooks-list-events',
  'registries-list-ingest-keys',
  'registries-regenerate-ingest-key',
  'role-assignments-create',
  'role-assignments-delete',
];
/** In a data folder, once its rows from before the shards have moved: later starts skip the scan. */
const MOVED_TO_SHARDS = 'rows-moved-to-shards';

const saveBeforeAnswer = (azurite: Azurite) => async (routeName: string) => {
  if (routeName.startsWith('events-ingest')) return;
  if (SETTINGS_ONLY.some((prefix) => routeName.startsWith(prefix))) await azurite.saveTables([Table.events]);
  else await azurite.save();
};

export async function boot(options: BootOptions): Promise<Booted> {
  const env = { ...options.env };
  let azurite: Azurite | undefined;
  if (!env[Setting.storage] && !env[`${Setting.storage}__accountName`]) {
    azurite = await startAzurite({ dataDir: options.dataDir });
    env[Setting.storage] = azurite.connectionString;
  }
  // Embedded storage in a data folder saves its files only every 5 s: journal each accepted ingest batch
  // before answering and replay it at the next start; management writes save the storage outright.
  let durable: DurableIngest | undefined;
  try {
    const store = azurite;
    if (store && options.dataDir)
      durable = await openDurableIngest(
        options.dataDir,
        () => store.save(),
        (m) => options.log?.('warning', 'storage', m),
      );
    const config = loadConfig(env);
    const services = await makeServices(config, {
      ...options.overrides,
      ...(durable ? { journal: durable.journal } : {}),
      log: processLogger(options.log),
    });
    // Rows of the layout before the shards move to their shards before anything reads them (the same
    // step as `npm run migrate`; a no-op once done, but a scan of every history row: ~10 s at 100,000
    // deliveries on Azurite). An embedded store in memory starts empty; a data folder needs it once.
    const marker = options.dataDir && join(options.dataDir, MOVED_TO_SHARDS);
    if (!azurite || (marker && !existsSync(marker))) {
      const moved = await migrateLegacyRows(createTableClient(config.storage, Table.events));
      if (moved > 0) options.log?.('information', 'storage', `moved ${moved} rows written before the shards to their shards`);
      if (marker) await writeFile(marker, '');
    }
    if (durable) {
      const replayed = await durable.replay(services.ingestBatcher);
      if (replayed > 0) options.log?.('information', 'storage', `replayed ${replayed} journaled events of the last run`);
    }
    const declarations = await loadFunctions(options.functionsDir);
    const host = await startLocalHost({
      declarations,
      services,
      settings: await readHostSettings(options.hostJsonPath),
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.queueLeaseSeconds !== undefined ? { queueLeaseSeconds: options.queueLeaseSeconds } : {}),
      ...(options.log ? { log: options.log } : {}),
      ...(durable && store ? { beforeAnswer: saveBeforeAnswer(store) } : {}),
      ...(options.tls ? { tls: options.tls } : {}),
    });
    const window = azurite && options.historyWindow ? keepHistoryWindow(services, options.historyWindow, options.log) : undefined;
    return {
      url: host.url,
      config,
      services,
      declarations,
      host,
      azurite,
      async close() {
        await window?.close();
        await host.close();
        await services.close();
        await durable?.close();
        await azurite?.close();
      },
    };
  } catch (err) {
    await durable?.close();
    await azurite?.close();
    throw err;
  }
}
