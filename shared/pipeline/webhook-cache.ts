import type { WebhookRecord, WebhookStore } from '../webhooks/webhook-store.js';
import { nameKey } from '../webhooks/names.js';

/**
 * A registry's webhooks, read once per `ttlMs` per process: the fan-out's only read on the hot path.
 * Management writes in this process invalidate at once; other instances see a change within the TTL
 * (WEBHOOK_CACHE_SECONDS), the price of not reading the partition for every event.
 */
export function makeWebhookCache(store: WebhookStore, ttlMs: number, now: () => number = Date.now) {
  const entries = new Map<string, { at: number; value: Promise<readonly WebhookRecord[]> }>();
  return {
    get(registry: string): Promise<readonly WebhookRecord[]> {
      const key = nameKey(registry);
      const hit = entries.get(key);
      if (hit && now() - hit.at < ttlMs) return hit.value;
      const value = store.listAll(registry);
      entries.set(key, { at: now(), value });
      value.catch(() => entries.delete(key));
      return value;
    },
    invalidate(registry: string): void {
      entries.delete(nameKey(registry));
    },
  };
}

export type WebhookCache = ReturnType<typeof makeWebhookCache>;
