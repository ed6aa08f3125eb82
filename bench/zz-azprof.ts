import { TableClient } from '@azure/data-tables';
import { startAzurite } from '../local/azurite.js';
import { submitTransaction } from '../shared/storage/table-batch.js';
const az = await startAzurite();
const t = TableClient.fromConnectionString(az.connectionString, 'events', { allowInsecureConnection: true });
await t.createTable();
const rec = JSON.stringify({
  webhook: 'hook0000',
  bodyFrom: { format: 'acr' },
  requestHeaders: {
    'content-type': 'application/json',
    'user-agent': 'AzureContainerRegistry/1.0 registry-webhooks/0.1',
    'webhook-id': 'bytesacr-18',
    'webhook-timestamp': '1796209001',
    'webhook-signature': '***',
  },
  requestUri: 'http://127.0.0.1:45619/bytesacr/0',
  responseStatus: 200,
  responseReason: 'OK',
  responseHeaders: {
    'content-type': 'text/plain',
    date: 'Wed, 02 Dec 2026 10:56:42 GMT',
    connection: 'keep-alive',
    'keep-alive': 'timeout=60',
    'transfer-encoding': 'chunked',
  },
  durationMs: 10,
  queuedMs: 310,
});
const minimal = process.env.MINIMAL === '1';
const t0 = process.cpuUsage();
for (let e = 0; e < 200; e++) {
  const pk = `reg|${(e % 64).toString(16).padStart(2, '0')}`;
  const actions = Array.from(
    { length: 100 },
    (_, w) =>
      [
        'create',
        minimal
          ? { partitionKey: pk, rowKey: `del|hook${w}|${1e13 - e}|ev${e}`, state: 'succeeded' }
          : {
              partitionKey: pk,
              rowKey: `del|hook${w}|${1e13 - e}|ev${e}`,
              eventId: `ev${e}`,
              state: 'succeeded',
              attempts: 1,
              createdAt: new Date().toISOString(),
              updatedAt: new Date().toISOString(),
              responseBody: 'ok',
              record: rec,
            },
      ] as const,
  );
  await submitTransaction(t, actions as never);
}
const u = process.cpuUsage(t0);
console.log('cpu ms per row', ((u.user + u.system) / 1000 / 20000).toFixed(4));
await az.close();
