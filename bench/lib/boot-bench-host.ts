import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { boot, type Booted } from '../../local/boot.js';
import type { HostLogger } from '../../local/local-host.js';

/** The management key a benchmark's host accepts (`x-functions-key` on the management API). */
export const MANAGEMENT_KEY = 'bench-management-key-00000001';
/** The ingest key a benchmark's host accepts (`x-functions-key` on `POST /registries/{registry}/events`). */
export const INGEST_KEY = 'bench-ingest-key-000000000001';

const logErrors: HostLogger = (level, fn, message) => {
  if (level === 'error') console.error(`${fn}: ${message}`);
};

/**
 * The service as `npm start` runs it (the same functions, host.json and local host) on a free port, over
 * the given storage, with the bench's keys and loopback targets allowed; `env` adds or overrides settings.
 * Logs only errors unless given a logger.
 */
export function bootBenchHost(
  connectionString: string,
  env: Readonly<Record<string, string>> = {},
  log: HostLogger = logErrors,
): Promise<Booted> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  return boot({
    env: {
      ...env,
      AzureWebJobsStorage: connectionString,
      MANAGEMENT_KEYS: MANAGEMENT_KEY,
      INGEST_KEYS: INGEST_KEY,
      ALLOW_PRIVATE_TARGETS: 'true',
    },
    functionsDir: join(root, 'functions'),
    hostJsonPath: join(root, 'host.json'),
    port: 0,
    log,
  });
}
