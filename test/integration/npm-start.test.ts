import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnStart } from '../helpers/spawn-start.js';

const dataDir = mkdtempSync(join(tmpdir(), 'rw-data-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const body = { location: 'westus', properties: { serviceUri: 'http://127.0.0.1:9/hook', actions: ['push'] } };

describe('npm start (the local host with embedded Azurite)', () => {
  it('prints the URL and generated keys, serves the API, and stops cleanly on SIGTERM', async () => {
    const started = await spawnStart({});
    try {
      expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/);
      expect(started.managementKey).toMatch(/^[\w-]{32}$/);
      expect(started.ingestKey).toMatch(/^[\w-]{32}$/);
      expect(started.managementKey).not.toBe(started.ingestKey);
      expect(started.output()).toContain('generated; set MANAGEMENT_KEYS to choose');
      expect(started.output()).toContain('in memory; set DATA_DIR to keep data');
      const res = await fetch(`${started.url}/registries/startreg01/webhooks`, { headers: { 'x-functions-key': started.managementKey } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ value: [] });
      expect((await fetch(`${started.url}/registries/startreg01/webhooks`)).status).toBe(401);
    } finally {
      expect(await started.stop()).toBe(0);
    }
  });

  it('keeps data across restarts when DATA_DIR is set, and uses the keys it is given', async () => {
    const env = { DATA_DIR: dataDir, MANAGEMENT_KEYS: 'start-test-management-key-01', INGEST_KEYS: 'start-test-ingest-key-000001' };
    const first = await spawnStart(env);
    try {
      expect(first.managementKey).toBe('start-test-management-key-01');
      const put = await fetch(`${first.url}/registries/startreg01/webhooks/keepme01`, {
        method: 'PUT',
        headers: { 'x-functions-key': first.managementKey, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(put.status).toBe(201);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    const second = await spawnStart(env);
    try {
      const got = await fetch(`${second.url}/registries/startreg01/webhooks/keepme01`, {
        headers: { 'x-functions-key': second.managementKey },
      });
      expect(got.status).toBe(200);
      expect(((await got.json()) as { name: string }).name).toBe('keepme01');
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });

  it('fails fast with a clear message on an invalid setting', async () => {
    await expect(spawnStart({ WEBHOOKS_PER_REGISTRY_LIMIT: 'lots' })).rejects.toThrow(/WEBHOOKS_PER_REGISTRY_LIMIT must be a whole number/);
  });
});
