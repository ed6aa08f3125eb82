import { Cron } from 'croner';
import { trimHistory } from '../shared/pipeline/retention.js';
import type { Services } from '../shared/runtime/services.js';
import type { HostLogger } from './local-host.js';

/** How often the window is applied: every 10 s, so the history stands at most ~10 s of deliveries above it. */
const EVERY_10_SECONDS = '*/10 * * * * *';
/**
 * A trim that found nothing to delete waits one more tick before the next, up to this many: an idle store
 * is listed once a minute, not every 10 s (a listing of the kept rows takes ~0.1 s of this process).
 */
const MOST_TICKS_SKIPPED = 5;

/**
 * The embedded store's window on history (issue 24): Azurite keeps every row in memory, so `npm start`
 * trims its finished deliveries to the newest `keep` (shared/pipeline/retention.ts), one trim at a time.
 */
export function keepHistoryWindow(services: Pick<Services, 'history' | 'now'>, keep: number, log?: HostLogger): { close(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  let idle = 0;
  let skip = 0;
  const job = new Cron(EVERY_10_SECONDS, { protect: true }, async () => {
    if (skip > 0) return void skip--;
    running = trimHistory(services, keep).then(
      ({ deleted }) => {
        idle = deleted > 0 ? 0 : Math.min(idle + 1, MOST_TICKS_SKIPPED);
        skip = idle;
        if (deleted > 0) log?.('debug', 'history-window', `trimmed ${deleted} rows (keeping the newest ${keep} finished deliveries)`);
      },
      (err: unknown) =>
        log?.('warning', 'history-window', `trim failed (retried in 10 s): ${err instanceof Error ? err.message : String(err)}`),
    );
    await running;
  });
  return {
    async close() {
      job.stop();
      await running;
    },
  };
}
