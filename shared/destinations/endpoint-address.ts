import type { EndpointType } from '../webhooks/webhook.js';
import { parseConnectionString } from './connection-string.js';

/*
 * What a webhook's serviceUri (and connection string) may be for its endpoint type, the one place the
 * host rule lives: the API refuses what breaks it (400) and a destination reads the entity from it.
 *   StorageQueue     https://{account}.queue.core.windows.net/{queue}  (or another Azure cloud's suffix)
 *   ServiceBus*      https://{namespace}.servicebus.windows.net/{queue or topic}
 *   EventHub         https://{namespace}.servicebus.windows.net/{hub}
 * Where private targets are allowed (ALLOW_PRIVATE_TARGETS, local runs), any host is accepted too: a
 * path-style storage URL (Azurite's http://127.0.0.1:10001/devstoreaccount1/{queue}) or an emulator's
 * host, with the emulators' connection strings (`UseDevelopmentStorage=true`, `UseDevelopmentEmulator=true`).
 * Outside that, only Azure's own hosts: a name under *.core.windows.net or *.servicebus.windows.net is
 * Azure's, so a queue destination cannot be pointed at an arbitrary address.
 */

/** Azure's clouds: public, China (21Vianet), US Government. */
const CLOUD_SUFFIXES = ['windows.net', 'chinacloudapi.cn', 'usgovcloudapi.net'];
const STORAGE_HOST = new RegExp(`^([a-z0-9]{3,24})\\.queue\\.core\\.(?:${CLOUD_SUFFIXES.map((s) => s.replaceAll('.', '\\.')).join('|')})$`);
/** Storage accounts in Azure DNS zones: {account}.z{nn}.queue.storage.azure.net. */
const STORAGE_DNS_ZONE_HOST = /^([a-z0-9]{3,24})\.z\d{2}\.queue\.storage\.azure\.net$/;
const SERVICE_BUS_HOST = new RegExp(
  `^[a-z][a-z0-9-]{4,48}[a-z0-9]\\.servicebus\\.(?:${CLOUD_SUFFIXES.map((s) => s.replaceAll('.', '\\.')).join('|')})$`,
);
/** Storage queue names: 3-63 lowercase letters, digits and single hyphens. */
const QUEUE_NAME = /^(?=.{3,63}$)[a-z0-9]+(?:-[a-z0-9]+)*$/;
const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;
/** Service Bus queues and topics, event hubs: letters, digits, '.', '-', '_', starting and ending with a letter or digit. */
const ENTITY_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,258}[A-Za-z0-9_])?$/;
/** Azurite's (and the storage emulator's) well-known account. */
const DEV_STORAGE_ACCOUNT = 'devstoreaccount1';
const DEV_STORAGE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

type StorageCredentials =
  | { readonly kind: 'identity' }
  | { readonly kind: 'sharedKey'; readonly accountName: string; readonly accountKey: string }
  | { readonly kind: 'sas'; readonly token: string };

export interface StorageQueueAddress {
  readonly type: 'StorageQueue';
  /** The queue's URL, no query. */
  readonly queueUrl: string;
  readonly account: string;
  readonly queue: string;
  readonly credentials: StorageCredentials;
}

export interface BrokerAddress {
  readonly type: 'ServiceBusQueue' | 'ServiceBusTopic' | 'EventHub';
  /** The namespace's host name (its fully qualified namespace). */
  readonly host: string;
  /** The queue, topic or hub. */
  readonly entity: string;
  /** The connection string as given, or undefined for the managed identity. */
  readonly connectionString: string | undefined;
  /** Whether the connection string names its entity (`EntityPath`). */
  readonly entityInConnectionString: boolean;
}

type EndpointAddress = { readonly type: 'WebHook'; readonly url: string } | StorageQueueAddress | BrokerAddress;

/** A reason the API answers 400 with, and the property it is about. Never quotes the values (they are secrets). */
interface EndpointProblem {
  readonly message: string;
  readonly target: string;
}

type Parsed = { readonly ok: true; readonly address: EndpointAddress } | { readonly ok: false; readonly problem: EndpointProblem };

export interface EndpointInput {
  readonly endpointType: EndpointType | undefined;
  readonly serviceUri: string;
  readonly connectionString: string | undefined;
  readonly queueMessageTimeToLiveSeconds: number | undefined;
}

const uriProblem = (message: string): Parsed => ({ ok: false, problem: { message, target: 'properties.serviceUri' } });
const credentialProblem = (message: string): Parsed => ({ ok: false, problem: { message, target: 'properties.connectionString' } });

const QUEUE_TYPES: readonly EndpointType[] = ['StorageQueue', 'ServiceBusQueue', 'ServiceBusTopic'];

/** The address of a webhook's endpoint, or why its settings do not fit its endpoint type. */
export function endpointAddress(input: EndpointInput, allowPrivate: boolean): Parsed {
  const type = input.endpointType ?? 'WebHook';
  if (input.queueMessageTimeToLiveSeconds !== undefined && !QUEUE_TYPES.includes(type)) {
    return {
      ok: false,
      problem: {
        message: `queueMessageTimeToLiveSeconds applies to ${QUEUE_TYPES.join(', ')} webhooks only`,
        target: 'properties.queueMessageTimeToLiveSeconds',
      },
    };
  }
  if (type === 'WebHook') {
    if (input.connectionString !== undefined)
      return credentialProblem('a WebHook takes no connectionString: put its credentials in customHeaders');
    return { ok: true, address: { type, url: input.serviceUri } };
  }
  let url: URL;
  try {
    url = new URL(input.serviceUri);
  } catch {
    return uriProblem(`serviceUri must be the URL of the ${type}'s entity`);
  }
  const schemeOk = url.protocol === 'https:' || (allowPrivate && url.protocol === 'http:');
  if (!schemeOk || url.username || url.password || url.search || url.hash) {
    return uriProblem(
      `a ${type} serviceUri is the entity's https URL without credentials, query or fragment (http only where private targets are allowed)`,
    );
  }
  // An emulator on http takes its own connection string; the managed identity's tokens go over https only.
  if (url.protocol === 'http:' && input.connectionString === undefined) {
    return credentialProblem(`a ${type} on http (a local emulator) needs its connectionString: the managed identity sends over https only`);
  }
  const segments = url.pathname.replace(/\/$/, '').split('/').slice(1);
  return type === 'StorageQueue'
    ? storageQueue(url, segments, input.connectionString, allowPrivate)
    : broker(type, url, segments, input, allowPrivate);
}

function storageQueue(url: URL, segments: readonly string[], connectionString: string | undefined, allowPrivate: boolean): Parsed {
  const host = url.hostname.toLowerCase();
  const azureAccount = STORAGE_HOST.exec(host)?.[1] ?? STORAGE_DNS_ZONE_HOST.exec(host)?.[1];
  let account: string;
  let queue: string | undefined;
  if (azureAccount !== undefined) {
    account = azureAccount;
    queue = segments.length === 1 ? segments[0] : undefined;
  } else if (allowPrivate && segments.length === 2 && ACCOUNT_NAME.test(segments[0]!)) {
    // Path-style, as Azurite and the emulator serve it: http://127.0.0.1:10001/{account}/{queue}.
    account = segments[0]!;
    queue = segments[1];
  } else {
    return uriProblem(
      `a StorageQueue serviceUri must be https://{account}.queue.core.windows.net/{queue} (or another Azure cloud's suffix)` +
        (allowPrivate ? ', or path-style http(s)://{host}/{account}/{queue} locally' : ''),
    );
  }
  if (queue === undefined || !QUEUE_NAME.test(queue)) {
    return uriProblem('the queue name in serviceUri must be 3-63 lowercase letters, digits and single hyphens');
  }
  const queueUrl = `${url.origin}${url.pathname.replace(/\/$/, '')}`;
  const credentials = storageCredentials(connectionString, account, allowPrivate);
  if ('problem' in credentials) return credentialProblem(credentials.problem);
  return { ok: true, address: { type: 'StorageQueue', queueUrl, account, queue, credentials } };
}

function storageCredentials(
  connectionString: string | undefined,
  account: string,
  allowPrivate: boolean,
): StorageCredentials | { readonly problem: string } {
  if (connectionString === undefined) return { kind: 'identity' };
  const pairs = parseConnectionString(connectionString);
  if (pairs.get('usedevelopmentstorage')?.toLowerCase() === 'true') {
    if (!allowPrivate) return { problem: 'UseDevelopmentStorage=true is accepted only where private targets are allowed' };
    if (account !== DEV_STORAGE_ACCOUNT) return { problem: `UseDevelopmentStorage=true is the account ${DEV_STORAGE_ACCOUNT}` };
    return { kind: 'sharedKey', accountName: DEV_STORAGE_ACCOUNT, accountKey: DEV_STORAGE_KEY };
  }
  const name = pairs.get('accountname');
  const key = pairs.get('accountkey');
  const sas = pairs.get('sharedaccesssignature');
  if (name !== undefined && name.toLowerCase() !== account)
    return { problem: "the connectionString's AccountName is not the serviceUri's account" };
  if (name && key) return { kind: 'sharedKey', accountName: name, accountKey: key };
  if (sas) return { kind: 'sas', token: sas.replace(/^\?/, '') };
  return { problem: 'a storage connectionString needs AccountName and AccountKey, or SharedAccessSignature' };
}

function broker(type: BrokerAddress['type'], url: URL, segments: readonly string[], input: EndpointInput, allowPrivate: boolean): Parsed {
  const host = url.hostname.toLowerCase();
  const what = type === 'EventHub' ? 'hub' : type === 'ServiceBusQueue' ? 'queue' : 'topic';
  if (!SERVICE_BUS_HOST.test(host) && !allowPrivate) {
    return uriProblem(
      `a ${type} serviceUri must be https://{namespace}.servicebus.windows.net/{${what}} (or another Azure cloud's suffix)`,
    );
  }
  const entity = segments.length === 1 ? segments[0]! : undefined;
  if (entity === undefined || !ENTITY_NAME.test(entity)) {
    return uriProblem(`the ${what} name in serviceUri must be one path segment of letters, digits, '.', '-' and '_'`);
  }
  const connectionString = input.connectionString;
  if (connectionString === undefined) {
    return { ok: true, address: { type, host, entity, connectionString, entityInConnectionString: false } };
  }
  const pairs = parseConnectionString(connectionString);
  let endpoint: URL | undefined;
  try {
    endpoint = new URL(pairs.get('endpoint') ?? '');
  } catch {
    endpoint = undefined;
  }
  if (endpoint?.protocol !== 'sb:') return credentialProblem('a connectionString needs Endpoint=sb://{namespace}.servicebus.windows.net/');
  if (endpoint.hostname.toLowerCase() !== host || (endpoint.port && url.port && endpoint.port !== url.port)) {
    return credentialProblem("the connectionString's Endpoint is not the serviceUri's namespace");
  }
  const entityPath = pairs.get('entitypath');
  if (entityPath !== undefined && entityPath !== entity)
    return credentialProblem(`the connectionString's EntityPath is not the serviceUri's ${what}`);
  if (pairs.get('usedevelopmentemulator')?.toLowerCase() === 'true' && !allowPrivate) {
    return credentialProblem('UseDevelopmentEmulator=true is accepted only where private targets are allowed');
  }
  if (!(pairs.get('sharedaccesskeyname') && pairs.get('sharedaccesskey')) && !pairs.get('sharedaccesssignature')) {
    return credentialProblem('a connectionString needs SharedAccessKeyName and SharedAccessKey, or SharedAccessSignature');
  }
  return { ok: true, address: { type, host, entity, connectionString, entityInConnectionString: entityPath !== undefined } };
}
