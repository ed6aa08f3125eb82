import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../shared/config.js';
import { Setting } from '../../shared/constants.js';
import { root } from '../helpers/service.js';

const base = { AzureWebJobsStorage: 'UseDevelopmentStorage=true', MANAGEMENT_KEYS: 'a'.repeat(16), INGEST_KEYS: 'b'.repeat(16) };

describe('loadConfig', () => {
  it('applies the documented defaults and freezes the result', () => {
    const config = loadConfig(base);
    expect(config).toEqual({
      storage: { kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' },
      managementKeys: ['a'.repeat(16)],
      ingestKeys: ['b'.repeat(16)],
      webhooksPerRegistryLimit: 500,
      maxRequestBodyBytes: 1_048_576,
      listPageSize: 100,
      defaultSubscriptionId: '00000000-0000-0000-0000-000000000000',
      defaultResourceGroup: 'registry-webhooks',
      maxEventsPerRequest: 100,
      maxEventBytes: 16_384,
      deliveryTimeoutMs: 15_000,
      deliveryInlineWaitMs: 2000,
      deliveryConnectionsPerOrigin: 64,
      deliveryQueueWaitMs: 5000,
      fanOutLeaseMs: 30000,
      retrySchedule: [5, 30, 120, 600, 1800, 3600, 10800, 21600, 43200],
      maxRetryAfterSeconds: 3600,
      storedResponseBytes: 16_384,
      webhookCacheMs: 10_000,
      eventRetentionDays: 30,
      accessCacheMs: 5000,
      entra: undefined,
      allowPrivateTargets: false,
      multiArchWindowMs: 10_000,
      registryCredentials: new Map(),
      eventGrid: undefined,
      autoDisableAfterHours: 120,
      healthWriteIntervalMs: 60_000,
      applicationInsightsConnectionString: undefined,
      applicationInsightsEntraClientId: undefined,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads the multi-arch window and registry credentials, and names the setting (never a secret) when one is wrong', () => {
    const config = loadConfig({
      ...base,
      MULTI_ARCH_WINDOW_SECONDS: '2.5',
      REGISTRY_CREDENTIALS: '{"myregistry.azurecr.io":"managedIdentity","registry.example.com":{"username":"u","password":"p4ss"}}',
    });
    expect(config.multiArchWindowMs).toBe(2500);
    expect([...config.registryCredentials.keys()]).toEqual(['myregistry.azurecr.io', 'registry.example.com']);
    expect(() => loadConfig({ ...base, MULTI_ARCH_WINDOW_SECONDS: '601' })).toThrow('MULTI_ARCH_WINDOW_SECONDS must be at most 600');
    expect(() => loadConfig({ ...base, REGISTRY_CREDENTIALS: '{"registry.example.com":{"username":"u","pass":"s3cr3t"}}' })).toThrow(
      /REGISTRY_CREDENTIALS \(registry\.example\.com\): each value must be/,
    );
  });

  it('reads AUTO_DISABLE_AFTER_HOURS (0 turns it off) and the Entra ID form of APPLICATIONINSIGHTS_AUTHENTICATION_STRING', () => {
    expect(loadConfig({ ...base, AUTO_DISABLE_AFTER_HOURS: '0' }).autoDisableAfterHours).toBe(0);
    expect(() => loadConfig({ ...base, AUTO_DISABLE_AFTER_HOURS: '-1' })).toThrow(/AUTO_DISABLE_AFTER_HOURS must be at least 0/);
    const clientId = '11111111-2222-3333-4444-555555555555';
    expect(
      loadConfig({ ...base, APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `ClientId=${clientId};Authorization=AAD` })
        .applicationInsightsEntraClientId,
    ).toBe(clientId);
    expect(loadConfig({ ...base, APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD' }).applicationInsightsEntraClientId).toBe(
      '',
    );
    expect(() => loadConfig({ ...base, APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'InstrumentationKey=x' })).toThrow(
      /APPLICATIONINSIGHTS_AUTHENTICATION_STRING must be/,
    );
  });

  it('splits key lists for rotation', () => {
    expect(loadConfig({ ...base, MANAGEMENT_KEYS: ` ${'x'.repeat(16)} , ${'y'.repeat(20)},` }).managementKeys).toEqual([
      'x'.repeat(16),
      'y'.repeat(20),
    ]);
  });

  it('reaches storage with a managed identity the Functions way', () => {
    const { AzureWebJobsStorage: _, ...rest } = base;
    expect(loadConfig({ ...rest, AzureWebJobsStorage__accountName: 'mystorage01' }).storage).toEqual({
      kind: 'identity',
      tableServiceUri: 'https://mystorage01.table.core.windows.net',
      queueServiceUri: 'https://mystorage01.queue.core.windows.net',
      clientId: undefined,
    });
    expect(
      loadConfig({
        ...rest,
        AzureWebJobsStorage__tableServiceUri: 'https://t.example',
        AzureWebJobsStorage__queueServiceUri: 'https://q.example',
        AzureWebJobsStorage__clientId: 'cid',
      }).storage,
    ).toEqual({ kind: 'identity', tableServiceUri: 'https://t.example', queueServiceUri: 'https://q.example', clientId: 'cid' });
  });

  it('fails fast, naming every problem', () => {
    let error: unknown;
    try {
      loadConfig({ MANAGEMENT_KEYS: 'short', WEBHOOKS_PER_REGISTRY_LIMIT: '0', LIST_PAGE_SIZE: 'many' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('AzureWebJobsStorage is required');
    expect(message).toContain('each key in MANAGEMENT_KEYS must be at least 16 characters');
    expect(message).toContain('INGEST_KEYS is required');
    expect(message).toContain('WEBHOOKS_PER_REGISTRY_LIMIT must be at least 1');
    expect(message).toContain('LIST_PAGE_SIZE must be a whole number');
  });

  it('reads the retry schedule as comma-separated seconds, or none', () => {
    expect(loadConfig({ ...base, DELIVERY_RETRY_SCHEDULE: '0.5, 2,10' }).retrySchedule).toEqual([0.5, 2, 10]);
    expect(loadConfig({ ...base, DELIVERY_RETRY_SCHEDULE: 'none' }).retrySchedule).toEqual([]);
    expect(() => loadConfig({ ...base, DELIVERY_RETRY_SCHEDULE: '5,soon' })).toThrow(/DELIVERY_RETRY_SCHEDULE/);
    expect(() => loadConfig({ ...base, ALLOW_PRIVATE_TARGETS: 'maybe' })).toThrow(/ALLOW_PRIVATE_TARGETS must be true or false/);
  });

  it('treats blank settings as unset', () => {
    expect(loadConfig({ ...base, LIST_PAGE_SIZE: '' }).listPageSize).toBe(100);
  });
});

describe('local.settings.sample.json', () => {
  it('names every setting loadConfig reads, with values it accepts', () => {
    const sample = JSON.parse(readFileSync(join(root, 'local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> };
    for (const name of Object.values(Setting)) expect(Object.keys(sample.Values)).toContain(name);
    expect(() => loadConfig(sample.Values)).not.toThrow();
  });
});
