import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestError } from '@azure/core-rest-pipeline';
import { api, MANAGEMENT_KEY, startService, type TestService } from '../helpers/service.js';
import { SDK_SUBSCRIPTION, sdkClient } from '../helpers/sdk-client.js';
import { startReceiver } from '../helpers/receiver.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startService({ LIST_PAGE_SIZE: '2' });
});
afterAll(async () => svc.close());

const poll = { updateIntervalInMs: 10 };

describe('@azure/arm-containerregistry against the local host', () => {
  it('runs create, get, list, update, getCallbackConfig and delete unchanged', async () => {
    const client = sdkClient(svc.url, MANAGEMENT_KEY);
    const created = await client.webhooks.beginCreateAndWait(
      'sdk-rg',
      'sdkregistry',
      'sdkhook01',
      {
        location: 'westeurope',
        tags: { env: 'test' },
        serviceUri: 'https://receiver.example.com/hook',
        customHeaders: { 'X-Key': 'v1' },
        actions: ['push'],
        scope: 'app:*',
      },
      poll,
    );
    expect(created).toEqual({
      id: `/subscriptions/${SDK_SUBSCRIPTION}/resourceGroups/sdk-rg/providers/Microsoft.ContainerRegistry/registries/sdkregistry/webhooks/sdkhook01`,
      name: 'sdkhook01',
      type: 'Microsoft.ContainerRegistry/registries/webhooks',
      location: 'westeurope',
      tags: { env: 'test' },
      systemData: { createdAt: expect.any(Date), lastModifiedAt: expect.any(Date) },
      status: 'enabled',
      scope: 'app:*',
      actions: ['push'],
      provisioningState: 'Succeeded',
    });

    const got = await client.webhooks.get('sdk-rg', 'sdkregistry', 'sdkhook01');
    expect(got).toEqual(created);

    for (const n of ['sdkhook02', 'sdkhook03']) {
      const poller = await client.webhooks.beginCreate(
        'sdk-rg',
        'sdkregistry',
        n,
        { location: 'westeurope', serviceUri: 'https://r.example.com', actions: ['delete'] },
        poll,
      );
      await poller.pollUntilDone();
    }
    const names: string[] = [];
    for await (const w of client.webhooks.list('sdk-rg', 'sdkregistry')) names.push(w.name ?? '');
    expect(names).toEqual(['sdkhook01', 'sdkhook02', 'sdkhook03']); // three items over two pages (page size 2)

    const updated = await client.webhooks.beginUpdateAndWait(
      'sdk-rg',
      'sdkregistry',
      'sdkhook01',
      { status: 'disabled', customHeaders: { 'X-Key': 'v2' } },
      poll,
    );
    expect(updated).toMatchObject({ status: 'disabled', scope: 'app:*', actions: ['push'], tags: { env: 'test' } });

    const config = await client.webhooks.getCallbackConfig('sdk-rg', 'sdkregistry', 'sdkhook01');
    expect(config).toEqual({ serviceUri: 'https://receiver.example.com/hook', customHeaders: { 'X-Key': 'v2' } });

    await client.webhooks.beginDeleteAndWait('sdk-rg', 'sdkregistry', 'sdkhook01', poll);
    await expect(client.webhooks.get('sdk-rg', 'sdkregistry', 'sdkhook01')).rejects.toMatchObject({
      statusCode: 404,
      code: 'ResourceNotFound',
    });
    // Deleting what is not there is not an error for ARM clients.
    await client.webhooks.beginDeleteAndWait('sdk-rg', 'sdkregistry', 'sdkhook01', poll);
  });

  it('reads and updates a webhook that has a rateLimitPerSecond, leaving the limit as it was', async () => {
    // The SDK knows nothing of our extension: set through the REST API, it must survive the SDK's round trip.
    const path = `/subscriptions/${SDK_SUBSCRIPTION}/resourceGroups/sdk-rg/providers/Microsoft.ContainerRegistry/registries/sdkregistry/webhooks/sdkrate01?api-version=2025-11-01`;
    const put = await api(svc, path, {
      method: 'PUT',
      json: { location: 'westeurope', properties: { serviceUri: 'https://r.example.com/rate', actions: ['push'], rateLimitPerSecond: 40 } },
    });
    expect(put.status).toBe(201);
    const client = sdkClient(svc.url, MANAGEMENT_KEY);
    const got = await client.webhooks.get('sdk-rg', 'sdkregistry', 'sdkrate01');
    expect(got).toMatchObject({ name: 'sdkrate01', status: 'enabled', actions: ['push'], provisioningState: 'Succeeded' });
    const updated = await client.webhooks.beginUpdateAndWait(
      'sdk-rg',
      'sdkregistry',
      'sdkrate01',
      { status: 'disabled', scope: 'app:*' },
      poll,
    );
    expect(updated).toMatchObject({ status: 'disabled', scope: 'app:*', actions: ['push'] });
    // The SDK's PATCH sends only what it was given (no null for the fields it leaves out), so the limit stays.
    const after = (await (await api(svc, path)).json()) as { properties: Record<string, unknown> };
    expect(after.properties).toMatchObject({ status: 'disabled', scope: 'app:*', rateLimitPerSecond: 40 });
  });

  it('runs ping and listEvents (paged) unchanged', async () => {
    const rx = await startReceiver();
    try {
      const client = sdkClient(svc.url, MANAGEMENT_KEY);
      await client.webhooks.beginCreateAndWait(
        'sdk-rg',
        'sdkregistry',
        'sdkping01',
        { location: 'westeurope', serviceUri: `${rx.url}/hook`, actions: ['push'] },
        poll,
      );
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await client.webhooks.ping('sdk-rg', 'sdkregistry', 'sdkping01')).id ?? '');
      expect(ids.every((id) => /^[0-9a-f-]{36}$/.test(id))).toBe(true);
      const events = [];
      for await (const e of client.webhooks.listEvents('sdk-rg', 'sdkregistry', 'sdkping01')) events.push(e);
      expect(events.map((e) => e.id)).toEqual([...ids].reverse()); // newest first, across two pages
      expect(events[0]).toMatchObject({
        id: ids[2],
        eventRequestMessage: {
          content: { id: ids[2], action: 'ping', timestamp: expect.any(Date) },
          method: 'POST',
          requestUri: `${rx.url}/hook`,
          version: '1.1',
        },
        eventResponseMessage: { statusCode: '200', reasonPhrase: 'OK', content: 'ok', version: '1.1' },
      });
    } finally {
      await rx.close();
    }
  });

  it('surfaces ACR error codes and messages as RestError', async () => {
    const client = sdkClient(svc.url, MANAGEMENT_KEY);
    const err = (await client.webhooks
      .beginCreateAndWait(
        'sdk-rg',
        'sdkregistry',
        'badhook01',
        { location: 'westeurope', serviceUri: 'not a url', actions: ['push'] },
        poll,
      )
      .catch((e: unknown) => e)) as RestError;
    expect(err.statusCode).toBe(400);
    expect(err.code).toBe('InvalidParameter');
    expect(err.message).toContain('serviceUri must be an absolute http or https URL');
  });

  it('is refused with a wrong key', async () => {
    const client = sdkClient(svc.url, 'not-the-key-not-the-key');
    await expect(client.webhooks.get('sdk-rg', 'sdkregistry', 'sdkhook02')).rejects.toMatchObject({
      statusCode: 401,
      code: 'AuthenticationFailed',
    });
  });
});
