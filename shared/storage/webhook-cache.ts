import type { WebhookRecord } from '../webhooks/webhook.js';
import { nameKey } from './key-part.js';

/**
 * A registry's webhooks, read once per `ttlMs` per process: the fan-out's only read on the hot path.
 * The webhook store invalidates on its own writes; other instances see a change within the TTL
 * (WEBHOOK_CACHE_SECONDS), the price of not reading the partition for every event.
 */
export function makeWebhookCache(
  listAll: (registry: string) => Promise<readonly WebhookRecord[]>,
  ttlMs: number,
  now: () => number = Date.now,
) {
  const entries = new Map<string, { at: number; value: Promise<readonly WebhookRecord[]> }>();
  return {
    get(registry: string): Promise<readonly WebhookRecord[]> {
      const key = nameKey(registry);
      const hit = entries.get(key);
      if (hit && now() - hit.at < ttlMs) return hit.value;
      const value = listAll(registry);
      entries.set(key, { at: now(), value });
      value.catch(() => entries.delete(key));
      return value;
    },
    invalidate(registry: string): void {
      entries.delete(nameKey(registry));
    },
  };
}
