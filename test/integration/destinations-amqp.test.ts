import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, INGEST_KEY, startService, type TestService } from '../helpers/service.js';
import { drained } from '../helpers/drained.js';
import { deliveriesOf } from '../helpers/metric-sample.js';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';
import { startAmqpListener, type AmqpListener } from '../helpers/amqp-listener.js';

/*
 * Service Bus and Event Hubs through the official SDKs (@azure/service-bus, @azure/event-hubs) against an
 * AMQP listener on a real socket (test/helpers/amqp-listener.ts; `UseDevelopmentEmulator=true` makes the
 * SDKs use plain TCP): what the broker receives (message id, session, partition key, application
 * properties, body), a refused transfer retried on the webhook's schedule with the same message id, and
 * a missing entity or revoked rights a final failure with the broker's reason.
 */
let svc: TestService;
let rx: Receiver;
let broker: AmqpListener;
beforeAll(async () => {
  [rx, broker] = await Promise.all([startReceiver(), startAmqpListener()]);
  svc = await startService({ DELIVERY_RETRY_SCHEDULE: '1,1', DELIVERY_TIMEOUT_SECONDS: '2', HEALTH_WRITE_INTERVAL_SECONDS: '0' });
});
afterAll(async () => {
  await svc?.close();
  await broker?.close();
  await rx?.close();
});

interface Listed {
  id: string;
  eventRequestMessage: { headers: Record<string, string>; requestUri: string };
  eventResponseMessage: { content: string; reasonPhrase: string; statusCode?: string };
  delivery: { state: string; attempts: number; lastError?: string };
}

const hookPath = (registry: string, name: string) => `/registries/${registry}/webhooks/${name}`;
/** The entity's URL on the listener: any host is accepted where private targets are allowed. */
const entityUrl = (entity: string) => `http://127.0.0.1:${broker.port}/${entity}`;

async function createHook(registry: string, name: string, properties: Record<string, unknown>): Promise<void> {
  const res = await api(svc, hookPath(registry, name), {
    method: 'PUT',
    json: { location: 'westus', properties: { actions: ['push'], ...properties } },
  });
  expect(res.status).toBe(201);
}

let n = 0;
async function push(registry: string, repository: string, tag: string): Promise<string> {
  const id = `amqp-${++n}-${Date.now()}`;
  const event = {
    id,
    timestamp: new Date().toISOString(),
    action: 'push',
    target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 524, digest: `sha256:${'b'.repeat(64)}`, repository, tag },
  };
  const res = await api(svc, `/registries/${registry}/events`, { method: 'POST', key: INGEST_KEY, json: event });
  expect(res.status).toBe(202);
  return id;
}

async function listEvents(registry: string, name: string): Promise<Listed[]> {
  const res = await api(svc, `${hookPath(registry, name)}/listEvents`, { method: 'POST' });
  return ((await res.json()) as { value: Listed[] }).value;
}

const settled = (registry: string, name: string) =>
  eventually(
    async () => {
      const [latest] = await listEvents(registry, name);
      return latest && latest.delivery.state !== 'pending' ? latest : undefined;
    },
    20_000,
    `${name}'s delivery settled`,
  );

const forEntity = (entity: string) => broker.messages.filter((m) => m.address === entity);

describe('a ServiceBusQueue webhook', () => {
  it('sends the body as a message with MessageId, SessionId {registry}/{repository} and the headers as application properties; a refused transfer is retried with the same MessageId', async () => {
    await createHook('sbreg0001', 'httphook1', { serviceUri: `${rx.url}/sb1`, scope: 'app:*' });
    await createHook('sbreg0001', 'sbqueue01', {
      endpointType: 'ServiceBusQueue',
      serviceUri: entityUrl('orders'),
      connectionString: broker.connectionString(),
      customHeaders: { 'X-Team': 'platform' },
      scope: 'app:*',
    });
    broker.refuse.push({ condition: 'com.microsoft:server-busy', description: 'The server is busy. Please retry later.' });
    const id = await push('sbreg0001', 'app', 'v1');
    const [posted] = await rx.waitFor(1, 10_000, '/sb1');
    await eventually(
      () => Promise.resolve(forEntity('orders').length === 2 ? true : undefined),
      15_000,
      'the refused transfer and its retry',
    );
    const [refused, retried] = forEntity('orders');
    expect(refused!.accepted).toBe(false);
    expect(retried!.accepted).toBe(true);
    for (const m of [refused!, retried!]) {
      expect(m.messageId).toBe(id);
      expect(m.groupId).toBe('sbreg0001/app');
      expect(m.contentType).toBe('application/json');
      expect(m.body.toString('utf8')).toBe(posted!.body);
      expect(m.applicationProperties).toEqual({
        'webhook-id': id,
        'webhook-timestamp': expect.stringMatching(/^\d+$/) as string,
        'webhook-signature': expect.stringMatching(/^v1,[A-Za-z0-9+/]+=*$/) as string,
        'x-team': 'platform',
      });
    }
    // Signed as the HTTP webhook's POST is: the same Standard Webhooks scheme, with this webhook's secret.
    expect(posted!.headers['webhook-id']).toBe(id);

    const latest = await settled('sbreg0001', 'sbqueue01');
    expect(latest.delivery).toMatchObject({ state: 'succeeded', attempts: 2 });
    expect(latest.eventRequestMessage).toEqual({
      headers: {
        MessageId: id,
        SessionId: 'sbreg0001/app',
        ContentType: 'application/json',
        'webhook-id': id,
        'webhook-timestamp': expect.stringMatching(/^\d+$/) as string,
        'webhook-signature': '***',
        'x-team': '***',
      },
      requestUri: entityUrl('orders'),
      content: JSON.parse(posted!.body) as unknown,
      method: 'POST',
      version: '1.1',
    });
    expect(latest.eventResponseMessage).toMatchObject({ statusCode: '201', reasonPhrase: 'Created' });
  });

  it('carries a payload format as it is: a CloudEvent, with its content type, on a Service Bus queue (formats and destinations are independent)', async () => {
    await createHook('sbreg0003', 'sbcloud01', {
      endpointType: 'ServiceBusQueue',
      serviceUri: entityUrl('cloudevents'),
      connectionString: broker.connectionString(),
      payloadFormat: 'cloudevents',
    });
    const id = await push('sbreg0003', 'app', 'v2');
    const latest = await settled('sbreg0003', 'sbcloud01');
    expect(latest.delivery).toMatchObject({ state: 'succeeded', attempts: 1 });
    const [message] = forEntity('cloudevents');
    expect(message!.contentType).toBe('application/cloudevents+json');
    expect(JSON.parse(message!.body.toString('utf8'))).toMatchObject({
      specversion: '1.0',
      id,
      type: 'Microsoft.ContainerRegistry.ImagePushed',
      subject: 'app:v2',
      source: expect.stringMatching(/\/providers\/Microsoft\.ContainerRegistry\/registries\/sbreg0003$/) as string,
      data: { id, action: 'push', location: 'westus' },
    });
    expect(latest.eventRequestMessage.headers['ContentType']).toBe('application/cloudevents+json');
  });

  it('records the broker refusing the first try (ServiceBusy) with its reason while the retry is due', async () => {
    await createHook('sbreg0002', 'sbqueue02', {
      endpointType: 'ServiceBusQueue',
      serviceUri: entityUrl('busy'),
      connectionString: broker.connectionString(),
      queueMessageTimeToLiveSeconds: 3600,
    });
    broker.refuse.push({ condition: 'com.microsoft:server-busy', description: 'The server is busy. Please retry later.' });
    await push('sbreg0002', 'team/app', 'v1');
    const pending = await eventually(async () => {
      const [latest] = await listEvents('sbreg0002', 'sbqueue02');
      return latest?.delivery.attempts === 1 ? latest : undefined;
    });
    expect(pending.delivery).toMatchObject({
      state: 'pending',
      attempts: 1,
      lastError: 'HTTP 503 ServiceBusy: The server is busy. Please retry later.',
    });
    const done = await settled('sbreg0002', 'sbqueue02');
    expect(done.delivery).toMatchObject({ state: 'succeeded', attempts: 2 });
    expect(done.eventRequestMessage.headers).toMatchObject({ SessionId: 'sbreg0002/team/app', TimeToLive: '3600' });
    expect(forEntity('busy').map((m) => m.ttl)).toEqual([3_600_000, 3_600_000]);
  });

  it('fails for good, with the reason, when the entity does not exist or the key may not send', async () => {
    broker.missing.add('gone');
    await createHook('sbreg0003', 'sbmissing', {
      endpointType: 'ServiceBusQueue',
      serviceUri: entityUrl('gone'),
      connectionString: broker.connectionString(),
    });
    broker.refuseAlways.set('locked', {
      condition: 'amqp:unauthorized-access',
      description: "Unauthorized access. 'Send' claim(s) are required to perform this operation.",
    });
    await createHook('sbreg0003', 'sblocked1', {
      endpointType: 'ServiceBusTopic',
      serviceUri: entityUrl('locked'),
      connectionString: broker.connectionString(),
    });
    await push('sbreg0003', 'app', 'v1');
    const missing = await settled('sbreg0003', 'sbmissing');
    expect(missing.delivery).toMatchObject({
      state: 'failed',
      attempts: 1,
      lastError: "HTTP 404 MessagingEntityNotFound: The messaging entity 'sb://127.0.0.1/gone' could not be found.",
    });
    const locked = await settled('sbreg0003', 'sblocked1');
    expect(locked.delivery).toMatchObject({
      state: 'failed',
      attempts: 1,
      lastError: "HTTP 401 UnauthorizedAccess: Unauthorized access. 'Send' claim(s) are required to perform this operation.",
    });
    expect(locked.eventResponseMessage).toMatchObject({ statusCode: '401' });
    await drained(svc.azurite.connectionString);
    expect(forEntity('locked')).toHaveLength(1);
    // Its health counts the failure.
    const hook = (await (await api(svc, hookPath('sbreg0003', 'sblocked1'))).json()) as {
      properties: { endpointType: string; deliveryHealth: { consecutiveFailures: number } };
    };
    expect(hook.properties.endpointType).toBe('ServiceBusTopic');
    expect(hook.properties.deliveryHealth.consecutiveFailures).toBe(1);
  });

  it("gives up on a broker that does not answer within the delivery timeout (not the SDK's minute of retries) and tries again on the schedule", async () => {
    broker.silent.add('slow');
    await createHook('sbreg0005', 'sbslow001', {
      endpointType: 'ServiceBusQueue',
      serviceUri: entityUrl('slow'),
      connectionString: broker.connectionString(),
    });
    const id = await push('sbreg0005', 'app', 'v1');
    const first = await eventually(
      async () => {
        const [latest] = await listEvents('sbreg0005', 'sbslow001');
        return latest?.delivery.attempts === 1 ? latest : undefined;
      },
      10_000,
      'the first attempt timed out',
    );
    broker.silent.delete('slow');
    expect(first.delivery.state).toBe('pending');
    expect(first.delivery.lastError).toMatch(/^(no answer within 2 s|ServiceTimeout: .*)$/);
    expect((first.delivery as { durationMs?: number }).durationMs).toBeLessThan(4000);
    expect((await settled('sbreg0005', 'sbslow001')).delivery).toMatchObject({ state: 'succeeded', attempts: 2 });
    expect(forEntity('slow').map((m) => m.messageId)).toEqual([id, id]);
  });

  it('pings with a ping message, keyed by the registry', async () => {
    await createHook('sbreg0004', 'sbpinger1', {
      endpointType: 'ServiceBusQueue',
      serviceUri: entityUrl('pings'),
      connectionString: broker.connectionString('pings'),
    });
    const res = await api(svc, `${hookPath('sbreg0004', 'sbpinger1')}/ping`, { method: 'POST' });
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    const [ping] = forEntity('pings');
    expect(ping).toMatchObject({ messageId: id, groupId: 'sbreg0004', accepted: true });
    expect(JSON.parse(ping!.body.toString('utf8'))).toEqual({ id, timestamp: expect.any(String) as string, action: 'ping' });
  });
});

describe('an EventHub webhook', () => {
  it('sends the body as an event with partition key {registry}/{repository}, MessageId and the headers as properties', async () => {
    await createHook('ehreg0001', 'httphook2', { serviceUri: `${rx.url}/eh1`, scope: 'team/*:*' });
    await createHook('ehreg0001', 'ehhub0001', {
      endpointType: 'EventHub',
      serviceUri: entityUrl('registry-hub'),
      connectionString: broker.connectionString(),
      scope: 'team/*:*',
    });
    const id = await push('ehreg0001', 'team/web', 'v1');
    const [posted] = await rx.waitFor(1, 10_000, '/eh1');
    await eventually(() => Promise.resolve(forEntity('registry-hub').length === 1 ? true : undefined), 10_000, 'the event');
    const [event] = forEntity('registry-hub');
    expect(event).toMatchObject({ messageId: id, contentType: 'application/json', accepted: true });
    expect(event!.annotations['x-opt-partition-key']).toBe('ehreg0001/team/web');
    expect(event!.body.toString('utf8')).toBe(posted!.body);
    expect(Object.keys(event!.applicationProperties).sort()).toEqual(['webhook-id', 'webhook-signature', 'webhook-timestamp']);
    const latest = await settled('ehreg0001', 'ehhub0001');
    expect(latest.delivery).toMatchObject({ state: 'succeeded', attempts: 1 });
    expect(latest.eventRequestMessage.headers).toEqual({
      MessageId: id,
      PartitionKey: 'ehreg0001/team/web',
      ContentType: 'application/json',
      'webhook-id': id,
      'webhook-timestamp': expect.stringMatching(/^\d+$/) as string,
      'webhook-signature': '***',
    });
  });

  it('retries a refused batch with the same MessageId; a missing hub fails for good', async () => {
    await createHook('ehreg0002', 'ehhub0002', {
      endpointType: 'EventHub',
      serviceUri: entityUrl('busy-hub'),
      connectionString: broker.connectionString('busy-hub'),
    });
    broker.refuse.push({
      condition: 'com.microsoft:server-busy',
      description: 'The request was terminated because the namespace is being throttled.',
    });
    const id = await push('ehreg0002', 'app', 'v1');
    expect((await settled('ehreg0002', 'ehhub0002')).delivery).toMatchObject({ state: 'succeeded', attempts: 2 });
    expect(forEntity('busy-hub').map((m) => [m.messageId, m.accepted])).toEqual([
      [id, false],
      [id, true],
    ]);

    broker.missing.add('no-hub');
    await createHook('ehreg0003', 'ehhub0003', {
      endpointType: 'EventHub',
      serviceUri: entityUrl('no-hub'),
      connectionString: broker.connectionString(),
    });
    await push('ehreg0003', 'app', 'v1');
    const missing = await settled('ehreg0003', 'ehhub0003');
    expect(missing.delivery).toMatchObject({ state: 'failed', attempts: 1 });
    expect(missing.delivery.lastError).toMatch(/^HTTP 404 MessagingEntityNotFoundError: /);
  });
});

describe('metrics and secrets', () => {
  it('counts attempts by endpoint type', async () => {
    const text = await (await api(svc, '/metrics')).text();
    const count = (outcome: string, type: string) => deliveriesOf(text, outcome, type);
    expect(count('retrying', 'ServiceBusQueue')).toBe(3);
    expect(count('failed', 'ServiceBusQueue')).toBe(1);
    expect(count('failed', 'ServiceBusTopic')).toBe(1);
    expect(count('retrying', 'EventHub')).toBe(1);
    expect(count('succeeded', 'EventHub')).toBe(2);
  });

  it('never logs the shared access key', () => {
    const key = broker.connectionString().match(/SharedAccessKey=([^;]+)/)![1]!;
    expect(svc.logs.join('\n')).not.toContain(key);
    expect(svc.logs.some((l) => l.includes('delivery failed') && l.includes('MessagingEntityNotFound'))).toBe(true);
  });
});
