import type { WebhookRecord } from './webhook.js';
import {
  HEALTHY,
  NOTHING_OBSERVED,
  applyObserved,
  mergeObserved,
  disabling,
  observe,
  writeDue,
  type AttemptSeen,
  type DeliveryHealth,
  type Disabling,
  type Observed,
} from './delivery-health.js';
import type { Metrics } from '../metrics/metrics.js';

export interface HealthRecorderDeps {
  /**
   * The webhook store's `update`: an ETag-conditional write of a fresh read, `mutate` applied again on a
   * concurrent change. It invalidates the cached list, so the fan-out stops sending to a disabled webhook at once.
   */
  readonly webhooks: {
    update(registryName: string, name: string, mutate: (current: WebhookRecord) => WebhookRecord): Promise<WebhookRecord | undefined>;
  };
  readonly metrics: Pick<Metrics, 'webhookAutoDisabled'>;
  readonly now: () => Date;
  readonly autoDisableAfterHours: number;
  readonly writeIntervalMs: number;
  readonly log: (message: string) => void;
}

export interface HealthRecorder {
  /**
   * Notes one attempt's outcome. Usually nothing is due (see `writeDue`): undefined, with no storage call;
   * otherwise a promise that resolves once the write is done. Never rejects: health is advisory, and what a
   * failed write carried is kept for the next one.
   */
  record(webhook: WebhookRecord, attempt: AttemptSeen): Promise<void> | undefined;
}

interface Entry {
  /** The health as this process last read or wrote it. */
  stored: DeliveryHealth;
  seen: Observed;
  writing: Promise<void> | undefined;
}

/**
 * Keeps each webhook's delivery health (on its row in the webhooks table) up to date without a storage
 * call per delivery: outcomes are folded in memory and written only when `writeDue` says so, with an
 * ETag-conditional update of a fresh read (the store's `update`) (so a concurrent management change is never overwritten and
 * counts from other instances add up). That write also disables the webhook when `disabling` says so
 * (a 410 Gone, written at once, or failing for AUTO_DISABLE_AFTER_HOURS): the only place that does.
 * Attempts that end while a write is in flight join the next write.
 */
export function makeHealthRecorder(deps: HealthRecorderDeps): HealthRecorder {
  const entries = new Map<string, Entry>();

  /** One conditional write of what was observed; false when it could not be written. */
  async function write(webhook: WebhookRecord, entry: Entry): Promise<boolean> {
    const seen = entry.seen;
    entry.seen = NOTHING_OBSERVED;
    try {
      let written: DeliveryHealth | undefined;
      let disabled: Disabling | undefined;
      // The store re-reads and re-applies on a concurrent change (ETag), so counts from other instances add up.
      const stored = await deps.webhooks.update(webhook.registryName, webhook.name, (current) => {
        const health = applyObserved(current.deliveryHealth ?? HEALTHY, seen);
        const now = deps.now();
        written = health;
        disabled =
          current.status === 'enabled' ? disabling({ health, seen, now, autoDisableAfterHours: deps.autoDisableAfterHours }) : undefined;
        return disabled
          ? { ...current, deliveryHealth: health, status: 'disabled', statusReason: disabled.reason, updatedAt: now.toISOString() }
          : { ...current, deliveryHealth: health };
      });
      if (!stored || !written) return true; // deleted meanwhile: nothing to keep
      const health: DeliveryHealth = written;
      entry.stored = health;
      const after: Disabling | undefined = disabled;
      if (after) {
        deps.metrics.webhookAutoDisabled(after.why);
        const why = after.why === 'gone' ? 'the endpoint answered 410 Gone' : `every attempt failed since ${health.failingSince ?? ''}`;
        deps.log(`webhook disabled: registry=${webhook.registryName} webhook=${webhook.name}: ${why}`);
      }
      return true;
    } catch (err) {
      // Put back what this write carried, before anything observed since.
      entry.seen = mergeObserved(seen, entry.seen);
      deps.log(
        `delivery health not written (kept for the next attempt): registry=${webhook.registryName} webhook=${webhook.name}: ${err instanceof Error ? err.message : String(err)}`,
      );
      return false;
    }
  }

  async function flush(webhook: WebhookRecord, entry: Entry): Promise<void> {
    while (writeDue(entry.stored, entry.seen, deps.now().getTime(), deps.writeIntervalMs)) {
      if (!(await write(webhook, entry))) break;
    }
  }

  // The entry of a webhook's record object, so an attempt need not build the key: the fan-out reads webhooks
  // from a cached list (webhook-cache.ts), so one webhook's deliveries mostly come with the same object; any
  // other object of the webhook finds the same entry by key.
  const byRecord = new WeakMap<WebhookRecord, Entry>();
  function entryOf(webhook: WebhookRecord): Entry {
    let entry = byRecord.get(webhook);
    if (entry) return entry;
    // Names are case-insensitive (acr-conventions.ts).
    const key = `${webhook.registryName.toLowerCase()}/${webhook.name.toLowerCase()}`;
    entry = entries.get(key);
    if (!entry) {
      entry = { stored: webhook.deliveryHealth ?? HEALTHY, seen: NOTHING_OBSERVED, writing: undefined };
      entries.set(key, entry);
    }
    byRecord.set(webhook, entry);
    return entry;
  }

  return {
    record(webhook, attempt) {
      const e = entryOf(webhook);
      e.seen = observe(e.seen, attempt);
      if (!e.writing) {
        if (!writeDue(e.stored, e.seen, deps.now().getTime(), deps.writeIntervalMs)) return undefined;
        e.writing = flush(webhook, e).finally(() => (e.writing = undefined));
      }
      return e.writing;
    },
  };
}
