import { InvalidArgumentError, Option } from 'commander';

/** ACR's webhook actions and statuses (WebhookAction, WebhookStatus in the ARM API). */
const ACTIONS = ['push', 'delete', 'quarantine', 'chart_push', 'chart_delete'] as const;
const STATUSES = ['enabled', 'disabled'] as const;
/** Our addition: how a multi-arch push is reported (the API's `properties.multiArch`). */
const MULTI_ARCH_MODES = ['perManifest', 'coalesced'] as const;
/** Our addition: the body each delivery carries (the API's `properties.payloadFormat`). */
const PAYLOAD_FORMATS = ['acr', 'cloudevents', 'slack', 'teams'] as const;
/** Our addition: the API's `properties.rateLimitPerSecond`, 1 to 1000 requests per second. */
const RATE_LIMIT = { min: 1, max: 1000 } as const;
/**
 * What `update --rate-limit` takes to remove the limit (sent as null). A word, not 0: the API refuses 0,
 * and "0 per second" reads as "send nothing", the opposite of no limit.
 */
export const NO_RATE_LIMIT = 'none';
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

const rateLimitHelp = `at most <n> requests per second to the service URI, ${RATE_LIMIT.min}-${RATE_LIMIT.max} (ours, not in az): deliveries over it wait their turn, in order, and do not fail`;

function parseRateLimit(value: string): number {
  const n = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= RATE_LIMIT.min && n <= RATE_LIMIT.max)) {
    throw new InvalidArgumentError(`Give a whole number of requests per second from ${RATE_LIMIT.min} to ${RATE_LIMIT.max}.`);
  }
  return n;
}

/** `create --rate-limit <n>`; without it, no limit. */
export const rateLimitOption = () => new Option('--rate-limit <n>', `${rateLimitHelp}; default no limit`).argParser(parseRateLimit);

/**
 * `update --rate-limit <n|none>`. `none` stays the word (commander turns a parser's null into ''); the
 * update body sends it as null, which the API takes as "remove the limit".
 */
export const rateLimitUpdateOption = () =>
  new Option('--rate-limit <n|none>', `${rateLimitHelp}; '${NO_RATE_LIMIT}' removes the limit`).argParser(
    (value): number | typeof NO_RATE_LIMIT => {
      if (value === NO_RATE_LIMIT) return NO_RATE_LIMIT;
      try {
        return parseRateLimit(value);
      } catch {
        throw new InvalidArgumentError(
          `Give a whole number of requests per second from ${RATE_LIMIT.min} to ${RATE_LIMIT.max}, or '${NO_RATE_LIMIT}' to remove the limit.`,
        );
      }
    },
  );

export const payloadFormatOption = () =>
  new Option(
    '--payload-format <format>',
    "the body each delivery carries (ours, not in az): 'acr' (ACR's payload, the default), 'cloudevents' (CloudEvents 1.0 JSON, typed as ACR's Event Grid events), 'slack' (a Slack incoming-webhook message) or 'teams' (an Adaptive Card for a Teams Workflows webhook)",
  ).choices(PAYLOAD_FORMATS);

/**
 * `--skip-referrers [true|false]` (ours, not in az): alone it means true, as a flag; `false` turns it off
 * again on update, in the words az uses for its own booleans.
 */
export const skipReferrersOption = () =>
  new Option(
    '--skip-referrers [true|false]',
    "do not deliver events for signatures, attestations and SBOMs (cosign's sha256-<digest>… tags, OCI 1.1 manifests with a subject or a referrer's artifactType); they are listed as skipped",
  ).argParser((value): boolean => {
    if (value === 'true') return true;
    if (value === 'false') return false;
    throw new InvalidArgumentError('Give true or false (or the option alone for true).');
  });

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
