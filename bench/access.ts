/*
 * npm run bench:access — what an Entra ID token costs per request once its signing keys are cached.
 * Prints, from one run:
 *  1. the verifier alone (jose RS256 verify + claim checks) per call, p50/p99: for tokens seen the first
 *     time, and for a token seen before (the verdict remembered until the token expires);
 *  2. GET /registries/{r}/webhooks through the local host as `npm start` runs it (embedded Azurite),
 *     sequential requests on one keep-alive socket: with the management key, with a token of a Reader
 *     (verify + the cached role lookup), and with a token when ACCESS_CACHE_SECONDS=0 (the role lookup
 *     reads the 3 scope partitions every time); p50/p99 of each and the token's added cost.
 * The issuer is the tests' loopback one (an RSA key pair made at start).
 */
import http from 'node:http';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { boot, type Booted } from '../local/boot.js';
import { loadConfig } from '../shared/config.js';
import { makeTokenVerifier } from '../shared/auth/entra-tokens.js';
import { startEntraIssuer, TEST_AUDIENCE } from '../test/helpers/entra-issuer.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const KEY = 'bench-management-key-00000001';
const N = Number(process.env['BENCH_REQUESTS'] ?? 2000);
const fmt = (n: number, d = 3) => n.toFixed(d);

function percentiles(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
  return { p50: at(50), p99: at(99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

const issuer = await startEntraIssuer();
const oid = randomUUID();
const token = await issuer.token(oid);
const entraEnv = { ENTRA_TENANTS: issuer.tenant, ENTRA_AUDIENCES: TEST_AUDIENCE, ENTRA_AUTHORITY: issuer.authority };

// 1. The verifier alone.
const config = loadConfig({ AzureWebJobsStorage: 'UseDevelopmentStorage=true', MANAGEMENT_KEYS: KEY, INGEST_KEYS: KEY, ...entraEnv });
const verify = makeTokenVerifier(config.entra!);
for (let i = 0; i < 200; i++) await verify(token); // warm: keys fetched once, JIT
async function verifyEach(tokens: readonly string[]) {
  const samples: number[] = [];
  for (const t of tokens) {
    const t0 = performance.now();
    const verdict = await verify(t);
    samples.push(performance.now() - t0);
    if (!verdict.ok) throw new Error(verdict.reason);
  }
  return percentiles(samples);
}
// Each token new (a full RS256 verification) vs the same token again (a client reusing its token).
const fresh = await Promise.all(Array.from({ length: N }, () => issuer.token(randomUUID())));
const first = await verifyEach(fresh);
const repeat = await verifyEach(Array.from({ length: N }, () => token));
console.log(`verifier alone, ${N} calls each (JWKS fetched ${issuer.fetches.get(issuer.tenant) ?? 0} time):`);
console.log(`  a token seen for the first time   p50 ${fmt(first.p50)} ms  p99 ${fmt(first.p99)} ms  mean ${fmt(first.mean)} ms`);
console.log(`  the same token again              p50 ${fmt(repeat.p50)} ms  p99 ${fmt(repeat.p99)} ms  mean ${fmt(repeat.mean)} ms`);

// 2. Through the local host, embedded Azurite.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function get(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Key and token requests alternate, so both see the same machine and the same warm host. */
async function measure(booted: Booted, a: Record<string, string>, b: Record<string, string>) {
  const url = `${booted.url}/registries/benchreg01/webhooks`;
  for (let i = 0; i < 200; i++) {
    await get(url, a);
    await get(url, b);
  }
  const samples: [number[], number[]] = [[], []];
  for (let i = 0; i < N; i++) {
    for (const [k, headers] of [a, b].entries()) {
      const t0 = performance.now();
      const status = await get(url, headers);
      samples[k]!.push(performance.now() - t0);
      if (status !== 200) throw new Error(`status ${status}`);
    }
  }
  return samples.map(percentiles) as [ReturnType<typeof percentiles>, ReturnType<typeof percentiles>];
}

async function run(cacheSeconds: string) {
  const booted = await boot({
    env: { MANAGEMENT_KEYS: KEY, INGEST_KEYS: KEY, ACCESS_CACHE_SECONDS: cacheSeconds, ...entraEnv },
    functionsDir: join(root, 'functions'),
    hostJsonPath: join(root, 'host.json'),
    port: 0,
    log: () => undefined,
  });
  await booted.services.roleAssignments.create({
    name: randomUUID(),
    scope: {
      subscriptionId: booted.config.defaultSubscriptionId,
      resourceGroup: booted.config.defaultResourceGroup,
      registryName: 'benchreg01',
    },
    roleId: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
    principalId: oid,
    principalType: 'User',
    tenantId: undefined,
    createdOn: new Date().toISOString(),
    updatedOn: new Date().toISOString(),
  });
  const [key, bearer] = await measure(booted, { 'x-functions-key': KEY }, { authorization: `Bearer ${token}` });
  await booted.close();
  return { key, bearer };
}

const cached = await run('5');
const uncached = await run('0');
const line = (name: string, p: ReturnType<typeof percentiles>) =>
  `  ${name.padEnd(48)} p50 ${fmt(p.p50)} ms  p99 ${fmt(p.p99)} ms  mean ${fmt(p.mean)} ms`;
console.log(`GET /registries/benchreg01/webhooks through the local host, embedded Azurite, ${N} sequential requests each:`);
console.log(line('management key (alternating with the next)', cached.key));
console.log(line('Reader token (ACCESS_CACHE_SECONDS=5)', cached.bearer));
console.log(line('management key (alternating with the next)', uncached.key));
console.log(line('Reader token (ACCESS_CACHE_SECONDS=0)', uncached.bearer));
console.log(
  `token's added cost, cached roles: p50 ${fmt(cached.bearer.p50 - cached.key.p50)} ms, p99 ${fmt(cached.bearer.p99 - cached.key.p99)} ms; ` +
    `uncached roles: p50 ${fmt(uncached.bearer.p50 - uncached.key.p50)} ms, p99 ${fmt(uncached.bearer.p99 - uncached.key.p99)} ms`,
);
agent.destroy();
await issuer.close();
