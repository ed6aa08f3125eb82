import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage, Server } from 'node:http';
import { convertSingleFile, useTableFiles, type LokiDatabase, type TableFiles } from './table-files.js';

/*
 * Azurite's queue and table servers, in this process. The package's main module is its VS Code extension,
 * so the server modules are loaded directly (they ship no types: the shapes below are what we call).
 * `dataDir` undefined keeps everything in memory; a folder makes data survive restarts.
 */
/** A LokiJS database (Azurite's metadata stores keep theirs as `db`). */
interface LokiDb {
  saveDatabase(callback: (err?: unknown) => void): void;
}
interface AzuriteServer {
  readonly httpServer: Server;
  readonly metadataStore?: { readonly db?: LokiDb };
  readonly extentMetadataStore?: { readonly db?: LokiDb };
  start(): Promise<void>;
  close(): Promise<void>;
  clean(): Promise<void>;
  getHttpServerAddress(): string;
}
type ServerCtor = new (config: unknown) => AzuriteServer;
type TableServerCtor = new (config: unknown) => AzuriteServer & { readonly metadataStore: { readonly db: LokiDatabase } };
type ConfigCtor = new (...args: unknown[]) => unknown;

const require = createRequire(import.meta.url);
const load = <T>(path: string): T => (require(`azurite/dist/src/${path}`) as { default: T }).default;

/**
 * Azurite's well-known development account (public; the same in every Azurite).
 * @internal
 */
export const DEV_ACCOUNT = 'devstoreaccount1';
/** @internal */
export const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** The table database's folder in a data folder, and the single file it replaced (converted at start). */
const TABLES_DIR = 'azurite-tables';
const LEGACY_TABLE_DB = '__azurite_db_table__.json';

export interface Azurite {
  readonly connectionString: string;
  readonly queueEndpoint: string;
  readonly tableEndpoint: string;
  /**
   * Requests served so far, by service: what the benchmark reports as storage calls; and the bytes of their
   * bodies (their Content-Length), what storage had to parse.
   */
  requestCounts(): { queue: number; table: number; queueBytes: number; tableBytes: number };
  /**
   * Writes Azurite's metadata files now (with a data folder; in memory it does nothing). Azurite saves
   * them every 5 s by itself; this is the local host's checkpoint. Extents first: a queue message's
   * metadata must never be on disk before the extent index that locates its body. Tables are written
   * only if they changed (a file per table, table-files.ts).
   */
  save(): Promise<void>;
  /**
   * Writes the tables that changed now, but the tables named in `except` (they wait for the next
   * `save` or autosave), and no queue: what a management write needs before it answers.
   */
  saveTables(except: readonly string[]): Promise<void>;
  /** Stops the queue service alone (tables stay up), for outage tests. */
  stopQueueService(): Promise<void>;
  /** Starts the queue service again on the same port (in memory: empty). */
  startQueueService(): Promise<void>;
  close(): Promise<void>;
}

export interface AzuriteOptions {
  readonly dataDir?: string | undefined;
  readonly queuePort?: number;
  readonly tablePort?: number;
  readonly host?: string;
}

function saveLoki(db: LokiDb | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!db) return reject(new Error('this Azurite version keeps no LokiJS metadata store where expected'));
    db.saveDatabase((err) => (err ? reject(err instanceof Error ? err : new Error('Azurite could not save its metadata')) : resolve()));
  });
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  const QueueConfiguration = load<ConfigCtor>('queue/QueueConfiguration');
  const QueueServer = load<ServerCtor>('queue/QueueServer');
  const TableConfiguration = load<ConfigCtor>('table/TableConfiguration');
  const TableServer = load<TableServerCtor>('table/TableServer');
  const host = options.host ?? '127.0.0.1';
  const dir = options.dataDir;
  const memory = dir === undefined;
  if (dir) mkdirSync(dir, { recursive: true });
  const path = (name: string) => (dir ? join(dir, name) : name);
  // The tables' files (table-files.ts); a folder of the single-file layout is converted first.
  const tablesDir = path(TABLES_DIR);
  if (dir) await convertSingleFile(path(LEGACY_TABLE_DB), tablesDir);
  // Argument order as in azurite/dist/src/azurite.js (3.35): host, port, keep-alive, db paths, logs,
  // loose, skipApiVersionCheck, cert, key, pwd, oauth, disableProductStyleUrl, in-memory.
  const queueConfig = (port: number) =>
    new QueueConfiguration(
      host,
      port,
      5,
      path('__azurite_db_queue__.json'),
      path('__azurite_db_queue_extent__.json'),
      [{ locationId: 'Default', locationPath: path('__queuestorage__'), maxConcurrency: 1 }],
      false,
      undefined,
      false,
      undefined,
      false,
      true,
      '',
      '',
      '',
      undefined,
      false,
      memory,
    );
  const tableConfig = new TableConfiguration(
    host,
    options.tablePort ?? 0,
    5,
    join(tablesDir, 'db.json'),
    false,
    false,
    undefined,
    undefined,
    false,
    true,
    '',
    '',
    '',
    undefined,
    false,
    memory,
  );
  let queue = new QueueServer(queueConfig(options.queuePort ?? 0));
  const table = new TableServer(tableConfig);
  const tableFiles: TableFiles | undefined = memory ? undefined : useTableFiles(table.metadataStore.db, tablesDir);
  await Promise.all([queue.start(), table.start()]);
  const counts = { queue: 0, table: 0, queueBytes: 0, tableBytes: 0 };
  const countQueue = (req: IncomingMessage) => {
    counts.queue++;
    counts.queueBytes += Number(req.headers['content-length'] ?? 0);
  };
  queue.httpServer.on('request', countQueue);
  table.httpServer.on('request', (req: IncomingMessage) => {
    counts.table++;
    counts.tableBytes += Number(req.headers['content-length'] ?? 0);
  });
  const queueEndpoint = `${queue.getHttpServerAddress()}/${DEV_ACCOUNT}`;
  const tableEndpoint = `${table.getHttpServerAddress()}/${DEV_ACCOUNT}`;
  return {
    queueEndpoint,
    tableEndpoint,
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};` +
      `QueueEndpoint=${queueEndpoint};TableEndpoint=${tableEndpoint};`,
    requestCounts: () => ({ ...counts }),
    async save() {
      if (!tableFiles) return;
      await saveLoki(queue.extentMetadataStore?.db);
      await Promise.all([saveLoki(queue.metadataStore?.db), tableFiles.save()]);
    },
    async saveTables(except) {
      await tableFiles?.save(except.map((t) => `${DEV_ACCOUNT}$${t.toLowerCase()}`));
    },
    async stopQueueService() {
      await queue.close();
    },
    async startQueueService() {
      const port = Number(new URL(queueEndpoint).port);
      queue = new QueueServer(queueConfig(port));
      await queue.start();
      queue.httpServer.on('request', countQueue);
    },
    async close() {
      await Promise.all([queue.close(), table.close()]);
    },
  };
}
