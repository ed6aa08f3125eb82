import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { startAzurite, type Azurite } from '../../local/azurite.js';
import type { Config } from '../../shared/config.js';
import type { ServiceOverrides, Services } from '../../shared/runtime/services.js';
import type { LocalHost } from '../../local/local-host.js';
import { boot, type BootOptions } from '../../local/boot.js';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MANAGEMENT_KEY = 'test-management-key-0000000001';
export const MANAGEMENT_KEY_2 = 'test-management-key-0000000002';
export const INGEST_KEY = 'test-ingest-key-00000000000001';

export interface TestService {
  readonly url: string;
  readonly azurite: Azurite;
  readonly config: Config;
  readonly deps: Services;
  readonly host: LocalHost;
  readonly logs: string[];
  /** Closes it all, then fails if anything logged through an invocation's context after its handler returned. */
  close(): Promise<void>;
}

/** More of what `npm start` can be given: `tls` serves https (HTTPS_CERT_FILE / HTTPS_KEY_FILE). */
export interface StartServiceOptions {
  readonly tls?: BootOptions['tls'];
}

/**
 * The whole service as `npm start` runs it: real Azurite (in this process, ephemeral ports), the function
 * modules from `functions/`, and the local host on a real socket at 127.0.0.1:<ephemeral>. Its `close()`
 * throws when a context was logged through after its handler returned (Azure's "Unexpected call to 'log'
 * on the context object after function execution has completed"), so every suite using it guards that.
 */
export async function startService(
  settings: Record<string, string> = {},
  azurite?: Azurite,
  overrides: ServiceOverrides = {},
  options: StartServiceOptions = {},
): Promise<TestService> {
  const storage = azurite ?? (await startAzurite());
  const logs: string[] = [];
  const booted = await boot({
    env: {
      AzureWebJobsStorage: storage.connectionString,
      MANAGEMENT_KEYS: `${MANAGEMENT_KEY},${MANAGEMENT_KEY_2}`,
      INGEST_KEYS: INGEST_KEY,
      // Test receivers listen on 127.0.0.1; the SSRF suite turns this off.
      ALLOW_PRIVATE_TARGETS: 'true',
      ...settings,
    },
    functionsDir: join(root, 'functions'),
    hostJsonPath: join(root, 'host.json'),
    port: 0,
    log: (level, fn, message) => logs.push(`${level} ${fn}: ${message}`),
    overrides,
    ...(options.tls ? { tls: options.tls } : {}),
  });
  return {
    url: booted.url,
    azurite: storage,
    config: booted.config,
    deps: booted.services,
    host: booted.host,
    logs,
    async close() {
      await booted.close();
      if (!azurite) await storage.close();
      assertNoLateLogs(booted.host.lateLogs);
    },
  };
}

/** Fails with each log call made on an invocation's context after its handler returned (local-host.ts). */
function assertNoLateLogs(lateLogs: readonly string[]): void {
  if (lateLogs.length > 0)
    throw new Error(`logged through a finished invocation (log through the process's logger):\n  ${lateLogs.join('\n  ')}`);
}

/** fetch with the management key. */
export function api(
  service: { url: string },
  path: string,
  init: RequestInit & { json?: unknown; key?: string | null } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.key !== null) headers.set('x-functions-key', init.key ?? MANAGEMENT_KEY);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(init.json);
  }
  return fetch(`${service.url}${path}`, { ...init, headers, body: body ?? null });
}
