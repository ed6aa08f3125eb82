import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { DefaultAzureCredential } from '@azure/identity';
import { createDefaultHttpClient, type HttpClient } from '@azure/core-rest-pipeline';
import type { StorageConfig } from '../config.js';

function isPlainHttp(storage: StorageConfig): boolean {
  if (storage.kind === 'identity') return storage.tableServiceUri.startsWith('http:');
  return /DefaultEndpointsProtocol=http;|Endpoint=http:/i.test(storage.connectionString);
}

let credential: DefaultAzureCredential | undefined;
/** The app's managed identity (the one storage uses; `clientId` for a user-assigned one), made once per process. */
export function sharedCredential(clientId: string | undefined): DefaultAzureCredential {
  credential ??= new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
  return credential;
}

let httpClient: HttpClient | undefined;
/** The one HTTP client (keep-alive agents) the table clients and their transactions (table-batch.ts) share. */
export function storageHttpClient(): HttpClient {
  httpClient ??= createDefaultHttpClient();
  return httpClient;
}

/*
 * Storage retries are short: a request handler that cannot reach storage should answer 503 within a
 * second or two (the sender retries), not hold the caller for the SDK's default ~10 s of back-off.
 */
const queueRetry = { maxTries: 4, retryDelayInMs: 100, maxRetryDelayInMs: 2000 };

/** A table client for the configured account: a connection string (Azurite, keys) or a managed identity. */
export function createTableClient(storage: StorageConfig, tableName: string): TableClient {
  // Azurite speaks plain http; the SDK refuses it unless told.
  const options = {
    allowInsecureConnection: isPlainHttp(storage),
    retryOptions: { maxRetries: 3, retryDelayInMs: 100, maxRetryDelayInMs: 2000 },
    httpClient: storageHttpClient(),
  };
  if (storage.kind === 'connectionString') return TableClient.fromConnectionString(storage.connectionString, tableName, options);
  return new TableClient(`${storage.tableServiceUri.replace(/\/$/, '')}`, tableName, sharedCredential(storage.clientId), options);
}

/** A queue client for the configured account. Messages are not encoded here: callers base64 as the host expects. */
export function createQueueClient(storage: StorageConfig, queueName: string): QueueClient {
  if (storage.kind === 'connectionString') return new QueueClient(storage.connectionString, queueName, { retryOptions: queueRetry });
  return new QueueClient(`${storage.queueServiceUri.replace(/\/$/, '')}/${queueName}`, sharedCredential(storage.clientId), {
    retryOptions: queueRetry,
  });
}
