import { InvalidArgumentError, Option } from 'commander';

/** ACR's webhook actions and statuses (WebhookAction, WebhookStatus in the ARM API). */
const ACTIONS = ['push', 'delete', 'quarantine', 'chart_push', 'chart_delete'] as const;
const STATUSES = ['enabled', 'disabled'] as const;
/** Our addition: how a multi-arch push is reported (the API's `properties.multiArch`). */
const MULTI_ARCH_MODES = ['perManifest', 'coalesced'] as const;
/** Our addition: where events go (the API's `properties.endpointType`, Event Grid's names). */
const ENDPOINT_TYPES = ['WebHook', 'StorageQueue', 'ServiceBusQueue', 'ServiceBusTopic', 'EventHub'] as const;

export const uriOption = () => new Option('--uri <uri>', 'service URI the webhook posts events to');
export const actionsOption = () =>
  new Option('--actions <actions...>', 'space-separated actions that trigger the webhook').choices(ACTIONS);
export const headersOption = () =>
  new Option('--headers <headers...>', "space-separated custom headers in 'key[=value]' format; use '' to clear existing headers");
export const scopeOption = () =>
  new Option(
    '--scope <scope>',
    "events that trigger the webhook: 'repository:tag', 'repository:*' for every tag, empty for all events of the registry",
  );
export const statusOption = () => new Option('--status <status>', 'whether the webhook sends events').choices(STATUSES);
export const tagsOption = () =>
  new Option('--tags <tags...>', "space-separated tags: key[=value] [key[=value] ...]; use '' to clear existing tags");
export const multiArchOption = () =>
  new Option(
    '--multi-arch <mode>',
    "multi-arch pushes: 'perManifest' (one event per manifest, as ACR) or 'coalesced' (one event per image index, listing its platforms)",
  ).choices(MULTI_ARCH_MODES);
export const endpointTypeOption = () =>
  new Option(
    '--endpoint-type <type>',
    "where events go: 'WebHook' (an HTTP POST, the default) or a queue, topic or hub; --uri is then its URL, e.g. https://{account}.queue.core.windows.net/{queue}",
  ).choices(ENDPOINT_TYPES);
export const connectionStringOption = () =>
  new Option(
    '--connection-string <string>',
    "the storage account's or namespace's connection string for a queue, topic or hub (default: the service's managed identity); use '' to remove",
  );

function seconds(value: string): number {
  if (!/^(-1|\d+)$/.test(value)) throw new InvalidArgumentError('Give whole seconds, or -1 for messages that never expire.');
  return Number(value);
}
export const queueTtlOption = () =>
  new Option(
    '--queue-ttl <seconds>',
    'time to live of each queued message (StorageQueue, ServiceBusQueue, ServiceBusTopic), -1 for never; default 7 days for a Storage Queue',
  ).argParser(seconds);
