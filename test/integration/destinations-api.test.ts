import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startService, type TestService } from '../helpers/service.js';

/*
 * A destination's settings through the management API as Azure runs it (ALLOW_PRIVATE_TARGETS off): the
 * serviceUri must be the right Azure service's host for its endpoint type, connection strings must name
 * the same account or namespace, and none of it is echoed back in an error (connection strings are secrets).
 */
let svc: TestService;
beforeAll(async () => {
  svc = await startService({ ALLOW_PRIVATE_TARGETS: 'false' });
});
afterAll(async () => svc?.close());

const KEY = 'c2hoLXRoaXMtaXMtYS1zZWNyZXQta2V5LXZhbHVlLTEyMw==';
const SB = `Endpoint=sb://contoso-bus.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=${KEY}`;

async function put(name: string, properties: Record<string, unknown>): Promise<Response> {
  return api(svc, `/registries/destreg01/webhooks/${name}`, {
    method: 'PUT',
    json: { location: 'westus', properties: { actions: ['push'], ...properties } },
  });
}

describe('endpointType and serviceUri', () => {
  it.each([
    ['StorageQueue', 'https://contoso.queue.core.windows.net/registry-events'],
    ['StorageQueue', 'https://contoso.queue.core.chinacloudapi.cn/registry-events'],
    ['StorageQueue', 'https://contoso.z12.queue.storage.azure.net/registry-events'],
    ['ServiceBusQueue', 'https://contoso-bus.servicebus.windows.net/orders'],
    ['ServiceBusTopic', 'https://contoso-bus.servicebus.usgovcloudapi.net/registry'],
    ['EventHub', 'https://contoso-bus.servicebus.windows.net/registry-hub'],
  ])('accepts a %s at %s', async (endpointType, serviceUri) => {
    const res = await put('okhook001', { endpointType, serviceUri });
    expect(res.status).toBeLessThan(300);
    expect(((await res.json()) as { properties: { endpointType: string } }).properties.endpointType).toBe(endpointType);
  });

  it.each([
    [
      'StorageQueue',
      'https://contoso-bus.servicebus.windows.net/orders',
      "A StorageQueue serviceUri must be https://{account}.queue.core.windows.net/{queue} (or another Azure cloud's suffix).",
    ],
    [
      'StorageQueue',
      'https://contoso.blob.core.windows.net/registry-events',
      "A StorageQueue serviceUri must be https://{account}.queue.core.windows.net/{queue} (or another Azure cloud's suffix).",
    ],
    [
      'StorageQueue',
      'https://contoso.queue.core.windows.net.evil.example/registry-events',
      "A StorageQueue serviceUri must be https://{account}.queue.core.windows.net/{queue} (or another Azure cloud's suffix).",
    ],
    [
      'StorageQueue',
      'https://contoso.queue.core.windows.net/Bad_Name',
      'The queue name in serviceUri must be 3-63 lowercase letters, digits and single hyphens.',
    ],
    [
      'StorageQueue',
      'http://contoso.queue.core.windows.net/registry-events',
      "A StorageQueue serviceUri is the entity's https URL without credentials, query or fragment (http only where private targets are allowed).",
    ],
    [
      'StorageQueue',
      'https://contoso.queue.core.windows.net/registry-events?sv=2024&sig=abc',
      "A StorageQueue serviceUri is the entity's https URL without credentials, query or fragment (http only where private targets are allowed).",
    ],
    [
      'ServiceBusQueue',
      'https://contoso.queue.core.windows.net/orders',
      "A ServiceBusQueue serviceUri must be https://{namespace}.servicebus.windows.net/{queue} (or another Azure cloud's suffix).",
    ],
    [
      'ServiceBusTopic',
      'https://example.com/registry',
      "A ServiceBusTopic serviceUri must be https://{namespace}.servicebus.windows.net/{topic} (or another Azure cloud's suffix).",
    ],
    [
      'EventHub',
      'https://contoso-bus.servicebus.windows.net/hub/partitions/0',
      "The hub name in serviceUri must be one path segment of letters, digits, '.', '-' and '_'.",
    ],
  ])('refuses a %s at %s (400)', async (endpointType, serviceUri, message) => {
    const res = await put('badhook01', { endpointType, serviceUri });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: 'InvalidParameter', message, target: 'properties.serviceUri' } });
  });

  it('refuses the local forms (path-style storage, loopback) unless private targets are allowed', async () => {
    const res = await put('badhook02', { endpointType: 'StorageQueue', serviceUri: 'http://127.0.0.1:10001/devstoreaccount1/events' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        code: 'InvalidParameter',
        message:
          'The serviceUri is not allowed: 127.0.0.1 is a loopback address (set ALLOW_PRIVATE_TARGETS=true to allow private targets).',
        target: 'properties.serviceUri',
      },
    });
  });

  it('refuses an unknown endpointType with the list of types', async () => {
    const res = await put('badhook03', { endpointType: 'AzureFunction', serviceUri: 'https://example.com/hook' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string; target: string } }).error).toMatchObject({
      message: expect.stringContaining(
        'endpointType must be one of WebHook, StorageQueue, ServiceBusQueue, ServiceBusTopic, EventHub',
      ) as string,
      target: 'properties.endpointType',
    });
  });

  it("checks a PATCH against the webhook's type: a new type must come with a URI of its service", async () => {
    expect(
      (await put('patchhk01', { endpointType: 'StorageQueue', serviceUri: 'https://contoso.queue.core.windows.net/q-one' })).status,
    ).toBe(201);
    const wrong = await api(svc, '/registries/destreg01/webhooks/patchhk01', {
      method: 'PATCH',
      json: { properties: { endpointType: 'EventHub' } },
    });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: { target: string } }).error.target).toBe('properties.serviceUri');
    const right = await api(svc, '/registries/destreg01/webhooks/patchhk01', {
      method: 'PATCH',
      json: { properties: { endpointType: 'EventHub', serviceUri: 'https://contoso-bus.servicebus.windows.net/hub' } },
    });
    expect(right.status).toBe(200);
    // Back to ACR's behaviour.
    const back = await api(svc, '/registries/destreg01/webhooks/patchhk01', {
      method: 'PATCH',
      json: { properties: { endpointType: 'WebHook', serviceUri: 'https://example.com/hook' } },
    });
    expect(((await back.json()) as { properties: { endpointType: string } }).properties.endpointType).toBe('WebHook');
  });
});

describe('connectionString and queueMessageTimeToLiveSeconds', () => {
  it.each([
    [
      'ServiceBusQueue',
      'https://other-bus.servicebus.windows.net/orders',
      SB,
      "The connectionString's Endpoint is not the serviceUri's namespace.",
    ],
    [
      'ServiceBusQueue',
      'https://contoso-bus.servicebus.windows.net/orders',
      `${SB};EntityPath=invoices`,
      "The connectionString's EntityPath is not the serviceUri's queue.",
    ],
    [
      'EventHub',
      'https://contoso-bus.servicebus.windows.net/hub',
      `Endpoint=sb://contoso-bus.servicebus.windows.net/;SharedAccessKeyName=send`,
      'A connectionString needs SharedAccessKeyName and SharedAccessKey, or SharedAccessSignature.',
    ],
    [
      'EventHub',
      'https://contoso-bus.servicebus.windows.net/hub',
      `${SB};UseDevelopmentEmulator=true`,
      'UseDevelopmentEmulator=true is accepted only where private targets are allowed.',
    ],
    [
      'StorageQueue',
      'https://contoso.queue.core.windows.net/events',
      `DefaultEndpointsProtocol=https;AccountName=fabrikam;AccountKey=${KEY};EndpointSuffix=core.windows.net`,
      "The connectionString's AccountName is not the serviceUri's account.",
    ],
    [
      'StorageQueue',
      'https://contoso.queue.core.windows.net/events',
      'UseDevelopmentStorage=true',
      'UseDevelopmentStorage=true is accepted only where private targets are allowed.',
    ],
    ['WebHook', 'https://example.com/hook', SB, 'A WebHook takes no connectionString: put its credentials in customHeaders.'],
  ])(
    'refuses a %s connection string that does not fit (400), never quoting it',
    async (endpointType, serviceUri, connectionString, message) => {
      const res = await put('badconn01', { endpointType, serviceUri, connectionString });
      expect(res.status).toBe(400);
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({ error: { code: 'InvalidParameter', message, target: 'properties.connectionString' } });
      expect(text).not.toContain(KEY);
    },
  );

  it('accepts matching connection strings and keeps them write-only', async () => {
    const created = await put('connhook1', {
      endpointType: 'ServiceBusTopic',
      serviceUri: 'https://contoso-bus.servicebus.windows.net/registry',
      connectionString: `${SB};EntityPath=registry`,
      queueMessageTimeToLiveSeconds: 86400,
    });
    expect(created.status).toBe(201);
    const texts = [
      await created.text(),
      await (await api(svc, '/registries/destreg01/webhooks/connhook1')).text(),
      await (await api(svc, '/registries/destreg01/webhooks')).text(),
    ];
    for (const text of texts) expect(text).not.toContain(KEY);
    expect((JSON.parse(texts[1]!) as { properties: unknown }).properties).toEqual({
      status: 'enabled',
      scope: '',
      actions: ['push'],
      provisioningState: 'Succeeded',
      endpointType: 'ServiceBusTopic',
      queueMessageTimeToLiveSeconds: 86400,
      deliveryHealth: { consecutiveFailures: 0 },
    });
    const config = (await (await api(svc, '/registries/destreg01/webhooks/connhook1/getCallbackConfig', { method: 'POST' })).json()) as {
      connectionString: string;
    };
    expect(config.connectionString).toBe(`${SB};EntityPath=registry`);

    // '' removes it: the managed identity sends then.
    const cleared = await api(svc, '/registries/destreg01/webhooks/connhook1', {
      method: 'PATCH',
      json: { properties: { connectionString: '' } },
    });
    expect(cleared.status).toBe(200);
    const after = (await (
      await api(svc, '/registries/destreg01/webhooks/connhook1/getCallbackConfig', { method: 'POST' })
    ).json()) as object;
    expect(after).not.toHaveProperty('connectionString');
    expect(svc.logs.join('\n')).not.toContain(KEY);
  });

  it.each([
    [
      { endpointType: 'EventHub', serviceUri: 'https://contoso-bus.servicebus.windows.net/hub', queueMessageTimeToLiveSeconds: 60 },
      'queueMessageTimeToLiveSeconds applies to StorageQueue, ServiceBusQueue, ServiceBusTopic webhooks only.',
    ],
    [
      { serviceUri: 'https://example.com/hook', queueMessageTimeToLiveSeconds: 60 },
      'queueMessageTimeToLiveSeconds applies to StorageQueue, ServiceBusQueue, ServiceBusTopic webhooks only.',
    ],
  ])('refuses a TTL where no queue keeps the message (400)', async (properties, message) => {
    const res = await put('badttl001', properties);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        code: 'InvalidParameter',
        message: message.charAt(0).toUpperCase() + message.slice(1),
        target: 'properties.queueMessageTimeToLiveSeconds',
      },
    });
  });

  it.each([0, -2, 1.5, 2_147_483_648])('refuses queueMessageTimeToLiveSeconds %s', async (ttl) => {
    const res = await put('badttl002', {
      endpointType: 'StorageQueue',
      serviceUri: 'https://contoso.queue.core.windows.net/events',
      queueMessageTimeToLiveSeconds: ttl,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { target: string } }).error.target).toBe('properties.queueMessageTimeToLiveSeconds');
  });
});
