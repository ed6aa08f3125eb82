import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { TimerHandler } from '../handler-types.js';
import type { HistoryStore } from '../storage/history-store.js';

/*
 * History retention (EVENT_RETENTION_DAYS): delivery records, accepted-event rows (the dedupe window) and
 * the multi-arch hold window's rows older than the retention are deleted once a day. Table Storage has no
 * TTL, so the history store scans across registries and deletes 100 rows per transaction per partition.
 */
export interface RetentionDeps {
  readonly config: Pick<Config, 'eventRetentionDays'>;
  readonly history: HistoryStore;
  readonly now: Clock;
}

/** @internal */
export async function purgeHistory(deps: RetentionDeps, now: Date = deps.now()): Promise<{ deleted: number }> {
  const cutoff = new Date(now.getTime() - deps.config.eventRetentionDays * 86_400_000);
  return { deleted: await deps.history.purgeHistory(cutoff) };
}

export function makePurgeHistory(deps: RetentionDeps): TimerHandler {
  return async (_timer, context) => {
    const { deleted } = await purgeHistory(deps);
    context.log(`history retention: deleted ${deleted} rows older than ${deps.config.eventRetentionDays} days`);
  };
}

/** Accepted events of the last minute stay whatever the window: one sent or replayed again is still a duplicate. */
const RECENT_EVENTS_MS = 60_000;

/**
 * The embedded store's window on history (npm start, LOCAL_HISTORY_DELIVERIES): the newest `keep`
 * finished deliveries stay, with the events they read; unfinished deliveries and fan-outs always stay.
 * Azurite keeps every row in memory, so without it `npm start` grows until the daily retention.
 */
export async function trimHistory(deps: Pick<RetentionDeps, 'history' | 'now'>, keep: number): Promise<{ deleted: number }> {
  const eventsSince = new Date(deps.now().getTime() - RECENT_EVENTS_MS);
  return { deleted: await deps.history.trimHistory({ keep, eventsSince }) };
}
