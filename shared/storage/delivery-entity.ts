import { z } from 'zod';
import type { TransactionAction } from '@azure/data-tables';
import { DELIVERY_STATES, type DeliveryRecord } from '../delivery/delivery-record.js';
import { jsonField, optionalField } from './entity-fields.js';
import { Rows, receivedMsOf } from './event-keys.js';

/** A `del|` row as stored (maps as JSON strings; fields added later are absent or null in older rows). */
const deliveryEntity = z.object({
  rowKey: z.string().refine((key) => receivedMsOf(key) !== undefined, 'not a delivery row key'),
  webhook: z.string(),
  eventId: z.string(),
  action: z.string(),
  image: z.string(),
  body: z.string(),
  contentType: optionalField(z.string()),
  requestHeaders: jsonField(z.record(z.string(), z.string())),
  requestUri: z.string(),
  state: z.enum(DELIVERY_STATES),
  attempts: z.number().int(),
  nextAttemptAt: optionalField(z.string()),
  lastError: optionalField(z.string()),
  responseStatus: optionalField(z.number().int()),
  responseReason: optionalField(z.string()),
  responseHeaders: jsonField(z.record(z.string(), z.string())),
  responseBody: z.string(),
  durationMs: optionalField(z.number()),
  queuedMs: optionalField(z.number()),
  waiting: optionalField(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export function fromDeliveryEntity(entity: unknown): DeliveryRecord {
  const { rowKey, ...fields } = deliveryEntity.parse(entity);
  return { ...fields, receivedMs: receivedMsOf(rowKey)! };
}

export function toDeliveryEntity(partitionKey: string, record: DeliveryRecord) {
  return {
    partitionKey,
    rowKey: Rows.delivery(record.webhook, record.receivedMs, record.eventId),
    webhook: record.webhook,
    eventId: record.eventId,
    action: record.action,
    image: record.image,
    body: record.body,
    contentType: record.contentType ?? null,
    requestHeaders: JSON.stringify(record.requestHeaders),
    requestUri: record.requestUri,
    state: record.state,
    attempts: record.attempts,
    nextAttemptAt: record.nextAttemptAt ?? null,
    lastError: record.lastError ?? null,
    responseStatus: record.responseStatus ?? null,
    responseReason: record.responseReason ?? null,
    responseHeaders: JSON.stringify(record.responseHeaders),
    responseBody: record.responseBody,
    durationMs: record.durationMs ?? null,
    queuedMs: record.queuedMs ?? null,
    waiting: record.waiting ?? null,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

export const upsertDelivery = (pk: string, record: DeliveryRecord): TransactionAction => [
  'upsert',
  toDeliveryEntity(pk, record),
  'Replace',
];
