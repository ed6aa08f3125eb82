import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { boot, type Booted } from '../local/boot.js';

/** The benchmarks' keys: a management key (x-functions-key) and an ingest key. */
export const MANAGEMENT_KEY = 'bench-management-key-00000001';
export const INGEST_KEY = 'bench-ingest-key-000000000001';

/**
 * The local host as `npm start` runs it (local/boot.ts), from source, on the given storage, private
 * targets allowed (the bench's receivers and Azurite are on 127.0.0.1); only errors are printed.
 */
export function bootBenchHost(storageConnectionString: string): Promise<Booted> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  return boot({
    env: {
      AzureWebJobsStorage: storageConnectionString,
      MANAGEMENT_KEYS: MANAGEMENT_KEY,
      INGEST_KEYS: INGEST_KEY,
      ALLOW_PRIVATE_TARGETS: 'true',
    },
    functionsDir: join(root, 'functions'),
    hostJsonPath: join(root, 'host.json'),
    port: 0,
    log: (level, fn, message) => {
      if (level === 'error') console.error(`${fn}: ${message}`);
    },
  });
}
