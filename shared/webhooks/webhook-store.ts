import { z } from 'zod';
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { WEBHOOK_ACTIONS, WEBHOOK_STATUSES } from './webhook-schema.js';
import { nameKey } from './names.js';
import { deliveryHealthSchema, type DeliveryHealth } from './delivery-health.js';
import { storageStatus } from '../storage/clients.js';
import { jsonField, odataString, optionalField } from '../storage/entity-fields.js';

/*
 * Table `webhooks` — key layout
 *   PartitionKey = registry name, lowercase   → a registry's webhooks are one partition: list, quota count
 *                                                and fan-out matching are a single-partition query.
 *   RowKey       = webhook name, lowercase    → get/update/delete are point reads and writes.
 *   RowKey       = '!count'                   → the registry's quota counter (`count`): every insert and
 *                                                delete moves it in the same entity-group transaction,
 *                                                conditional on its ETag, so the limit holds under
 *                                                concurrent creates and a crash cannot part the two.
 *                                                '!' is no name character and sorts before them all.
 * Names are case-insensitive (ACR), so keys are lowercase and the name as created is kept in `name`.
 * Maps and lists are JSON strings (Table Storage has no nested types); every read is parsed with zod
 * because rows may have been written by an older deploy.
 */

export interface WebhookRecord {
  readonly registryName: string;
  readonly name: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly location: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly serviceUri: string;
  readonly customHeaders: Readonly<Record<string, string>>;
  readonly status: (typeof WEBHOOK_STATUSES)[number];
  readonly scope: string;
  readonly actions: readonly (typeof WEBHOOK_ACTIONS)[number][];
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Standard Webhooks signing secret (`whsec_…`), revealed only by getCallbackConfig. */
  readonly signingSecret: string | undefined;
  /** The secret before the last rotation, still used to sign until `previousSecretExpiresAt`. */
  readonly previousSigningSecret: string | undefined;
  readonly previousSecretExpiresAt: string | undefined;
  /** Why the service changed the status (a 410 Gone disables the webhook). */
  readonly statusReason: string | undefined;
  /** Written by the health recorder only when due (see delivery-health.ts); absent until a first attempt. */
  readonly deliveryHealth: DeliveryHealth | undefined;
}

/** A record plus the entity's ETag, for optimistic concurrency on update. */
export interface StoredWebhook {
  readonly record: WebhookRecord;
  readonly etag: string;
}

const entitySchema = z.object({
  etag: z.string(),
  registryName: z.string(),
  name: z.string(),
  subscriptionId: z.string(),
  resourceGroup: z.string(),
  location: z.string(),
  tags: jsonField(z.record(z.string(), z.string())),
  serviceUri: z.string(),
  customHeaders: jsonField(z.record(z.string(), z.string())),
  status: z.enum(WEBHOOK_STATUSES),
  scope: z.string(),
  actions: jsonField(z.array(z.enum(WEBHOOK_ACTIONS))),
  createdAt: z.string(),
  updatedAt: z.string(),
  // Absent in rows written before these existed; null when cleared.
  signingSecret: optionalField(z.string()),
  previousSigningSecret: optionalField(z.string()),
  previousSecretExpiresAt: optionalField(z.string()),
  statusReason: optionalField(z.string()),
  deliveryHealth: optionalField(jsonField(deliveryHealthSchema)),
});

function toEntity(record: WebhookRecord) {
  return {
    partitionKey: nameKey(record.registryName),
    rowKey: nameKey(record.name),
    registryName: record.registryName,
    name: record.name,
    subscriptionId: record.subscriptionId,
    resourceGroup: record.resourceGroup,
    location: record.location,
    tags: JSON.stringify(record.tags),
    serviceUri: record.serviceUri,
    customHeaders: JSON.stringify(record.customHeaders),
    status: record.status,
    scope: record.scope,
    actions: JSON.stringify(record.actions),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    signingSecret: record.signingSecret ?? null,
    previousSigningSecret: record.previousSigningSecret ?? null,
    previousSecretExpiresAt: record.previousSecretExpiresAt ?? null,
    statusReason: record.statusReason ?? null,
    deliveryHealth: record.deliveryHealth ? JSON.stringify(record.deliveryHealth) : null,
  };
}

function fromEntity(entity: unknown): StoredWebhook {
  const { etag, ...record } = entitySchema.parse(entity);
  return { record, etag };
}

const COUNTER_ROW = '!count';
const counterEntity = z.object({ etag: z.string(), count: z.number().int().nonnegative() });
/** Rounds of read-counter-then-transact before giving up: each round one of the contenders wins. */
const QUOTA_ROUNDS = 100;

export type InsertOutcome =
  { readonly kind: 'inserted' } | { readonly kind: 'exists' } | { readonly kind: 'quota'; readonly count: number };

/** Optimistic-concurrency conflicts: the caller re-reads and retries. */
export class ConcurrencyError extends Error {
  override readonly name = 'ConcurrencyError';
}

export interface WebhookPage {
  readonly items: readonly WebhookRecord[];
  readonly continuationToken: string | undefined;
}

/** Webhook persistence over one table; see the key layout above. */
export interface WebhookStore {
  get(registryName: string, name: string): Promise<StoredWebhook | undefined>;
  listPage(registryName: string, pageSize: number, continuationToken: string | undefined): Promise<WebhookPage>;
  listAll(registryName: string): Promise<readonly WebhookRecord[]>;
  /**
   * Inserts unless a webhook of that name exists or the registry has `limit` webhooks already: the row
   * and the registry's counter are written in one transaction, conditional on the counter's ETag.
   */
  insertWithinQuota(record: WebhookRecord, limit: number): Promise<InsertOutcome>;
  /** Replaces the stored webhook if its ETag still matches; throws ConcurrencyError otherwise. */
  replace(record: WebhookRecord, etag: string): Promise<void>;
  /** Deletes (and decrements the registry's counter in the same transaction); false when there was nothing to delete. */
  remove(registryName: string, name: string): Promise<boolean>;
}

export function makeWebhookStore(table: TableClient): WebhookStore {
  const partitionFilter = (registryName: string) =>
    `PartitionKey eq ${odataString(nameKey(registryName))} and RowKey ne ${odataString(COUNTER_ROW)}`;

  /** The counter row and its ETag; undefined in a partition written before counters existed (or empty). */
  async function readCounter(pk: string): Promise<{ count: number; etag: string } | undefined> {
    try {
      return counterEntity.parse(await table.getEntity(pk, COUNTER_ROW));
    } catch (err) {
      if (storageStatus(err) === 404) return undefined;
      throw err;
    }
  }

  async function countRows(registryName: string): Promise<number> {
    let n = 0;
    for await (const _ of table.listEntities({ queryOptions: { filter: partitionFilter(registryName), select: ['RowKey'] } })) n++;
    return n;
  }

  /** The action that moves the counter from what was read to `count`. */
  function counterAction(pk: string, read: { etag: string } | undefined, count: number): TransactionAction {
    const entity = { partitionKey: pk, rowKey: COUNTER_ROW, count };
    return read ? ['update', entity, 'Replace', { etag: read.etag }] : ['create', entity];
  }

  return {
    async get(registryName, name) {
      try {
        return fromEntity(await table.getEntity(nameKey(registryName), nameKey(name)));
      } catch (err) {
        if (storageStatus(err) === 404) return undefined;
        throw err;
      }
    },
    async listPage(registryName, pageSize, continuationToken) {
      const pages = table
        .listEntities({ queryOptions: { filter: partitionFilter(registryName) } })
        .byPage({ maxPageSize: pageSize, ...(continuationToken ? { continuationToken } : {}) });
      const page = await pages.next();
      if (page.done) return { items: [], continuationToken: undefined };
      return { items: page.value.map((e) => fromEntity(e).record), continuationToken: page.value.continuationToken };
    },
    async listAll(registryName) {
      const out: WebhookRecord[] = [];
      for await (const entity of table.listEntities({ queryOptions: { filter: partitionFilter(registryName) } })) {
        out.push(fromEntity(entity).record);
      }
      return out;
    },
    async insertWithinQuota(record, limit) {
      const pk = nameKey(record.registryName);
      for (let round = 0; round < QUOTA_ROUNDS; round++) {
        const counter = await readCounter(pk);
        // A partition without a counter (written by an older deploy) starts from its rows.
        const count = counter ? counter.count : await countRows(record.registryName);
        if (count >= limit) return { kind: 'quota', count };
        try {
          await table.submitTransaction([['create', toEntity(record)], counterAction(pk, counter, count + 1)]);
          return { kind: 'inserted' };
        } catch (err) {
          const status = storageStatus(err);
          // 412: the counter moved; 409: the counter was created meanwhile, or the webhook exists.
          if (status === 409 && (await this.get(record.registryName, record.name))) return { kind: 'exists' };
          if (status !== 409 && status !== 412) throw err;
        }
      }
      throw new ConcurrencyError(`too many concurrent changes to registry '${record.registryName}'`);
    },
    async replace(record, etag) {
      try {
        await table.updateEntity(toEntity(record), 'Replace', { etag });
      } catch (err) {
        const status = storageStatus(err);
        if (status === 412 || status === 404) throw new ConcurrencyError('the webhook changed while it was being updated');
        throw err;
      }
    },
    async remove(registryName, name) {
      const pk = nameKey(registryName);
      for (let round = 0; round < QUOTA_ROUNDS; round++) {
        const counter = await readCounter(pk);
        const actions: TransactionAction[] = [['delete', { partitionKey: pk, rowKey: nameKey(name) }]];
        if (counter) actions.push(counterAction(pk, counter, Math.max(0, counter.count - 1)));
        try {
          await table.submitTransaction(actions);
          return true;
        } catch (err) {
          const status = storageStatus(err);
          if (status === 404) return false;
          if (status !== 412) throw err;
        }
      }
      throw new ConcurrencyError(`too many concurrent changes to registry '${registryName}'`);
    },
  };
}
