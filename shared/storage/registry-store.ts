import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { TableClient } from '@azure/data-tables';
import { nameKey } from './key-part.js';
import { statusOf, unless404 } from './rest-errors.js';
import { optionalField } from './entity-fields.js';

/*
 * Table `registries` — key layout
 *   PartitionKey = registry name, lowercase   → one point read per registry (its home and its keys).
 *   RowKey       = ''
 * A registry's home (subscription and resource group) is bound by the first write that names it (a
 * webhook create, listIngestKeys): an insert, so two first writes at once agree on one home. Access is
 * checked at the home's scope. Its ingest keys are secrets: they leave this store only through
 * `ingestKeys` / `regenerate` (listIngestKeys) and are compared, never logged.
 * Reads for access checks are cached for `cacheMs`; this process's own writes drop its cache at once.
 */

interface RegistryHome {
  readonly registryName: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
}

export interface IngestKeys {
  readonly primary: string;
  readonly secondary: string;
}

interface RegistryRecord extends RegistryHome {
  readonly keys: IngestKeys | undefined;
}

type KeyName = 'primary' | 'secondary';

export interface RegistryStore {
  /** The registry's home: its row, else (a registry from before homes existed) its first webhook's, else undefined. Cached. */
  home(registryName: string): Promise<RegistryHome | undefined>;
  /** The registry's ingest keys for checking a presented key (cached); none until listIngestKeys made them. */
  keysCached(registryName: string): Promise<IngestKeys | undefined>;
  /** Binds a home unless one is bound; returns the bound one. */
  bind(home: RegistryHome): Promise<RegistryHome>;
  /** The registry's keys, made on first call (`home` binds the registry if it is not bound). */
  ingestKeys(home: RegistryHome): Promise<IngestKeys>;
  /** Replaces one key with a new one; returns both. */
  regenerate(home: RegistryHome, name: KeyName): Promise<IngestKeys>;
}

const entitySchema = z.object({
  etag: z.string(),
  registryName: z.string(),
  subscriptionId: z.string(),
  resourceGroup: z.string(),
  primaryKey: optionalField(z.string().min(16)),
  secondaryKey: optionalField(z.string().min(16)),
});

const newKey = () => randomBytes(32).toString('base64url');

function fromEntity(entity: unknown): { record: RegistryRecord; etag: string } {
  const e = entitySchema.parse(entity);
  const keys = e.primaryKey && e.secondaryKey ? { primary: e.primaryKey, secondary: e.secondaryKey } : undefined;
  return { etag: e.etag, record: { registryName: e.registryName, subscriptionId: e.subscriptionId, resourceGroup: e.resourceGroup, keys } };
}

/** Where a registry from before homes existed lives: its first webhook's coordinates. */
export type LegacyHome = (registryName: string) => Promise<RegistryHome | undefined>;

export function makeRegistryStore(table: TableClient, cacheMs: number, legacyHome: LegacyHome): RegistryStore {
  // Only the row is cached: checking a presented key reads nothing else, so a wrong key sent to many
  // registry names costs one point read per name, never the legacy-home query as well.
  const cache = new Map<string, { at: number; value: Promise<RegistryRecord | undefined> }>();
  const read = async (registryName: string) => {
    const entity = await unless404(table.getEntity(nameKey(registryName), ''));
    return entity === undefined ? undefined : fromEntity(entity);
  };
  const lookup = (registryName: string) => {
    const key = registryName.toLowerCase();
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < cacheMs) return hit.value;
    const value = read(registryName).then((row) => row?.record);
    cache.set(key, { at: Date.now(), value });
    value.catch(() => cache.delete(key));
    // Bound the cache: a flood of names must not grow it without end.
    if (cache.size > 10_000) cache.delete(cache.keys().next().value!);
    return value;
  };
  const forget = (registryName: string) => cache.delete(registryName.toLowerCase());

  const entity = (home: RegistryHome, keys: IngestKeys | undefined) => ({
    partitionKey: nameKey(home.registryName),
    rowKey: '',
    registryName: home.registryName.toLowerCase(),
    subscriptionId: home.subscriptionId,
    resourceGroup: home.resourceGroup,
    primaryKey: keys?.primary ?? null,
    secondaryKey: keys?.secondary ?? null,
  });

  /** Moves the row from what it holds to `change(current)`, by insert or If-Match replace, retried on a race. */
  const change = async (
    home: RegistryHome,
    next: (current: RegistryRecord | undefined) => IngestKeys | 'keep',
  ): Promise<RegistryRecord> => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const row = await read(home.registryName);
      const keys = next(row?.record);
      if (keys === 'keep' && row) return row.record;
      const bound = row?.record ?? home;
      const value = keys === 'keep' ? undefined : keys;
      try {
        if (row) await table.updateEntity(entity(bound, value), 'Replace', { etag: row.etag });
        else await table.createEntity(entity(bound, value));
        forget(home.registryName);
        return { ...bound, keys: value };
      } catch (err) {
        const status = statusOf(err);
        if (status !== 409 && status !== 412) throw err;
      }
    }
    throw new Error(`registry ${home.registryName}: too many concurrent changes`);
  };

  return {
    async home(registryName) {
      // Asked only for a verified token's access check.
      return (await lookup(registryName)) ?? (await legacyHome(registryName));
    },
    async keysCached(registryName) {
      return (await lookup(registryName))?.keys;
    },
    async bind(home) {
      const bound = await change(home, () => 'keep');
      return { registryName: bound.registryName, subscriptionId: bound.subscriptionId, resourceGroup: bound.resourceGroup };
    },
    async ingestKeys(home) {
      const record = await change(home, (current) => (current?.keys ? 'keep' : { primary: newKey(), secondary: newKey() }));
      return record.keys!;
    },
    async regenerate(home, name) {
      const record = await change(home, (current) => {
        const keys = current?.keys ?? { primary: newKey(), secondary: newKey() };
        return name === 'primary' ? { ...keys, primary: newKey() } : { ...keys, secondary: newKey() };
      });
      return record.keys!;
    },
  };
}
