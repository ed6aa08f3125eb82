import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { QueueClient } from '@azure/storage-queue';
import { startAzurite, type Azurite } from '../../local/azurite.js';
import { loadFunctions } from '../../local/load-functions.js';
import { loadConfig } from '../../shared/config.js';
import { bindHttp, bindQueue } from '../../shared/runtime/bind.js';
import type { FunctionDeclaration } from '../../shared/runtime/declaration.js';
import { makeServices } from '../../shared/runtime/services.js';
import { onceUnlessFailed } from '../../shared/runtime/once-unless-failed.js';
import { MANAGEMENT_KEY, root } from '../helpers/service.js';

/*
 * A worker's first invocation builds its services (tables and queues created if missing). When storage
 * is down at that moment the invocation fails; the next one, with storage back, must build them again
 * and succeed, as under the Functions host (the same binders and the same source of services).
 */
let azurite: Azurite;
let declarations: readonly FunctionDeclaration[];
beforeAll(async () => {
  azurite = await startAzurite();
  declarations = await loadFunctions(join(root, 'functions'));
});
afterAll(async () => azurite.close());

function coldServices() {
  const config = loadConfig({
    AzureWebJobsStorage: azurite.connectionString,
    MANAGEMENT_KEYS: MANAGEMENT_KEY,
    INGEST_KEYS: 'i'.repeat(16),
  });
  let builds = 0;
  const source = onceUnlessFailed(() => {
    builds++;
    return makeServices(config);
  });
  return { source, builds: () => builds };
}

const declared = (name: string) => {
  const found = declarations.find((d) => (d.kind === 'http' ? d.routes.some((r) => r.name === name) : d.name === name));
  if (!found) throw new Error(`no function ${name}`);
  return found;
};

describe('storage down at a cold start', () => {
  it('an HTTP function answers 503 while storage is down and 200 on the next call once it is back', async () => {
    const decl = declared('webhooks-list-short');
    if (decl.kind !== 'http') throw new Error('not http');
    const { source, builds } = coldServices();
    const handler = bindHttp(decl, source);
    const request = () =>
      new HttpRequest({
        method: 'GET',
        url: 'http://127.0.0.1/api/registries/coldreg01/webhooks',
        headers: { 'x-functions-key': MANAGEMENT_KEY },
        params: { registryName: 'coldreg01' },
      });
    await azurite.stopQueueService();
    try {
      const first = await handler(request(), new InvocationContext());
      expect(first).toMatchObject({
        status: 503,
        jsonBody: { error: { code: 'ServiceUnavailable', message: 'Storage is unavailable. Retry the request later.' } },
      });
    } finally {
      await azurite.startQueueService();
    }
    const second = await handler(request(), new InvocationContext());
    expect(second).toMatchObject({ status: 200, jsonBody: { value: [] } });
    expect(builds()).toBe(2);
  });

  it('a queue function fails while storage is down and handles the next message once it is back', async () => {
    const decl = declared('deliveries-deliver');
    if (decl.kind !== 'queue') throw new Error('not a queue function');
    const { source, builds } = coldServices();
    const handler = bindQueue(decl, source);
    // A malformed message: a working handler moves it to the poison queue, which this test then reads.
    const message = { v: 99, cold: true };
    await azurite.stopQueueService();
    try {
      await expect(handler(message, new InvocationContext())).rejects.toThrow();
    } finally {
      await azurite.startQueueService();
    }
    await handler(message, new InvocationContext());
    const poison = new QueueClient(azurite.connectionString, 'webhook-deliveries-poison');
    const [moved] = (await poison.receiveMessages()).receivedMessageItems;
    expect(JSON.parse(Buffer.from(moved!.messageText, 'base64').toString('utf8'))).toMatchObject({
      reason: expect.stringContaining('malformed delivery message'),
      message: JSON.stringify(message),
    });
    expect(builds()).toBe(2);
  });
});
