import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AzureKeyCredential, EventGridDeserializer, EventGridPublisherClient } from '@azure/eventgrid';
import { api, INGEST_KEY, root, startService, type TestService } from '../helpers/service.js';
import { eventually, startReceiver, type ReceivedRequest, type Receiver } from '../helpers/receiver.js';
import { drained } from '../helpers/drained.js';
import { connectionStringThrough, startStorageProxy, type StorageProxy } from '../helpers/storage-proxy.js';
import { startAzurite, type Azurite } from '../../local/azurite.js';

/*
 * Event Grid both ways, over real sockets. In: the exact requests Event Grid sends (validation event,
 * CloudEvents OPTIONS handshake, deliveries of ACR's system events) and `@azure/eventgrid`'s publisher
 * posting to the ingest URL. Out: the mirror publishing to a stand-in topic on 127.0.0.1, read back with
 * `@azure/eventgrid`'s deserializer.
 */
const fixture = <T>(name: string): T => JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'eventgrid', name), 'utf8')) as T;

interface EgEvent {
  id: string;
  eventType: string;
  subject: string;
  eventTime: string;
  topic: string;
  data: Record<string, unknown>;
  dataVersion: string;
  metadataVersion: string;
}
const acrEvents = fixture<EgEvent[]>('eventgrid-schema.json');
const cloudEvent = fixture<{ id: string; type: string; source: string; subject: string; data: Record<string, unknown> }>(
  'cloudevent-image-pushed.json',
);
const validation = fixture<EgEvent[]>('subscription-validation.json');

/** ACR's webhook payload for an Event Grid event's data: the same without `location`. */
const payloadOf = (data: Record<string, unknown>) => Object.fromEntries(Object.entries(data).filter(([k]) => k !== 'location'));
const fresh = (e: EgEvent): EgEvent => ({ ...e, id: randomUUID(), data: { ...e.data, id: randomUUID() } });

const STAND_IN_TOPIC = '/subscriptions/00000000-0000-0000-0000-00000000000a/resourceGroups/rg/providers/Microsoft.EventGrid/topics/mirror';
const TOPIC_KEY = 'stand-in-topic-key-0001';
const TEST_SETTINGS = {
  DELIVERY_RETRY_SCHEDULE: 'none',
  DELIVERY_INLINE_WAIT_SECONDS: '0.3',
  DELIVERY_TIMEOUT_SECONDS: '2',
  ALLOW_PRIVATE_TARGETS: 'true',
};

let plain: TestService; // no mirror configured
let egMirror: TestService;
let ceMirror: TestService;
let hooks: Receiver;
let topicEg: Receiver;
let topicCe: Receiver;

beforeAll(async () => {
  [hooks, topicEg, topicCe] = await Promise.all([startReceiver(), startReceiver(), startReceiver()]);
  const mirror = (topic: Receiver, schema: string) => ({
    ...TEST_SETTINGS,
    EVENTGRID_TOPIC_ENDPOINT: `${topic.url}/api/events`,
    EVENTGRID_TOPIC_KEY: TOPIC_KEY,
    EVENTGRID_SCHEMA: schema,
    EVENTGRID_RETRY_SCHEDULE: '1',
  });
  [plain, egMirror, ceMirror] = await Promise.all([
    startService(TEST_SETTINGS),
    startService(mirror(topicEg, 'EventGrid')),
    startService(mirror(topicCe, 'CloudEvent')),
  ]);
});
afterAll(async () => {
  await Promise.all([plain, egMirror, ceMirror].map((s) => s.close()));
  await Promise.all([hooks, topicEg, topicCe].map((r) => r.close()));
});

async function createHook(svc: TestService, registry: string, name: string, actions = ['push', 'delete', 'chart_push', 'chart_delete']) {
  const res = await api(svc, `/registries/${registry}/webhooks/${name}`, {
    method: 'PUT',
    json: { location: 'westus', properties: { serviceUri: `${hooks.url}/${name}`, actions } },
  });
  expect(res.status).toBe(201);
}

const ingestUrl = (svc: TestService, registry: string, key: string | null = INGEST_KEY) =>
  `${svc.url}/registries/${registry}/events${key ? `?code=${key}` : ''}`;

describe('in: Event Grid → ingest', () => {
  it("answers Event Grid's subscription validation event with its code, key in ?code=", async () => {
    const send = (key: string | null) =>
      fetch(ingestUrl(plain, 'egreg01', key), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'aeg-event-type': 'SubscriptionValidation' },
        body: JSON.stringify(validation),
      });
    let res = await send(INGEST_KEY);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' });
    res = await send(null);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: {
        code: 'AuthenticationFailed',
        message: "An ingest key is required: send it as the 'x-functions-key' header, 'Authorization: Bearer <key>' or '?code=<key>'.",
      },
    });
  });

  it('answers the CloudEvents OPTIONS handshake with the origin and any rate, and only with the key', async () => {
    const handshake = (key: string | null, origin?: string) =>
      fetch(ingestUrl(plain, 'egreg01', key), {
        method: 'OPTIONS',
        headers: {
          ...(origin ? { 'WebHook-Request-Origin': origin } : {}),
          'WebHook-Request-Rate': '120',
          'WebHook-Request-Callback': 'https://rp-eastus2.eventgrid.azure.net:553/eventsubscriptions/x/validate?id=1&token=t',
        },
      });
    let res = await handshake(INGEST_KEY, 'eventgrid.azure.net');
    expect(res.status).toBe(200);
    expect(res.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
    expect(res.headers.get('webhook-allowed-rate')).toBe('*');
    expect(res.headers.get('allow')).toBe('OPTIONS, POST');
    expect(await res.text()).toBe('');
    res = await handshake(null, 'eventgrid.azure.net');
    expect(res.status).toBe(401);
    expect(res.headers.get('webhook-allowed-origin')).toBeNull();
    res = await handshake(INGEST_KEY);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        code: 'InvalidRequestContent',
        message:
          'OPTIONS on this endpoint is the CloudEvents webhook validation handshake: send a WebHook-Request-Origin header (Event Grid sends eventgrid.azure.net).',
        target: 'WebHook-Request-Origin',
      },
    });
  });

  it("delivers ACR's payloads from an Event Grid delivery, ignores other event types and dedupes by data.id", async () => {
    await createHook(plain, 'egreg02', 'egall0001');
    const deleted = { ...acrEvents[0]!, id: randomUUID(), eventType: 'Microsoft.EventGrid.SubscriptionDeletedEvent', data: {} };
    const body = [...acrEvents, deleted];
    const post = () =>
      fetch(ingestUrl(plain, 'egreg02'), {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'aeg-event-type': 'Notification' },
        body: JSON.stringify(body),
      });
    let res = await post();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      accepted: [
        { index: 0, id: acrEvents[0]!.data['id'], action: 'push' },
        { index: 1, id: acrEvents[1]!.data['id'], action: 'delete' },
        { index: 2, id: acrEvents[2]!.data['id'], action: 'chart_push' },
        { index: 3, id: acrEvents[3]!.data['id'], action: 'chart_delete' },
      ],
      duplicates: [],
      ignored: [{ index: 4, id: deleted.id, reason: 'Microsoft.EventGrid.SubscriptionDeletedEvent events are not reported' }],
      rejected: [],
    });
    const got = await hooks.waitFor(4, 10_000, '/egall0001');
    expect(got.map((r) => JSON.parse(r.body) as unknown).sort(byId)).toEqual(acrEvents.map((e) => payloadOf(e.data)).sort(byId));
    // Event Grid redelivers when unsure: the same events are duplicates, not new deliveries.
    res = await post();
    expect(((await res.json()) as { duplicates: unknown[] }).duplicates).toHaveLength(4);
    // No topic configured: the mirror is a no-op and queues nothing.
    expect((await plain.deps.queues.mirror.peekMessages()).peekedMessageItems).toEqual([]);
  });

  it("takes what @azure/eventgrid's publisher sends, in both schemas, to the ingest URL with ?code=", async () => {
    await createHook(plain, 'egreg03', 'egsdk0001');
    // The client sends the credential as aeg-sas-key, which the ingest does not read: the key is in the URL.
    const credential = new AzureKeyCredential('not-the-ingest-key');
    const options = { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } };
    const eg = new EventGridPublisherClient(ingestUrl(plain, 'egreg03'), 'EventGrid', credential, options);
    const push = fresh(acrEvents[0]!);
    await eg.send([
      {
        id: push.id,
        eventType: push.eventType,
        subject: push.subject,
        eventTime: new Date(push.eventTime),
        dataVersion: '2.0',
        data: push.data,
      },
    ]);
    const ce = new EventGridPublisherClient(ingestUrl(plain, 'egreg03'), 'CloudEvent', credential, options);
    const cePush = { ...cloudEvent, id: randomUUID(), data: { ...cloudEvent.data, id: randomUUID() } };
    await ce.send([{ id: cePush.id, type: cePush.type, source: cePush.source, subject: cePush.subject, data: cePush.data }]);
    const got = await hooks.waitFor(2, 10_000, '/egsdk0001');
    expect(got.map((r) => JSON.parse(r.body) as unknown).sort(byId)).toEqual([payloadOf(push.data), payloadOf(cePush.data)].sort(byId));
    // The same ACR event posted directly in ACR's format is a duplicate: the id is data.id on both routes.
    const again = await api(plain, '/registries/egreg03/events', { method: 'POST', key: INGEST_KEY, json: payloadOf(push.data) });
    expect(await again.json()).toEqual({ accepted: [], duplicates: [{ index: 0, id: push.data['id'] }], ignored: [], rejected: [] });
  });
});

const byId = (a: unknown, b: unknown) => String((a as { id: string }).id).localeCompare(String((b as { id: string }).id));

function acrFormat(action: string, target: Record<string, unknown>) {
  return { id: randomUUID(), timestamp: '2026-11-27T10:00:00.000Z', action, target };
}
const DIGEST = `sha256:${'c'.repeat(64)}`;
const mirrorBatch = () => [
  acrFormat('push', {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    size: 525,
    digest: DIGEST,
    length: 525,
    repository: 'team/app',
    tag: 'v1',
  }),
  acrFormat('delete', { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: DIGEST, repository: 'team/app' }),
  acrFormat('chart_push', {
    mediaType: 'application/vnd.acr.helm.chart',
    size: 25265,
    digest: DIGEST,
    repository: 'helm/mychart',
    tag: 'mychart-1.0.0.tgz',
    name: 'mychart',
    version: '1.0.0',
  }),
  acrFormat('quarantine', { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: DIGEST, repository: 'team/app', tag: 'v1' }),
];
const registryArmId = (registry: string) =>
  `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/registry-webhooks/providers/Microsoft.ContainerRegistry/registries/${registry}`;
const TYPES: Record<string, string> = {
  push: 'Microsoft.ContainerRegistry.ImagePushed',
  delete: 'Microsoft.ContainerRegistry.ImageDeleted',
  chart_push: 'Microsoft.ContainerRegistry.ChartPushed',
};
const SUBJECTS = ['team/app:v1', 'team/app', 'mychart:1.0.0'];

/** What the Event Grid service adds to each event before delivering it: its topic and metadataVersion. */
function asDelivered(request: ReceivedRequest): string {
  const events = JSON.parse(request.body) as Record<string, unknown>[];
  return JSON.stringify(events.map((e) => ({ ...e, topic: STAND_IN_TOPIC, metadataVersion: '1' })));
}

describe('out: the Event Grid mirror', () => {
  it("publishes push, delete and chart events as ACR's own Event Grid events, in one request per batch", async () => {
    await createHook(egMirror, 'mirreg01', 'mirhook01', ['push']);
    const batch = mirrorBatch();
    const res = await api(egMirror, '/registries/mirreg01/events', { method: 'POST', key: INGEST_KEY, json: batch });
    expect(res.status).toBe(202);
    const [published] = await topicEg.waitFor(1);
    expect(published!.path).toBe('/api/events?api-version=2018-01-01');
    expect(published!.headers['aeg-sas-key']).toBe(TOPIC_KEY);
    expect(published!.headers['content-type']).toMatch(/^application\/json/);
    const events = await new EventGridDeserializer().deserializeEventGridEvents(asDelivered(published!));
    expect(events).toEqual(
      batch.slice(0, 3).map((e, i) => ({
        id: e.id,
        eventType: TYPES[e.action],
        subject: SUBJECTS[i],
        eventTime: new Date(e.timestamp),
        dataVersion: '2.0',
        data: { id: e.id, timestamp: e.timestamp, action: e.action, location: 'westus', target: e.target },
        topic: STAND_IN_TOPIC,
        metadataVersion: '1',
      })),
    );
    // The mirror message is gone (published, not retried) and so is the fan-out's: nothing more will go out.
    await drained(egMirror.azurite.connectionString);
    expect(topicEg.requests).toHaveLength(1); // quarantine is not mirrored, and nothing is sent twice
  });

  it('publishes CloudEvents with the registry as source when EVENTGRID_SCHEMA is CloudEvent', async () => {
    const batch = mirrorBatch();
    const res = await api(ceMirror, '/registries/mirreg02/events', { method: 'POST', key: INGEST_KEY, json: batch });
    expect(res.status).toBe(202);
    const [published] = await topicCe.waitFor(1);
    expect(published!.headers['content-type']).toMatch(/^application\/cloudevents-batch\+json/);
    const events = await new EventGridDeserializer().deserializeCloudEvents(published!.body);
    // No webhooks on this registry: no location to report, so data is exactly the ACR payload.
    expect(events).toEqual(
      batch.slice(0, 3).map((e, i) => ({
        id: e.id,
        type: TYPES[e.action],
        source: registryArmId('mirreg02'),
        subject: SUBJECTS[i],
        time: new Date(e.timestamp),
        datacontenttype: 'application/json',
        data: e,
        specversion: '1.0',
      })),
    );
  });

  it('keeps mirror events through a topic outage without delaying webhook deliveries', async () => {
    await createHook(egMirror, 'mirreg03', 'outage001', ['push']);
    const before = topicEg.requests.length;
    topicEg.script.push({ status: 503, body: 'down' }, { status: 503, body: 'down' });
    const [push] = mirrorBatch();
    const sentAt = Date.now();
    const res = await api(egMirror, '/registries/mirreg03/events', { method: 'POST', key: INGEST_KEY, json: push });
    expect(res.status).toBe(202);
    const [delivered] = await hooks.waitFor(1, 5_000, '/outage001');
    // On time: within the queue trigger's polling interval (host.json maxPollingInterval 2 s), whatever the topic does.
    expect(delivered!.at - sentAt).toBeLessThan(2_500);
    expect(JSON.parse(delivered!.body)).toEqual(push);
    const attempts = (await topicEg.waitFor(before + 3, 15_000)).slice(before);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(900); // EVENTGRID_RETRY_SCHEDULE=1
    // The webhook had its event before the topic took the mirror's: the outage held nothing back.
    expect(delivered!.at).toBeLessThan(attempts[2]!.at);
    for (const a of attempts) expect(a.body).toBe(attempts[0]!.body);
    const [event] = await new EventGridDeserializer().deserializeEventGridEvents(asDelivered(attempts[2]!));
    expect(event).toMatchObject({ id: push!.id, eventType: 'Microsoft.ContainerRegistry.ImagePushed', subject: 'team/app:v1' });
    expect(egMirror.logs.join('\n')).toMatch(/mirror: registry=mirreg03 events=1 .*publish failed \(503: .*\); retry 2 in 1s/);
    const published = `mirror: registry=mirreg03 events=1 ids=${push!.id} published after 2 failed attempts`;
    await eventually(
      () => Promise.resolve(egMirror.logs.some((l) => l.includes(published)) ? true : undefined),
      2_000,
      'the publish log line',
    );
  });

  it('moves a batch the topic refuses (400) to eventgrid-mirror-poison at once, with the reason', async () => {
    topicEg.script.push({ status: 400, body: '{"error":{"code":"BadRequest","message":"bad event"}}' });
    const [push] = mirrorBatch();
    const res = await api(egMirror, '/registries/mirreg04/events', { method: 'POST', key: INGEST_KEY, json: push });
    expect(res.status).toBe(202);
    // The mirror-poison trigger takes the message off the poison queue into the dead letters, reason and all.
    const dead = await eventually(async () => {
      const listed = (await (await api(egMirror, '/deadletters')).json()) as {
        value: { queue: string; reason: string; message: { registry?: string } }[];
      };
      return listed.value.find((d) => d.queue === 'eventgrid-mirror' && d.message.registry === 'mirreg04');
    });
    expect(dead.reason).toMatch(/^publish failed 1 times; last: 400: /);
    expect(dead.message).toEqual({
      v: 1,
      type: 'mirror',
      registry: 'mirreg04',
      failures: 0,
      since: expect.any(String),
      events: [push],
    });
  });
  it('publishes an index push once, with data.target.platforms read back from the registry; its children as ACR sends them', async () => {
    const registryStub = await startReceiver();
    const child = (c: string) => `sha256:${c.repeat(64)}`;
    const index = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: child('a'),
          size: 400,
          platform: { os: 'linux', architecture: 'amd64' },
        },
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: child('b'),
          size: 401,
          platform: { os: 'linux', architecture: 'arm64' },
        },
      ],
    };
    registryStub.answer = {
      status: 200,
      headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' },
      body: JSON.stringify(index),
    };
    const push = (digest: string, mediaType: string, tag?: string, url?: string) => ({
      id: randomUUID(),
      timestamp: '2026-11-29T00:00:00.000Z',
      action: 'push',
      target: { mediaType, size: 400, digest, length: 400, repository: 'team/multi', ...(tag ? { tag } : {}), ...(url ? { url } : {}) },
      request: { id: randomUUID(), host: 'myregistry.azurecr.io', method: 'PUT', useragent: 'buildkit' },
    });
    const indexDigest = child('f');
    const batch = [
      push(child('a'), 'application/vnd.oci.image.manifest.v1+json'),
      push(child('b'), 'application/vnd.oci.image.manifest.v1+json'),
      push(indexDigest, 'application/vnd.oci.image.index.v1+json', 'v1', `${registryStub.url}/v2/team/multi/manifests/${indexDigest}`),
    ];
    const before = topicCe.requests.length;
    const res = await api(ceMirror, '/registries/mirreg05/events', { method: 'POST', key: INGEST_KEY, json: batch });
    expect(res.status).toBe(202);
    const published = (await topicCe.waitFor(before + 1)).slice(before);
    const events = (await Promise.all(published.map((p) => new EventGridDeserializer().deserializeCloudEvents(p.body)))).flat();
    expect(events.map((e) => e.data)).toEqual([
      batch[0],
      batch[1],
      {
        ...batch[2],
        target: {
          mediaType: 'application/vnd.oci.image.index.v1+json',
          size: 400,
          digest: indexDigest,
          length: 400,
          repository: 'team/multi',
          tag: 'v1',
          platforms: index.manifests.map((m) => ({ digest: m.digest, mediaType: m.mediaType, size: m.size, ...m.platform })),
        },
      },
    ]);
    expect(registryStub.requests.map((r) => [r.method, r.path])).toEqual([['GET', `/v2/team/multi/manifests/${indexDigest}`]]);
    await registryStub.close();
  });
});

describe('out: a mirror message that cannot be sent', () => {
  let azurite: Azurite;
  let proxy: StorageProxy;
  let svc: TestService;
  let topic: Receiver;
  beforeAll(async () => {
    azurite = await startAzurite();
    proxy = await startStorageProxy(azurite.queueEndpoint);
    topic = await startReceiver();
    svc = await startService(
      {
        ...TEST_SETTINGS,
        AzureWebJobsStorage: connectionStringThrough(azurite, { queue: proxy.endpoint }),
        EVENTGRID_TOPIC_ENDPOINT: `${topic.url}/api/events`,
        EVENTGRID_TOPIC_KEY: TOPIC_KEY,
        EVENTGRID_SCHEMA: 'EventGrid',
        EVENTGRID_RETRY_SCHEDULE: '1',
      },
      azurite,
    );
  });
  afterAll(async () => {
    await svc.close();
    await proxy.close();
    await azurite.close();
    await topic.close();
  });

  it("answers 503 and keeps nothing of the batch, so the sender's retry is accepted, mirrored and delivered once", async () => {
    await createHook(svc, 'mirrfail1', 'mirrhook1', ['push']);
    const event = { id: randomUUID(), timestamp: new Date().toISOString(), action: 'push', target: { repository: 'app', tag: 'v1' } };
    proxy.intercept = (req) => req.method === 'POST' && (req.url ?? '').includes('/eventgrid-mirror/messages');
    const failed = await fetch(ingestUrl(svc, 'mirrfail1'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event),
    });
    proxy.intercept = undefined;
    expect(failed.status).toBe(503);
    expect(await svc.deps.claims.readClaim('mirrfail1', event.id)).toBeUndefined();

    const retried = await fetch(ingestUrl(svc, 'mirrfail1'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event),
    });
    expect(retried.status).toBe(202);
    expect(await retried.json()).toMatchObject({ accepted: [{ id: event.id }], duplicates: [] });
    const published = await eventually(
      () => {
        const ids = topic.requests.flatMap((r) => (JSON.parse(r.body) as { data: { id: string } }[]).map((e) => e.data.id));
        return Promise.resolve(ids.includes(event.id) ? ids : undefined);
      },
      15_000,
      'the event mirrored to the topic',
    );
    expect(published.filter((id) => id === event.id)).toHaveLength(1);
    await drained(svc.azurite.connectionString);
    expect(hooks.forPath('/mirrhook1').map((r) => (JSON.parse(r.body) as { id: string }).id)).toEqual([event.id]);
  });
});
