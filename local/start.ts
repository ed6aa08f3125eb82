import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { z } from 'zod';
import { ConfigError } from '../shared/config.js';
import { Setting } from '../shared/constants.js';
import { boot } from './boot.js';

/*
 * `npm start`: the whole service on this machine with no Azure account and no Core Tools. Azurite runs in
 * this process (in memory, or in DATA_DIR), the functions are loaded from the same compiled files Azure
 * loads, and keys are generated when the environment does not set them.
 */
const localEnv = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(7071),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATA_DIR: z.string().min(1).optional(),
    LOG_LEVEL: z.enum(['debug', 'information', 'warning', 'error']).default('information'),
    QUEUE_LEASE_SECONDS: z.coerce.number().int().min(1).max(600).default(60),
    // The embedded storage keeps the newest this many finished deliveries (0: all, until EVENT_RETENTION_DAYS).
    LOCAL_HISTORY_DELIVERIES: z.coerce.number().int().min(0).max(10_000_000).default(5000),
    // https with this certificate and key (PEM files), for clients that refuse plain http (the ARM SDK's
    // bearer-token policy); both or neither.
    HTTPS_CERT_FILE: z.string().min(1).optional(),
    HTTPS_KEY_FILE: z.string().min(1).optional(),
  })
  .refine((env) => (env.HTTPS_CERT_FILE === undefined) === (env.HTTPS_KEY_FILE === undefined), {
    message: 'HTTPS_CERT_FILE and HTTPS_KEY_FILE go together: set both (PEM files) to serve https, or neither for http',
  });

function readLocalEnv(env: NodeJS.ProcessEnv): z.infer<typeof localEnv> {
  const parsed = localEnv.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) =>
    issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
  );
  throw new ConfigError(`invalid local setting:\n  - ${problems.join('\n  - ')}`);
}

function readPem(setting: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ConfigError(`${setting}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** The certificate and key to serve https with, read once at start-up; undefined for http. */
function readTls(local: z.infer<typeof localEnv>): { certFile: string; cert: Buffer; key: Buffer } | undefined {
  if (local.HTTPS_CERT_FILE === undefined || local.HTTPS_KEY_FILE === undefined) return undefined;
  const certFile = resolve(local.HTTPS_CERT_FILE);
  return { certFile, cert: readPem('HTTPS_CERT_FILE', certFile), key: readPem('HTTPS_KEY_FILE', resolve(local.HTTPS_KEY_FILE)) };
}

/*
 * The embedded Azurite makes most of this process's garbage. On a machine with a few GB, V8 lets the old
 * generation grow to 4× what was live at its last full collection before it collects again, and keeps
 * the pages: `npm start` settled at ~500 MB with ~100 MB live (bench:soak). 1.5× keeps it near what is
 * live for the same CPU. A growth factor only, read at each collection: no limit to run into.
 */
setFlagsFromString('--heap-growing-percent=50');

const here = dirname(fileURLToPath(import.meta.url));
const root = existsSync(join(here, '..', 'host.json')) ? join(here, '..') : join(here, '..', '..');
const levels = ['trace', 'debug', 'information', 'warning', 'error', 'critical', 'none'];

async function main(): Promise<void> {
  const local = readLocalEnv(process.env);
  const tls = readTls(local);
  const env: Record<string, string | undefined> = { ...process.env };
  const generated: string[] = [];
  for (const setting of [Setting.managementKeys, Setting.ingestKeys]) {
    if (!env[setting]) {
      env[setting] = randomBytes(24).toString('base64url');
      generated.push(setting);
    }
  }
  // Locally, the receivers people test with run on this machine: allow private and loopback targets
  // unless told otherwise (cloud metadata addresses stay blocked whatever this says).
  env[Setting.allowPrivateTargets] ??= 'true';
  const minLevel = levels.indexOf(local.LOG_LEVEL);
  const booted = await boot({
    env,
    // The functions folder beside this one: dist/functions when built, functions/ when run from source.
    functionsDir: join(here, '..', 'functions'),
    hostJsonPath: join(root, 'host.json'),
    dataDir: local.DATA_DIR ? resolve(local.DATA_DIR) : undefined,
    host: local.HOST,
    port: local.PORT,
    queueLeaseSeconds: local.QUEUE_LEASE_SECONDS,
    historyWindow: local.LOCAL_HISTORY_DELIVERIES,
    tls,
    log: (level, fn, message) => {
      if (levels.indexOf(level) >= minLevel) console.log(`[${new Date().toISOString()}] ${fn}: ${message}`);
    },
  });
  const { config, declarations, azurite, host } = booted;

  const out = [
    '',
    'registry-webhooks is running (local host; Azure Functions Core Tools not needed)',
    '',
    `  API:            ${host.url}`,
    `  Web page:       ${host.url}/portal`,
    `  Webhooks:       ${host.url}/registries/{registryName}/webhooks`,
    ...(tls ? [`  HTTPS:          certificate ${tls.certFile} (clients must trust it; Node: NODE_EXTRA_CA_CERTS)`] : []),
    `  Storage:        ${azurite ? `embedded Azurite (${local.DATA_DIR ? `data in ${resolve(local.DATA_DIR)}` : 'in memory; set DATA_DIR to keep data'})` : 'from AzureWebJobsStorage'}`,
    ...(azurite
      ? [
          `  History:        ${local.LOCAL_HISTORY_DELIVERIES > 0 ? `the newest ${local.LOCAL_HISTORY_DELIVERIES} finished deliveries and every unfinished one` : `all, until EVENT_RETENTION_DAYS (${config.eventRetentionDays})`} (LOCAL_HISTORY_DELIVERIES)`,
        ]
      : []),
    '',
    `  Management key: ${config.managementKeys[0]}${generated.includes(Setting.managementKeys) ? '   (generated; set MANAGEMENT_KEYS to choose)' : ''}`,
    `  Ingest key:     ${config.ingestKeys[0]}${generated.includes(Setting.ingestKeys) ? '   (generated; set INGEST_KEYS to choose)' : ''}`,
    `  Ingest URL:     ${host.url}/registries/{registryName}/events`,
    `  Private targets: ${config.allowPrivateTargets ? 'allowed (ALLOW_PRIVATE_TARGETS=true, the local default)' : 'refused'}`,
    '',
    `  Try: curl ${tls ? `--cacert ${tls.certFile} ` : ''}-H "x-functions-key: ${config.managementKeys[0]}" ${host.url}/registries/myregistry/webhooks`,
    '',
    'Functions:',
    ...declarations.flatMap((d) =>
      d.kind === 'http'
        ? d.routes.map((r) => `  ${r.name}: [${d.methods.join(',')}] ${host.url}/${r.route}`)
        : d.kind === 'timer'
          ? [`  ${d.name}: timerTrigger ${d.schedule}`]
          : [`  ${d.name}: queueTrigger ${d.queueName}`],
    ),
    '',
  ];
  console.log(out.join('\n'));

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await booted.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
