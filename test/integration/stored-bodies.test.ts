import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableClient } from '@azure/data-tables';
import { Webhook } from 'standardwebhooks';
import { api, INGEST_KEY, startService, type TestService } from '../helpers/service.js';
import { eventually, startReceiver, type ReceivedRequest, type Receiver } from '../helpers/receiver.js';
import { createTableClient } from '../../shared/storage/clients.js';
import { Partitions, Rows } from '../../shared/storage/event-keys.js';
import { purgeHistory } from '../../shared/pipeline/retention.js';
import { USER_AGENT } from '../../shared/delivery/outbound-request.js';
import { HELD_REASON } from '../../shared/delivery/delivery-record.js';
import { readDeliveryEntity } from '../../shared/storage/delivery-entity.js';
import { deliveryRecordOf } from '../../shared/delivery/new-delivery.js';

/*
 * An event's body is stored once (issue 24): a delivery row keeps no body when its event's row reproduces
 * it, and everything that reads a delivery gets the exact bytes that were sent (listEvents, a retry from
 * the delivery queue, redeliver, recover), in every payload format. What no event row reproduces (a ping, a
 * coalesced push, a redelivery) keeps its body, and rows written in the previous layout read as before.
 * The rows are looked at with a TableClient, as storage holds them.
 */
let svc: TestService;
let rx: Receiver;
let events: TableClient;
beforeAll(async () => {
  rx = await startReceiver();
  // One immediate retry: a retried delivery is read back from its row by the delivery worker.
  svc = await startService({ DELIVERY_RETRY_SCHEDULE: '0' });
  events = createTableClient(svc.config.storage, 'events');
});
afterAll(async () => {
  await svc.close();
  await rx.close();
});

const REGISTRY = 'bodyonce1';
const DIGEST = (c: string) => `sha256:${c.repeat(64)}`;
const FORMATS = { onceacr01: 'acr', oncece001: 'cloudevents', onceslk01: 'slack', oncetms01: 'teams' } as const;

async function createHook(service: TestService, name: string, properties: Record<string, unknown>) {
  const res = await api(service, `/registries/${REGISTRY}/webhooks/${name}`, {
    method: 'PUT',
    json: { location: 'westeurope', properties: { serviceUri: `${rx.url}/${name}`, actions: ['push'], ...properties } },
  });
  expect(res.status).toBe(201);
}

async function secretOf(name: string): Promise<string> {
  const res = await api(svc, `/registries/${REGISTRY}/webhooks/${name}/getCallbackConfig`, { method: 'POST' });
  return ((await res.json()) as { signingSecret: string }).signingSecret;
}

/** An ACR push as ACR sends it, with what a registry adds (request, actor, source). */
function pushEvent(repository: string, tag: string, digest = DIGEST('c')) {
  return {
    id: randomUUID(),
    timestamp: '2026-12-01T10:00:00.123456789Z',
    action: 'push',
    target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 525, digest, length: 525, repository, tag },
    request: { id: randomUUID(), host: 'bodyonce1.azurecr.io', method: 'PUT', useragent: 'docker/27.0 go/go1.22 "quoted" \\ é' },
    actor: { name: 'ci' },
    source: { addr: 'registry-0:5000', instanceID: randomUUID() },
  };
}

async function ingest(service: TestService, body: unknown) {
  const res = await api(service, `/registries/${REGISTRY}/events`, { method: 'POST', key: INGEST_KEY, json: body });
  expect(res.status).toBe(202);
}

const headersOf = (r: ReceivedRequest) =>
  Object.fromEntries(Object.entries(r.headers).filter((e): e is [string, string] => typeof e[1] === 'string'));

/** The requests a hook got for an event id (its webhook-id), once there are `count`. */
const received = (name: string, eventId: string, count = 1) =>
  eventually(
    () => {
      const got = rx.forPath(`/${name}`).filter((r) => r.headers['webhook-id'] === eventId);
      return Promise.resolve(got.length >= count ? got : undefined);
    },
    15_000,
    `${count} request(s) to ${name} for ${eventId}`,
  );

interface Listed {
  id: string;
  eventRequestMessage: { content: unknown; headers: Record<string, string> };
  delivery: { state: string; attempts: number; action: string; image?: string };
}

/** A webhook's listEvents items for an event, once `settled` says they are final. */
const listed = (service: TestService, name: string, eventId: string, settled: (items: Listed[]) => boolean = () => true) =>
  eventually(
    async () => {
      const res = await api(service, `/registries/${REGISTRY}/webhooks/${name}/listEvents?$top=1000`, { method: 'POST' });
      expect(res.status).toBe(200);
      const items = ((await res.json()) as { value: Listed[] }).value.filter((i) => i.id === eventId);
      return items.length > 0 && settled(items) ? items : undefined;
    },
    15_000,
    `${name}'s listEvents of ${eventId}`,
  );
const final = (items: Listed[]) => items.every((i) => i.delivery.state !== 'pending');

/** A webhook's delivery rows of an event, as storage holds them (the redelivered ones too). */
/** An event's `evt|` row, fanned out, as the event store writes it (for rows written by an earlier version); its partition. */
async function writeEventRow(event: { readonly id: string }, receivedAt: string): Promise<string> {
  const partitionKey = Partitions.event(REGISTRY, event.id);
  await events.createEntity({ partitionKey, rowKey: Rows.event(event.id), payload: JSON.stringify(event), state: 'fannedout', receivedAt });
  return partitionKey;
}

async function rowsOf(name: string, eventId: string): Promise<Record<string, unknown>[]> {
  const [from, to] = Rows.deliveryRange(name);
  const pk = Partitions.event(REGISTRY, eventId);
  const filter = `PartitionKey eq '${pk}' and RowKey ge '${from}' and RowKey lt '${to}' and eventId eq '${eventId}'`;
  const rows: Record<string, unknown>[] = [];
  for await (const e of events.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) rows.push(e);
  return rows;
}

/** A delivery row's fields that have a value, whichever layout stored them, as the store reads them. */
function fieldsOf(row: Record<string, unknown> | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(readDeliveryEntity(row)!.fields).filter(([, v]) => v !== undefined));
}

describe('an event body stored once', () => {
  it('a new delivery row keeps no body; listEvents and the store give back the exact bytes each receiver got, in every format', async () => {
    for (const [name, payloadFormat] of Object.entries(FORMATS)) await createHook(svc, name, { payloadFormat, scope: 'team/*:*' });
    // The same tag pushed twice: the second event carries previousDigest, added after it was received.
    const first = pushEvent('team/app', 'v1', DIGEST('a'));
    const moved = pushEvent('team/app', 'v1', DIGEST('b'));
    await ingest(svc, first);
    for (const name of Object.keys(FORMATS)) await received(name, first.id);
    await ingest(svc, moved);
    for (const [name, format] of Object.entries(FORMATS)) {
      for (const event of [first, moved]) {
        const [request] = await received(name, event.id);
        const [item] = await listed(svc, name, event.id, final);
        // listEvents: the body as sent, byte for byte (its JSON re-serialised is the same text), and the event's action and image.
        expect(JSON.stringify(item!.eventRequestMessage.content)).toBe(request!.body);
        expect(item!.eventRequestMessage.headers['content-type']).toBe(request!.headers['content-type']);
        expect(item!.delivery).toMatchObject({ state: 'succeeded', attempts: 1, action: 'push', image: 'team/app:v1' });
        // The store's record: the same bytes.
        expect((await svc.deps.deliveries.latestDelivery(REGISTRY, name, event.id))?.body).toBe(request!.body);
        // The row: no body, action or image; how to render them again instead.
        const fields = fieldsOf((await rowsOf(name, event.id))[0]);
        expect(fields).not.toHaveProperty('body');
        expect(fields).not.toHaveProperty('action');
        expect(fields).not.toHaveProperty('image');
        expect(fields['bodyFrom']).toMatchObject({ format });
      }
    }
    const [movedRequest] = await received('onceacr01', moved.id);
    expect(JSON.parse(movedRequest!.body)).toEqual({ ...moved, target: { ...moved.target, previousDigest: DIGEST('a') } });
  });

  it('a delivery row as stored: what a query filters, selects or merges as properties of their own, the rest in one compact JSON array', async () => {
    await createHook(svc, 'oncerow01', { scope: 'row/*:*' });
    const event = pushEvent('row/app', 'v1');
    await ingest(svc, event);
    const [request] = await received('oncerow01', event.id);
    await listed(svc, 'oncerow01', event.id, final);
    const [row] = await rowsOf('oncerow01', event.id);
    const { partitionKey, rowKey, etag: _etag, timestamp: _timestamp, record, ...own } = row!;
    expect(partitionKey).toBe(Partitions.event(REGISTRY, event.id));
    expect(rowKey).toMatch(new RegExp(`^del\\|oncerow01\\|\\d{13}\\|${event.id}$`));
    expect(own).toEqual({
      eventId: event.id,
      state: 'succeeded',
      attempts: 1,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      // The response body is a property of its own (it may be up to 32,000 characters); no body: its event's row has it.
      responseBody: 'ok',
    });
    // `[2, requestUri, bodyFrom, requestHeaders, responseStatus, responseReason, responseHeaders, durationMs,
    // queuedMs]`: no webhook (the row key has it), the format alone, of the request headers only the signature's
    // timestamp (template 1: ours is still the User-Agent it rebuilds), the response's as `name:value` lines.
    const [v, u, f, h, s, r, rh, d, ...more] = JSON.parse(record as string) as unknown[];
    expect([v, u, f, h, s, r]).toEqual([2, `${rx.url}/oncerow01`, 'acr', [1, Number(request!.headers['webhook-timestamp'])], 200, 'OK']);
    expect(rh).toMatch(/^content-type:text\/plain\n/);
    expect(typeof d).toBe('number');
    // queuedMs, when it waited for a connection; nothing after it.
    expect(more.length <= 1 && more.every((q) => typeof q === 'number')).toBe(true);
    expect(fieldsOf(row)['requestHeaders']).toEqual({
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'webhook-id': event.id,
      'webhook-timestamp': request!.headers['webhook-timestamp'],
      'webhook-signature': '***',
    });
  });

  it('listEvents shows the request headers as sent, masked, in their order: custom headers, a format’s content type, a name with capitals', async () => {
    const customHeaders = { Authorization: 'Basic c2VjcmV0', 'X-Team': 'platform' };
    await createHook(svc, 'OnceHdr01', { payloadFormat: 'cloudevents', scope: 'hdr/*:*', customHeaders });
    const event = pushEvent('hdr/app', 'v1');
    await ingest(svc, event);
    const [request] = await received('OnceHdr01', event.id);
    expect(request!.headers).toMatchObject({ authorization: 'Basic c2VjcmV0', 'x-team': 'platform' });
    const [item] = await listed(svc, 'OnceHdr01', event.id, final);
    expect(Object.entries(item!.eventRequestMessage.headers)).toEqual([
      ['content-type', 'application/cloudevents+json'],
      ['user-agent', USER_AGENT],
      ['webhook-id', event.id],
      ['webhook-timestamp', request!.headers['webhook-timestamp']],
      ['webhook-signature', '***'],
      ['authorization', '***'],
      ['x-team', '***'],
    ]);
    expect(JSON.stringify(item!.eventRequestMessage.content)).toBe(request!.body);
    const [row] = await rowsOf('OnceHdr01', event.id);
    // Its webhook last (the row key spells it in lowercase), its content type before the action and image (null: none kept).
    const record = JSON.parse(row!['record'] as string) as unknown[];
    expect(record.slice(0, 4)).toEqual([
      2,
      `${rx.url}/OnceHdr01`,
      // The registry's name null: the partition key spells it.
      ['cloudevents', null, svc.config.defaultSubscriptionId, svc.config.defaultResourceGroup, 'westeurope'],
      [1, Number(request!.headers['webhook-timestamp']), 'authorization', 'x-team'],
    ]);
    expect(record.slice(-5)).toEqual(['application/cloudevents+json', null, null, null, 'OnceHdr01']);
    expect(fieldsOf(row)['webhook']).toBe('OnceHdr01');
  });

  it('a delivery never sent (held: its webhook disabled) keeps no attempts, update, headers or response, and lists as before', async () => {
    await createHook(svc, 'oncehld01', { scope: 'hld/*:*', status: 'disabled' });
    const event = pushEvent('hld/app', 'v1');
    await ingest(svc, event);
    const [item] = await listed(svc, 'oncehld01', event.id);
    const [row] = await rowsOf('oncehld01', event.id);
    const { partitionKey: _pk, rowKey: _rk, etag: _etag, timestamp: _timestamp, record, ...own } = row!;
    expect(own).toEqual({ eventId: event.id, state: 'held', createdAt: expect.any(String) });
    expect(JSON.parse(record as string)).toEqual([2, `${rx.url}/oncehld01`, 'acr', null, null, null, null, null, null, HELD_REASON]);
    expect(item).toEqual({
      id: event.id,
      eventRequestMessage: { content: event, headers: {}, method: 'POST', requestUri: `${rx.url}/oncehld01`, version: '1.1' },
      eventResponseMessage: { content: '', headers: {}, reasonPhrase: '', version: '1.1' },
      delivery: {
        state: 'held',
        action: 'push',
        image: 'hld/app:v1',
        attempts: 0,
        lastError: HELD_REASON,
        createdAt: own['createdAt'],
        updatedAt: own['createdAt'],
      },
    });
  });

  it('a retry reads its row back and sends the same bytes, with a signature that verifies', async () => {
    await createHook(svc, 'onceretry', { scope: 'retry/*:*' });
    rx.script.push({ status: 503, body: 'busy' });
    const event = pushEvent('retry/app', 'v1');
    await ingest(svc, event);
    const [one, two] = await received('onceretry', event.id, 2);
    expect(two!.body).toBe(one!.body);
    expect(JSON.parse(two!.body)).toEqual(event);
    const secret = await secretOf('onceretry');
    expect(new Webhook(secret).verify(two!.body, headersOf(two!))).toEqual(event);
    const [item] = await listed(svc, 'onceretry', event.id, final);
    expect(item!.delivery).toMatchObject({ state: 'succeeded', attempts: 2 });
    expect(JSON.stringify(item!.eventRequestMessage.content)).toBe(two!.body);
    expect((await rowsOf('onceretry', event.id)).map(fieldsOf)).toEqual([expect.not.objectContaining({ body: expect.anything() })]);
  });

  it('a redelivery sends the same bytes again; its own row keeps its body (it may outlive the event row)', async () => {
    const event = pushEvent('team/web', 'v2');
    await ingest(svc, event);
    const [sent] = await received('oncece001', event.id);
    const res = await api(svc, `/registries/${REGISTRY}/webhooks/oncece001/events/${event.id}/redeliver`, { method: 'POST' });
    expect(res.status).toBe(200);
    const [, again] = await received('oncece001', event.id, 2);
    expect(again!.body).toBe(sent!.body);
    expect(again!.headers['content-type']).toBe('application/cloudevents+json');
    expect(new Webhook(await secretOf('oncece001')).verify(again!.body, headersOf(again!))).toEqual(JSON.parse(sent!.body));
    const rows = await rowsOf('oncece001', event.id);
    expect(rows.map((r) => fieldsOf(r)['body'] ?? 'rendered from the event row')).toEqual([sent!.body, 'rendered from the event row']);
    const items = await listed(svc, 'oncece001', event.id, (i) => i.length === 2 && final(i));
    expect(items.map((i) => JSON.stringify(i.eventRequestMessage.content))).toEqual([sent!.body, sent!.body]);
  });

  it('a ping keeps its body in its row and lists it', async () => {
    const res = await api(svc, `/registries/${REGISTRY}/webhooks/onceslk01/ping`, { method: 'POST' });
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    const [request] = await received('onceslk01', id);
    const [item] = await listed(svc, 'onceslk01', id);
    expect(JSON.stringify(item!.eventRequestMessage.content)).toBe(request!.body);
    expect(item!.delivery).toMatchObject({ action: 'ping' });
    const fields = fieldsOf((await rowsOf('onceslk01', id))[0]);
    expect(fields).toMatchObject({ body: request!.body, action: 'ping' });
    expect(fields).not.toHaveProperty('bodyFrom');
  });

  it('a coalesced index push keeps its body (its platforms are not in the event row); a perManifest webhook beside it renders from the event', async () => {
    await createHook(svc, 'oncemulti', { multiArch: 'coalesced', payloadFormat: 'teams', scope: 'multi/*:*' });
    await createHook(svc, 'onceplain', { scope: 'multi/*:*' });
    const index = {
      ...pushEvent('multi/app', 'v1'),
      target: {
        mediaType: 'application/vnd.oci.image.index.v1+json',
        size: 700,
        digest: DIGEST('d'),
        length: 700,
        repository: 'multi/app',
        tag: 'v1',
        platforms: [{ digest: DIGEST('e'), os: 'linux', architecture: 'amd64' }],
      },
    };
    await ingest(svc, index);
    for (const name of ['oncemulti', 'onceplain']) {
      const [request] = await received(name, index.id);
      const [item] = await listed(svc, name, index.id, final);
      expect(JSON.stringify(item!.eventRequestMessage.content)).toBe(request!.body);
      const fields = fieldsOf((await rowsOf(name, index.id))[0]);
      if (name === 'oncemulti') expect(fields).toMatchObject({ body: request!.body, image: 'multi/app:v1' });
      else expect(fields).not.toHaveProperty('body');
    }
    expect(JSON.stringify((await received('oncemulti', index.id))[0]!.body)).toContain('linux/amd64');
  });

  it('a row written in the previous layout (its body in the row) lists, redelivers and recovers as before', async () => {
    await createHook(svc, 'onceold01', { scope: 'old/*:*' });
    const event = pushEvent('old/app', 'v1');
    const receivedMs = Date.now() - 60_000;
    const receivedAt = new Date(receivedMs).toISOString();
    // A body the event row would not render (its keys in another order): what is listed and sent must be the row's.
    const body = JSON.stringify({
      action: event.action,
      id: event.id,
      timestamp: event.timestamp,
      target: event.target,
      request: event.request,
    });
    const partitionKey = await writeEventRow(event, receivedAt);
    // As the previous version's toDeliveryEntity wrote it: every property, the empty ones as null.
    await events.upsertEntity(
      {
        partitionKey,
        rowKey: Rows.delivery('onceold01', receivedMs, event.id),
        webhook: 'onceold01',
        eventId: event.id,
        action: 'push',
        image: 'old/app:v1',
        body,
        contentType: null,
        requestHeaders: JSON.stringify({
          'content-type': 'application/json',
          'user-agent': 'AzureContainerRegistry/1.0 registry-webhooks/0.1',
        }),
        requestUri: `${rx.url}/onceold01`,
        state: 'failed',
        attempts: 3,
        nextAttemptAt: null,
        lastError: 'HTTP 503 Service Unavailable',
        responseStatus: 503,
        responseReason: 'Service Unavailable',
        responseHeaders: JSON.stringify({ 'content-type': 'text/plain' }),
        responseBody: 'busy',
        durationMs: 12,
        queuedMs: null,
        waiting: null,
        createdAt: receivedAt,
        updatedAt: receivedAt,
      },
      'Replace',
    );
    // Listed whole, as before.
    const [item] = await listed(svc, 'onceold01', event.id);
    expect(item).toEqual({
      id: event.id,
      eventRequestMessage: {
        content: JSON.parse(body),
        headers: { 'content-type': 'application/json', 'user-agent': 'AzureContainerRegistry/1.0 registry-webhooks/0.1' },
        method: 'POST',
        requestUri: `${rx.url}/onceold01`,
        version: '1.1',
      },
      eventResponseMessage: {
        content: 'busy',
        headers: { 'content-type': 'text/plain' },
        reasonPhrase: 'Service Unavailable',
        statusCode: '503',
        version: '1.1',
      },
      delivery: {
        state: 'failed',
        action: 'push',
        image: 'old/app:v1',
        attempts: 3,
        lastError: 'HTTP 503 Service Unavailable',
        durationMs: 12,
        createdAt: receivedAt,
        updatedAt: receivedAt,
      },
    });
    expect(JSON.stringify(item!.eventRequestMessage.content)).toBe(body);
    const secret = await secretOf('onceold01');

    // Redelivered: the row's bytes, signed; the new row keeps them too.
    const redelivered = await api(svc, `/registries/${REGISTRY}/webhooks/onceold01/events/${event.id}/redeliver`, { method: 'POST' });
    expect(redelivered.status).toBe(200);
    const [again] = await received('onceold01', event.id);
    expect(again!.body).toBe(body);
    expect(new Webhook(secret).verify(again!.body, headersOf(again!))).toEqual(JSON.parse(body));

    // Recovered: the same row back to pending, sent by the delivery worker with the row's bytes, which its new record keeps.
    const recovered = await api(svc, `/registries/${REGISTRY}/webhooks/onceold01/recover`, {
      method: 'POST',
      json: { since: new Date(receivedMs - 1000).toISOString() },
    });
    expect(recovered.status).toBe(200);
    expect(await recovered.json()).toEqual({ redelivered: 1 });
    const [, third] = await received('onceold01', event.id, 2);
    expect(third!.body).toBe(body);
    expect(new Webhook(secret).verify(third!.body, headersOf(third!))).toEqual(JSON.parse(body));
    const items = await listed(svc, 'onceold01', event.id, (i) => i.length === 2 && final(i));
    expect(items.map((i) => [JSON.stringify(i.eventRequestMessage.content), i.delivery.state, i.delivery.attempts])).toEqual([
      [body, 'succeeded', 1],
      [body, 'succeeded', 1],
    ]);
    // Both rows written since (the redelivery's, and the recovered one's, rewritten whole): the current layout, with the body.
    const rows = await rowsOf('onceold01', event.id);
    expect(rows.map((r) => typeof r['record'])).toEqual(['string', 'string']);
    expect(rows.map((r) => fieldsOf(r)).map((f) => [f['body'], f['action'], f['image'], f['bodyFrom']])).toEqual([
      [body, 'push', 'old/app:v1', undefined],
      [body, 'push', 'old/app:v1', undefined],
    ]);
  });

  it('a row of the layout before (each field a property, `bodyFrom` instead of the body) lists and recovers as before', async () => {
    await createHook(svc, 'oncebf001', { payloadFormat: 'cloudevents', scope: 'bf/*:*' });
    const event = pushEvent('bf/app', 'v1');
    const receivedMs = Date.now() - 60_000;
    const receivedAt = new Date(receivedMs).toISOString();
    const partitionKey = await writeEventRow(event, receivedAt);
    const bodyFrom = {
      format: 'cloudevents',
      webhook: {
        registryName: REGISTRY,
        subscriptionId: svc.config.defaultSubscriptionId,
        resourceGroup: svc.config.defaultResourceGroup,
        location: 'westeurope',
      },
    };
    // As the previous toDeliveryEntity wrote it: each field a property, no body, action or image, the empty ones left out.
    await events.createEntity({
      partitionKey,
      rowKey: Rows.delivery('oncebf001', receivedMs, event.id),
      webhook: 'oncebf001',
      eventId: event.id,
      bodyFrom: JSON.stringify(bodyFrom),
      contentType: 'application/cloudevents+json',
      requestHeaders: JSON.stringify({ 'content-type': 'application/cloudevents+json', 'user-agent': USER_AGENT }),
      requestUri: `${rx.url}/oncebf001`,
      state: 'failed',
      attempts: 3,
      lastError: 'HTTP 503 Service Unavailable',
      responseStatus: 503,
      responseReason: 'Service Unavailable',
      responseHeaders: JSON.stringify({ 'content-type': 'text/plain' }),
      responseBody: 'busy',
      durationMs: 12,
      createdAt: receivedAt,
      updatedAt: receivedAt,
    });
    const [before] = await listed(svc, 'oncebf001', event.id);
    expect(before).toMatchObject({
      eventRequestMessage: {
        content: { specversion: '1.0', id: event.id, type: 'Microsoft.ContainerRegistry.ImagePushed', subject: 'bf/app:v1' },
        headers: { 'content-type': 'application/cloudevents+json', 'user-agent': USER_AGENT },
      },
      eventResponseMessage: { content: 'busy', statusCode: '503' },
      delivery: { state: 'failed', action: 'push', image: 'bf/app:v1', attempts: 3, lastError: 'HTTP 503 Service Unavailable' },
    });

    // Recovered: sent by the delivery worker with the bytes listed, then rewritten whole in the current layout, still without its body.
    const recovered = await api(svc, `/registries/${REGISTRY}/webhooks/oncebf001/recover`, {
      method: 'POST',
      json: { since: new Date(receivedMs - 1000).toISOString() },
    });
    expect(await recovered.json()).toEqual({ redelivered: 1 });
    const [sent] = await received('oncebf001', event.id);
    expect(sent!.body).toBe(JSON.stringify(before!.eventRequestMessage.content));
    expect(new Webhook(await secretOf('oncebf001')).verify(sent!.body, headersOf(sent!))).toMatchObject({ id: event.id });
    const [after] = await listed(svc, 'oncebf001', event.id, final);
    expect(after!.delivery).toMatchObject({ state: 'succeeded', attempts: 1 });
    expect(JSON.stringify(after!.eventRequestMessage.content)).toBe(sent!.body);
    const [row] = await rowsOf('oncebf001', event.id);
    expect(typeof row!['record']).toBe('string');
    expect(fieldsOf(row)).toMatchObject({ bodyFrom, state: 'succeeded' });
    expect(fieldsOf(row)).not.toHaveProperty('body');
  });

  it('a row of the layout before the compact record (`record` with every field under its own name, the headers whole) lists and recovers as before', async () => {
    await createHook(svc, 'oncerec01', { scope: 'rec/*:*', customHeaders: { 'X-Key': 'secret' } });
    const event = pushEvent('rec/app', 'v1');
    const receivedMs = Date.now() - 60_000;
    const receivedAt = new Date(receivedMs).toISOString();
    const partitionKey = await writeEventRow(event, receivedAt);
    // As the previous toDeliveryEntity wrote it, headers of an older User-Agent included (a template would not rebuild them).
    const requestHeaders = {
      'content-type': 'application/json',
      'user-agent': 'AzureContainerRegistry/1.0 registry-webhooks/0.0',
      'webhook-id': event.id,
      'webhook-timestamp': '1796200000',
      'webhook-signature': '***',
      'x-key': '***',
    };
    const record = {
      webhook: 'oncerec01',
      bodyFrom: { format: 'acr' },
      requestHeaders,
      requestUri: `${rx.url}/oncerec01`,
      lastError: 'HTTP 502 Bad Gateway',
      responseStatus: 502,
      responseReason: 'Bad Gateway',
      responseHeaders: { 'content-type': 'text/plain', 'x-request-id': 'r-1' },
      durationMs: 7,
      queuedMs: 3,
    };
    await events.createEntity({
      partitionKey,
      rowKey: Rows.delivery('oncerec01', receivedMs, event.id),
      eventId: event.id,
      state: 'failed',
      attempts: 2,
      createdAt: receivedAt,
      updatedAt: receivedAt,
      responseBody: 'bad gateway',
      record: JSON.stringify(record),
    });
    const [before] = await listed(svc, 'oncerec01', event.id);
    expect(before).toEqual({
      id: event.id,
      eventRequestMessage: { content: event, headers: requestHeaders, method: 'POST', requestUri: `${rx.url}/oncerec01`, version: '1.1' },
      eventResponseMessage: {
        content: 'bad gateway',
        headers: { 'content-type': 'text/plain', 'x-request-id': 'r-1' },
        reasonPhrase: 'Bad Gateway',
        statusCode: '502',
        version: '1.1',
      },
      delivery: {
        state: 'failed',
        action: 'push',
        image: 'rec/app:v1',
        attempts: 2,
        lastError: 'HTTP 502 Bad Gateway',
        durationMs: 7,
        queuedMs: 3,
        createdAt: receivedAt,
        updatedAt: receivedAt,
      },
    });
    expect(Object.keys(before!.eventRequestMessage.headers)).toEqual(Object.keys(requestHeaders));

    // Recovered: sent again, then rewritten whole in the compact layout, its headers those of this attempt.
    const recovered = await api(svc, `/registries/${REGISTRY}/webhooks/oncerec01/recover`, {
      method: 'POST',
      json: { since: new Date(receivedMs - 1000).toISOString() },
    });
    expect(await recovered.json()).toEqual({ redelivered: 1 });
    const [sent] = await received('oncerec01', event.id);
    expect(sent!.body).toBe(JSON.stringify(event));
    const [after] = await listed(svc, 'oncerec01', event.id, final);
    expect(after!.delivery).toMatchObject({ state: 'succeeded', attempts: 1 });
    expect(after!.eventRequestMessage.headers).toEqual({
      ...requestHeaders,
      'user-agent': USER_AGENT,
      'webhook-timestamp': sent!.headers['webhook-timestamp'],
    });
    const [row] = await rowsOf('oncerec01', event.id);
    expect((JSON.parse(row!['record'] as string) as unknown[]).slice(0, 4)).toEqual([
      2,
      `${rx.url}/oncerec01`,
      'acr',
      [1, Number(sent!.headers['webhook-timestamp']), 'x-key'],
    ]);
  });

  it('a delivery whose event row is gone reads as gone (retention removes the event row after its deliveries)', async () => {
    const event = pushEvent('team/gone', 'v1');
    await ingest(svc, event);
    await listed(svc, 'onceacr01', event.id, final);
    await events.deleteEntity(Partitions.event(REGISTRY, event.id), Rows.event(event.id));
    expect(await svc.deps.deliveries.latestDelivery(REGISTRY, 'onceacr01', event.id)).toBeUndefined();
    const res = await api(svc, `/registries/${REGISTRY}/webhooks/onceacr01/listEvents?$top=1000`, { method: 'POST' });
    expect(((await res.json()) as { value: Listed[] }).value.map((i) => i.id)).not.toContain(event.id);
  });

  it('retention keeps an event row an hour past its deliveries', async () => {
    const event = pushEvent('team/kept', 'v1');
    await ingest(svc, event);
    await listed(svc, 'onceacr01', event.id, final);
    const kinds = async () => {
      const pk = Partitions.event(REGISTRY, event.id);
      const found: string[] = [];
      for await (const e of events.listEntities({ queryOptions: { filter: `PartitionKey eq '${pk}'` } }))
        if (e.rowKey?.endsWith(`|${event.id}`)) found.push(e.rowKey.slice(0, 3));
      return [...new Set(found)].sort();
    };
    expect(await kinds()).toEqual(['del', 'evt']);
    // A minute past the retention: the deliveries go, the event row stays.
    await purgeHistory(svc.deps, new Date(Date.now() + svc.config.eventRetentionDays * 86_400_000 + 60_000));
    expect(await kinds()).toEqual(['evt']);
    // Two hours past it: the event row goes too.
    await purgeHistory(svc.deps, new Date(Date.now() + svc.config.eventRetentionDays * 86_400_000 + 7_200_000));
    expect(await kinds()).toEqual([]);
  });
});

describe('rows a later version wrote (after a rollback)', () => {
  it('leaves them out of listEvents with a warning, refuses to redeliver one (409), sets one a delivery message names aside as a dead letter while the others in it are sent, and writes no record over them', async () => {
    await createHook(svc, 'laterhk01', {});
    const event = pushEvent('later/app', 'v1');
    await ingest(svc, event);
    await received('laterhk01', event.id);
    await listed(svc, 'laterhk01', event.id, final);
    // A delivery row as a later version might write it: a compact record of a version this one does not know.
    const laterId = randomUUID();
    const receivedMs = Date.now();
    const partitionKey = Partitions.event(REGISTRY, laterId);
    const rowKey = Rows.delivery('laterhk01', receivedMs, laterId);
    await events.createEntity({
      partitionKey,
      rowKey,
      eventId: laterId,
      state: 'pending',
      attempts: 1,
      createdAt: new Date(receivedMs).toISOString(),
      record: '[3,{"a field":"of a later version"}]',
    });
    const { etag } = await events.getEntity(partitionKey, rowKey);

    const res = await api(svc, `/registries/${REGISTRY}/webhooks/laterhk01/listEvents`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { value: Listed[] }).value.map((i) => i.id)).toEqual([event.id]);
    expect(svc.logs.filter((l) => l.includes("listEvents left out 1 of the page's deliveries of webhook laterhk01"))).toHaveLength(1);

    // Redeliver says why it cannot (not a 404: the delivery is there), and sends nothing.
    const redeliver = await api(svc, `/registries/${REGISTRY}/webhooks/laterhk01/events/${laterId}/redeliver`, { method: 'POST' });
    expect(redeliver.status).toBe(409);
    expect(await redeliver.json()).toEqual({
      error: { code: 'Conflict', message: expect.stringContaining('recorded by a version of this service that this one does not read') },
    });

    // A delivery message naming that row and a pending delivery this version reads: the pending one is sent
    // and recorded, the other set aside to the poison queue at once (its dead letter), not retried with it.
    const goodId = randomUUID();
    const good = deliveryRecordOf(
      { name: 'laterhk01', serviceUri: `${rx.url}/laterhk01` },
      { eventId: goodId, action: 'push', image: 'later/app:v2' },
      { body: JSON.stringify({ id: goodId }), contentType: 'application/json' },
      receivedMs + 1,
      new Date().toISOString(),
    );
    await svc.deps.deliveries.putDelivery(REGISTRY, good);
    const { QueueClient } = await import('@azure/storage-queue');
    const message = {
      v: 2,
      type: 'deliveries',
      registry: REGISTRY,
      items: [
        { webhook: 'laterhk01', eventId: laterId, receivedMs, attempt: 2 },
        { webhook: 'laterhk01', eventId: goodId, receivedMs: good.receivedMs, attempt: 1 },
      ],
    };
    await new QueueClient(svc.azurite.connectionString, 'webhook-deliveries').sendMessage(
      Buffer.from(JSON.stringify(message)).toString('base64'),
    );
    await received('laterhk01', goodId);
    const dead = await eventually(async () => {
      const body = (await (await api(svc, '/deadletters')).json()) as { value: { queue: string; reason: string; message: unknown }[] };
      return body.value.find((d) => JSON.stringify(d.message).includes(laterId));
    });
    expect(dead.queue).toBe('webhook-deliveries');
    expect(dead.reason).toContain(`a layout this version does not read (written by a later version, or damaged): ${rowKey}`);
    expect(JSON.stringify(dead.message)).not.toContain(goodId);
    const recorded = await eventually(async () => {
      const d = await svc.deps.deliveries.getDelivery({
        registry: REGISTRY,
        webhook: 'laterhk01',
        eventId: goodId,
        receivedMs: good.receivedMs,
      });
      return d?.state === 'succeeded' ? d : undefined;
    });
    expect(recorded.attempts).toBe(1);
    expect((await events.getEntity(partitionKey, rowKey)).etag).toBe(etag);
    expect(rx.forPath('/laterhk01').map((r) => r.headers['webhook-id'])).toEqual([event.id, goodId]);
  });
});

describe('an event body stored once, when the queue trigger fans out', () => {
  it('a fan-out taken over from a dispatcher that died renders from the event row too, the same bytes', async () => {
    const other = await startService({ FANOUT_LEASE_SECONDS: '2' });
    try {
      // This process commits batches but never dispatches them: as if it died after the 202.
      other.deps.ingestBatcher.onCommitted(() => undefined);
      await createHook(other, 'oncequeue', { payloadFormat: 'slack', scope: 'queue/*:*' });
      const event = pushEvent('queue/app', 'v1');
      await ingest(other, event);
      const [request] = await received('oncequeue', event.id);
      expect(other.logs.some((l) => l.includes(`event=${event.id}`) && l.includes('took over an expired claim'))).toBe(true);
      const [item] = await listed(other, 'oncequeue', event.id, final);
      expect(JSON.stringify(item!.eventRequestMessage.content)).toBe(request!.body);
      const otherEvents = createTableClient(other.config.storage, 'events');
      const [from, to] = Rows.deliveryRange('oncequeue');
      const pk = Partitions.event(REGISTRY, event.id);
      const rows: Record<string, unknown>[] = [];
      for await (const e of otherEvents.listEntities<Record<string, unknown>>({
        queryOptions: { filter: `PartitionKey eq '${pk}' and RowKey ge '${from}' and RowKey lt '${to}'` },
      }))
        rows.push(e);
      expect(rows).toHaveLength(1);
      expect(fieldsOf(rows[0])).not.toHaveProperty('body');
      expect(fieldsOf(rows[0])['bodyFrom']).toEqual({
        format: 'slack',
        webhook: {
          registryName: REGISTRY,
          subscriptionId: other.config.defaultSubscriptionId,
          resourceGroup: other.config.defaultResourceGroup,
          location: 'westeurope',
        },
      });
    } finally {
      await other.close();
    }
  });
});
