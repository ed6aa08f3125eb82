import { submitTransaction } from './table-batch.js';
import { z } from 'zod';
import type { TableClient, TransactionAction } from '@azure/data-tables';
import {
  ENDPOINT_TYPES,
  MULTI_ARCH_MODES,
  PAYLOAD_FORMATS,
  WEBHOOK_ACTIONS,
  WEBHOOK_STATUSES,
  type WebhookRecord,
} from '../webhooks/webhook.js';
import { nameKey } from './key-part.js';
import { ApiError } from '../errors.js';
import { statusOf, unless404 } from './rest-errors.js';
import { jsonField, odataString, optionalField } from './entity-fields.js';
import { makeWebhookCache } from './webhook-cache.js';
import { deliveryHealthSchema } from '../webhooks/delivery-health.js';

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
 *
 * Every write goes through this store, which owns what a write implies: a change is a conditional
 * (ETag) replace retried on a concurrent change (`update`), and the registry's cached list
 * (`listCached`, the fan-out's read) is invalidated after each write in this process.
 */

/** A record plus the entity's ETag, for optimistic concurrency on update. */
interface StoredWebhook {
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
  multiArch: optionalField(z.enum(MULTI_ARCH_MODES)),
  // Any positive whole number, not the API's 1-1000: a row a later deploy wrote with a higher bound must
  // not make the registry's webhooks unreadable (and its fan-out stop) after a rollback.
  rateLimitPerSecond: optionalField(z.int().positive()),
  payloadFormat: optionalField(z.enum(PAYLOAD_FORMATS)),
  skipReferrers: optionalField(z.boolean()),
  endpointType: optionalField(z.enum(ENDPOINT_TYPES)),
  connectionString: optionalField(z.string()),
  queueMessageTimeToLiveSeconds: optionalField(z.number().int()),
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
    multiArch: record.multiArch ?? null,
    rateLimitPerSecond: record.rateLimitPerSecond ?? null,
    payloadFormat: record.payloadFormat ?? null,
    skipReferrers: record.skipReferrers ?? null,
    endpointType: record.endpointType ?? null,
    connectionString: record.connectionString ?? null,
    queueMessageTimeToLiveSeconds: record.queueMessageTimeToLiveSeconds ?? null,
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

type InsertOutcome = { readonly kind: 'inserted' } | { readonly kind: 'exists' } | { readonly kind: 'quota'; readonly count: number };

const busy = (registryName: string) =>
  new ApiError('Conflict', `The registry '${registryName}' is being changed by other requests. Retry.`);

interface WebhookPage {
  readonly items: readonly WebhookRecord[];
  readonly continuationToken: string | undefined;
}

/** Tries of a read-modify-write before a concurrent writer wins (409 Conflict). */
const UPDATE_TRIES = 3;

/** Webhook persistence over one table; see the key layout above. */
export interface WebhookStore {
  get(registryName: string, name: string): Promise<WebhookRecord | undefined>;
  listPage(registryName: string, pageSize: number, continuationToken: string | undefined): Promise<WebhookPage>;
  /** The registry's webhooks, read at most once per WEBHOOK_CACHE_SECONDS per process (writes here invalidate). */
  listCached(registryName: string): Promise<readonly WebhookRecord[]>;
  /**
   * Inserts unless a webhook of that name exists or the registry has `limit` webhooks already: the row
   * and the registry's counter are written in one transaction, conditional on the counter's ETag.
   */
  insertWithinQuota(record: WebhookRecord, limit: number): Promise<InsertOutcome>;
  /**
   * Reads the webhook, applies `mutate` and writes the result if no one wrote in between (ETag),
   * re-reading and re-applying on a concurrent change. `mutate` returning its argument writes nothing;
   * it may throw to refuse the change. Undefined when there is no such webhook; a 409 Conflict when
   * other writers won every try.
   */
  update(registryName: string, name: string, mutate: (current: WebhookRecord) => WebhookRecord): Promise<WebhookRecord | undefined>;
  /** Deletes (and decrements the registry's counter in the same transaction); false when there was nothing to delete. */
  remove(registryName: string, name: string): Promise<boolean>;
}

export function makeWebhookStore(table: TableClient, cacheMs: number): WebhookStore {
  const partitionFilter = (registryName: string) =>
    `PartitionKey eq ${odataString(nameKey(registryName))} and RowKey ne ${odataString(COUNTER_ROW)}`;
  const read = async (registryName: string, name: string) => {
    const entity = await unless404(table.getEntity(nameKey(registryName), nameKey(name)));
    return entity === undefined ? undefined : fromEntity(entity);
  };
  const listAll = async (registryName: string) => {
    const out: WebhookRecord[] = [];
    for await (const entity of table.listEntities({ queryOptions: { filter: partitionFilter(registryName) } })) {
      out.push(fromEntity(entity).record);
    }
    return out;
  };
  const cache = makeWebhookCache(listAll, cacheMs);

  /** The counter row and its ETag; undefined in a partition written before counters existed (or empty). */
  const readCounter = async (pk: string) => {
    const entity = await unless404(table.getEntity(pk, COUNTER_ROW));
    return entity === undefined ? undefined : counterEntity.parse(entity);
  };
  const countRows = async (registryName: string) => {
    let n = 0;
    for await (const _ of table.listEntities({ queryOptions: { filter: partitionFilter(registryName), select: ['RowKey'] } })) n++;
    return n;
  };
  /** The action that moves the counter from what was read to `count`. */
  const counterAction = (pk: string, current: { etag: string } | undefined, count: number): TransactionAction => {
    const entity = { partitionKey: pk, rowKey: COUNTER_ROW, count };
    return current ? ['update', entity, 'Replace', { etag: current.etag }] : ['create', entity];
  };

  return {
    async get(registryName, name) {
      return (await read(registryName, name))?.record;
    },
    async listPage(registryName, pageSize, continuationToken) {
      const pages = table
        .listEntities({ queryOptions: { filter: partitionFilter(registryName) } })
        .byPage({ maxPageSize: pageSize, ...(continuationToken ? { continuationToken } : {}) });
      const page = await pages.next();
      if (page.done) return { items: [], continuationToken: undefined };
      return { items: page.value.map((e) => fromEntity(e).record), continuationToken: page.value.continuationToken };
    },
    listCached: (registryName) => cache.get(registryName),
    async insertWithinQuota(record, limit) {
      const pk = nameKey(record.registryName);
      for (let round = 0; round < QUOTA_ROUNDS; round++) {
        const counter = await readCounter(pk);
        // A partition without a counter (written by an older deploy) starts from its rows.
        const count = counter ? counter.count : await countRows(record.registryName);
        if (count >= limit) return { kind: 'quota', count };
        try {
          await submitTransaction(table, [['create', toEntity(record)], counterAction(pk, counter, count + 1)]);
          cache.invalidate(record.registryName);
          return { kind: 'inserted' };
        } catch (err) {
          const status = statusOf(err);
          // 412: the counter moved; 409: the counter was created meanwhile, or the webhook exists.
          if (status === 409 && (await read(record.registryName, record.name))) return { kind: 'exists' };
          if (status !== 409 && status !== 412) throw err;
        }
      }
      throw busy(record.registryName);
    },
    async update(registryName, name, mutate) {
      for (let attempt = 0; attempt < UPDATE_TRIES; attempt++) {
        const stored = await read(registryName, name);
        if (!stored) return undefined;
        const next = mutate(stored.record);
        if (next === stored.record) return next;
        try {
          await table.updateEntity(toEntity(next), 'Replace', { etag: stored.etag });
        } catch (err) {
          // 412: someone wrote since the read; 404: someone deleted it. Read again.
          const status = statusOf(err);
          if (status === 412 || status === 404) continue;
          throw err;
        }
        cache.invalidate(registryName);
        return next;
      }
      throw new ApiError('Conflict', `The webhook '${name}' is being changed by another request. Retry.`);
    },
    async remove(registryName, name) {
      const pk = nameKey(registryName);
      for (let round = 0; round < QUOTA_ROUNDS; round++) {
        const counter = await readCounter(pk);
        const actions: TransactionAction[] = [['delete', { partitionKey: pk, rowKey: nameKey(name) }]];
        if (counter) actions.push(counterAction(pk, counter, Math.max(0, counter.count - 1)));
        try {
          await submitTransaction(table, actions);
          cache.invalidate(registryName);
          return true;
        } catch (err) {
          const status = statusOf(err);
          if (status === 404) {
            cache.invalidate(registryName);
            return false;
          }
          if (status !== 412) throw err;
        }
      }
      throw busy(registryName);
    },
  };
}
