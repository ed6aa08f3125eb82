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
