import { AnonymousCredential, QueueClient, StorageSharedKeyCredential } from '@azure/storage-queue';
import { isRestError } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import type { Destination, OutboundMessage } from '../delivery/destination.js';
import type { PostOutcome } from '../delivery/post-json.js';
import { maskUri } from '../delivery/outbound-request.js';
import { endpointAddress, type StorageQueueAddress } from './endpoint-address.js';
import { makeClientCache } from './client-cache.js';
import { answer, failed, isTimeout, networkMessage, scrub, stopwatch } from './outcomes.js';

/** A Storage Queue message's time to live unless the webhook sets one: Storage's own default, 7 days. */
const DEFAULT_TTL_SECONDS = 7 * 24 * 3600;

export interface StorageQueueDeps {
  readonly allowPrivate: boolean;
  /** The app's managed identity, for webhooks without a connection string. */
  readonly credential: () => TokenCredential;
}

const ttlOf = (m: OutboundMessage) => m.webhook.queueMessageTimeToLiveSeconds ?? DEFAULT_TTL_SECONDS;

/**
 * `StorageQueue`: the body as one queue message, base64-encoded as the Functions host's queue trigger
 * reads it by default (host.json `extensions.queues.messageEncoding`). A queue message has no headers:
 * the signature and custom headers are left out (the event's id is in the body). Storage assigns the
 * message id. One try per attempt: the engine's schedule retries, not the SDK's.
 */
export function storageQueueDestination(deps: StorageQueueDeps): Destination & { close(): Promise<void> } {
  // A QueueClient holds no connection of its own to close.
  const clients = makeClientCache<QueueClient>(() => Promise.resolve());
  const open = (address: StorageQueueAddress, timeoutMs: number) => {
    const options = { retryOptions: { maxTries: 1, tryTimeoutInMs: timeoutMs } };
    const c = address.credentials;
    if (c.kind === 'sharedKey')
      return new QueueClient(address.queueUrl, new StorageSharedKeyCredential(c.accountName, c.accountKey), options);
    if (c.kind === 'sas') return new QueueClient(`${address.queueUrl}?${c.token}`, new AnonymousCredential(), options);
    return new QueueClient(address.queueUrl, deps.credential(), options);
  };
  return {
    // A Storage Queue does not keep order for its readers, so sending one at a time would buy nothing.
    ordered: false,
    describe: (m) => ({
      requestHeaders: { Encoding: 'base64', MessageTimeToLive: String(ttlOf(m)) },
      requestUri: maskUri(m.webhook.serviceUri),
    }),
    async send(m) {
      const elapsed = stopwatch();
      // Judged again at each send: ALLOW_PRIVATE_TARGETS may have been turned off since the webhook was made.
      const parsed = endpointAddress(m.webhook, deps.allowPrivate);
      if (!parsed.ok || parsed.address.type !== 'StorageQueue') {
        return failed('refused', `refused: ${parsed.ok ? 'not a storage queue' : parsed.problem.message}`, 0);
      }
      const address = parsed.address;
      const client = clients.get(`${address.queueUrl}\n${m.webhook.connectionString ?? ''}`, () => open(address, m.timeoutMs));
      try {
        const sent = await client.sendMessage(Buffer.from(m.body, 'utf8').toString('base64'), {
          messageTimeToLive: ttlOf(m),
          abortSignal: AbortSignal.timeout(m.timeoutMs),
        });
        const headers = sent._response.headers;
        return {
          kind: 'response',
          status: sent._response.status,
          statusText: 'Created',
          headers: Object.fromEntries(['x-ms-request-id', 'date'].flatMap((h) => (headers.get(h) ? [[h, headers.get(h)!]] : []))),
          // Storage's answer, without the pop receipt (it lets its holder delete the message).
          body: JSON.stringify({
            messageId: sent.messageId,
            insertionTime: sent.insertedOn.toISOString(),
            expirationTime: sent.expiresOn.toISOString(),
          }),
          truncated: false,
          durationMs: elapsed(),
        };
      } catch (err) {
        return storageOutcome(err, elapsed(), m);
      }
    },
    close: () => clients.close(),
  };
}

/** Storage's error as an outcome: its status and error code (QueueNotFound, AuthorizationFailure, …) as they are. */
function storageOutcome(err: unknown, durationMs: number, m: OutboundMessage): PostOutcome {
  if (isTimeout(err)) return failed('timeout', `no answer within ${m.timeoutMs / 1000} s`, durationMs);
  const text = (s: string) => scrub(s, m.webhook.connectionString);
  if (isRestError(err)) {
    if (err.statusCode === undefined) return failed('network', networkMessage(err.code, text(err.message)), durationMs);
    const headers = err.response?.headers;
    const code = headers?.get('x-ms-error-code') ?? err.code;
    const kept = Object.fromEntries(['x-ms-error-code', 'x-ms-request-id'].flatMap((h) => (headers?.get(h) ? [[h, headers.get(h)!]] : [])));
    return answer(err.statusCode, durationMs, { code, message: text(err.message), headers: kept }, m.maxResponseBytes);
  }
  const name = err instanceof Error ? err.name : 'Error';
  const message = err instanceof Error ? text(err.message) : 'unknown error';
  // No token for the managed identity: nothing a retry can change until the app's identity is set up.
  if (name === 'CredentialUnavailableError' || name === 'AuthenticationError') {
    return answer(401, durationMs, { code: name, message }, m.maxResponseBytes);
  }
  return failed('network', networkMessage((err as NodeJS.ErrnoException).code, `${name}: ${message}`), durationMs);
}
