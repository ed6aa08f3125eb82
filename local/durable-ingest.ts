import { logValue } from '../shared/log-value.js';
import { acrEvent } from '../shared/events/acr-event.js';
import type { IngestBatcher, JournalBatch } from '../shared/pipeline/ingest-batcher.js';
import { openJournal, readJournal } from './ingest-journal.js';

/** How often Azurite's files are saved and the journal behind them dropped (Azurite's own autosave is 5 s). */
const CHECKPOINT_MS = 5_000;

export interface DurableIngest {
  /** What the ingest makes durable before it answers: the deps' `journal`. */
  readonly journal: (batch: JournalBatch) => Promise<void>;
  /** Re-submits what the last run journaled but may not have saved; resolves with how many events. */
  replay(ingestBatcher: Pick<IngestBatcher, 'submit'>): Promise<number>;
  close(): Promise<void>;
}

/**
 * The embedded storage's durability: an ingest journal in `dir`, checkpointed against `save` (Azurite's
 * LokiJS files). A 202 given before a `kill -9` is in the journal, and the next start replays it.
 */
export async function openDurableIngest(dir: string, save: () => Promise<void>, warn: (message: string) => void): Promise<DurableIngest> {
  const leftovers = await readJournal(dir);
  const journal = await openJournal(dir);
  let dirty = false;
  let running: Promise<void> = Promise.resolve();
  const checkpoint = () => {
    running = running
      .then(() => journal.checkpoint(save))
      .catch((err: unknown) => warn(`checkpoint failed (the journal is kept): ${err instanceof Error ? err.message : String(err)}`));
    return running;
  };
  const timer = setInterval(() => {
    if (!dirty) return;
    dirty = false;
    void checkpoint();
  }, CHECKPOINT_MS);
  timer.unref();
  return {
    async journal(batch) {
      dirty = true;
      await journal.append(batch);
    },
    async replay(ingestBatcher) {
      let count = 0;
      const submitted: Promise<unknown>[] = [];
      for (const entry of leftovers) {
        for (const item of entry.items) {
          const event = acrEvent.safeParse(item.event);
          if (!event.success) {
            warn(`journal: an entry of registry ${logValue(entry.registry)} is not an event this version reads; skipped`);
            continue;
          }
          count++;
          submitted.push(ingestBatcher.submit(entry.registry, event.data, { remember: item.remember, receivedAt: item.receivedAt }));
        }
      }
      await Promise.all(submitted);
      if (leftovers.length > 0) await checkpoint();
      return count;
    },
    async close() {
      clearInterval(timer);
      await running;
      await journal.close();
    },
  };
}
