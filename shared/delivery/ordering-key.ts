import { createHash } from 'node:crypto';

/** Service Bus session ids and Event Hubs partition keys are at most 128 characters. */
const MAX_KEY = 128;

/**
 * The key a broker keeps a repository's events in order by: `{registry}/{repository}` (a Service Bus
 * session id, an Event Hubs partition key). `image` is the record's `repo:tag` or `repo` (repository
 * names hold no ':'); an event without one (a ping) is keyed by the registry alone. A longer key keeps
 * its start and ends in a hash of the whole, so it stays one key per repository.
 */
export function orderingKey(registryName: string, image: string): string {
  const repository = image.split(':')[0] ?? '';
  const key = repository ? `${registryName.toLowerCase()}/${repository}` : registryName.toLowerCase();
  if (key.length <= MAX_KEY) return key;
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 32);
  return `${key.slice(0, MAX_KEY - hash.length - 1)}~${hash}`;
}
