import { describe, expect, it } from 'vitest';
import { orderingKey } from '../../shared/delivery/ordering-key.js';
import { endpointAddress } from '../../shared/destinations/endpoint-address.js';
import { amqpOutcome } from '../../shared/destinations/amqp-outcome.js';
import { scrub } from '../../shared/destinations/outcomes.js';

describe('orderingKey', () => {
  it('is {registry}/{repository}, the registry lowercased; a ping (no image) is the registry alone', () => {
    expect(orderingKey('MyRegistry', 'team/app:v1')).toBe('myregistry/team/app');
    expect(orderingKey('myregistry', 'team/app')).toBe('myregistry/team/app');
    expect(orderingKey('myregistry', '')).toBe('myregistry');
  });

  it('keeps a long key within 128 characters, one per repository', () => {
    const a = orderingKey('myregistry', `${'a'.repeat(200)}/one:v1`);
    const b = orderingKey('myregistry', `${'a'.repeat(200)}/two:v1`);
    expect(a).toHaveLength(128);
    expect(b).toHaveLength(128);
    expect(a).not.toBe(b);
    expect(orderingKey('myregistry', `${'a'.repeat(200)}/one:v2`)).toBe(a);
  });
});

describe('endpointAddress where private targets are allowed', () => {
  const input = (endpointType: 'StorageQueue' | 'ServiceBusQueue', serviceUri: string, connectionString?: string) => ({
    endpointType,
    serviceUri,
    connectionString,
    queueMessageTimeToLiveSeconds: undefined,
  });

  it("reads Azurite's path-style URL and takes UseDevelopmentStorage=true as its well-known account", () => {
    const parsed = endpointAddress(
      input('StorageQueue', 'http://127.0.0.1:10001/devstoreaccount1/events/', 'UseDevelopmentStorage=true'),
      true,
    );
    expect(parsed).toEqual({
      ok: true,
      address: {
        type: 'StorageQueue',
        queueUrl: 'http://127.0.0.1:10001/devstoreaccount1/events',
        account: 'devstoreaccount1',
        queue: 'events',
        credentials: { kind: 'sharedKey', accountName: 'devstoreaccount1', accountKey: expect.any(String) as string },
      },
    });
    // The same URL is refused in Azure (no private targets), and without a connection string anywhere.
    expect(
      endpointAddress(input('StorageQueue', 'http://127.0.0.1:10001/devstoreaccount1/events', 'UseDevelopmentStorage=true'), false).ok,
    ).toBe(false);
    expect(endpointAddress(input('StorageQueue', 'http://127.0.0.1:10001/devstoreaccount1/events'), true)).toEqual({
      ok: false,
      problem: {
        message: 'a StorageQueue on http (a local emulator) needs its connectionString: the managed identity sends over https only',
        target: 'properties.connectionString',
      },
    });
  });

  it('takes an emulator connection string whose Endpoint is the serviceUri host', () => {
    const cs =
      'Endpoint=sb://localhost;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;';
    expect(endpointAddress(input('ServiceBusQueue', 'http://localhost/queue.1', cs), true)).toEqual({
      ok: true,
      address: { type: 'ServiceBusQueue', host: 'localhost', entity: 'queue.1', connectionString: cs, entityInConnectionString: false },
    });
    expect(endpointAddress(input('ServiceBusQueue', 'http://127.0.0.1:5672/queue.1', cs), true)).toMatchObject({
      ok: false,
      problem: { target: 'properties.connectionString' },
    });
  });
});

describe('amqpOutcome', () => {
  const outcome = (err: unknown) => amqpOutcome(err, 12, 5000, 16_384, undefined);
  const messagingError = (code: string, message: string, retryable = false) =>
    Object.assign(new Error(message), { name: 'ServiceBusError', code, retryable });

  it.each([
    ['UnauthorizedAccess', 401],
    ['MessagingEntityNotFound', 404],
    ['MessagingEntityNotFoundError', 404],
    ['MessagingEntityDisabled', 403],
    ['MessageSizeExceeded', 413],
    ['ServiceBusy', 503],
    ['QuotaExceededError', 503],
    ['GeneralError', 500],
  ])('answers %s with %s', (code, status) => {
    expect(outcome(messagingError(code, 'the broker said so'))).toEqual({
      kind: 'response',
      status,
      statusText: `${code}: the broker said so`,
      headers: {},
      body: 'the broker said so',
      truncated: false,
      durationMs: 12,
    });
  });

  it('makes timeouts and connection failures errors the schedule retries', () => {
    expect(outcome(Object.assign(new Error('aborted'), { name: 'AbortError' }))).toMatchObject({ kind: 'error', reason: 'timeout' });
    expect(outcome(messagingError('ServiceTimeout', 'no answer', true))).toMatchObject({ kind: 'error', reason: 'timeout' });
    expect(outcome(messagingError('ServiceCommunicationProblem', 'connect ECONNREFUSED', true))).toMatchObject({
      kind: 'error',
      reason: 'network',
    });
    expect(outcome(new AggregateError([Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })]))).toEqual({
      kind: 'error',
      reason: 'network',
      message: 'connection refused',
      durationMs: 12,
    });
  });
});

describe('scrub', () => {
  it("cuts a connection string's key out of text an SDK produced", () => {
    const cs = 'Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=c2VjcmV0LWtleS12YWx1ZQ==';
    expect(scrub('signature over c2VjcmV0LWtleS12YWx1ZQ== failed', cs)).toBe('signature over *** failed');
  });
});
