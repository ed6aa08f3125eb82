import { open, readdir, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/*
 * The local host's write-ahead journal of accepted ingest batches. Embedded Azurite keeps its tables and
 * queues in LokiJS files it saves every 5 s, so a `kill -9` loses the last seconds of writes, 202s
 * included. Each committed batch is appended here and fdatasync'd before its events are answered, and
 * replayed through the ingest at the next start: an event whose rows survived is a duplicate (its fan-out
 * resumes through the claim state machine), one whose rows were lost is accepted again with its original
 * receipt time, so its delivery rows and `webhook-id` are the same. A checkpoint saves Azurite's files,
 * then drops the journal written before it. Appends that arrive while a sync runs share the next one.
 */

const entry = z.object({
  registry: z.string(),
  items: z.array(z.object({ event: z.unknown(), receivedAt: z.string(), remember: z.boolean() })),
});
export type JournalEntry = z.infer<typeof entry>;

export interface IngestJournal {
  /** Resolves once the entry is on disk (fdatasync). */
  append(e: {
    readonly registry: string;
    readonly items: readonly { readonly event: unknown; readonly receivedAt: string; readonly remember: boolean }[];
  }): Promise<void>;
  /** Saves the storage (`save`), then forgets what was journaled before the save began. One at a time. */
  checkpoint(save: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

const CURRENT = 'ingest-journal.log';
const SEALED = /^ingest-journal\.(\d+)\.sealed$/;

/** Entries left by the previous run (sealed files first, oldest first), skipping a torn last line. */
export async function readJournal(dir: string): Promise<JournalEntry[]> {
  const names = (await readdir(dir)).filter((n) => SEALED.test(n));
  names.sort((a, b) => Number(SEALED.exec(a)![1]) - Number(SEALED.exec(b)![1]));
  const out: JournalEntry[] = [];
  for (const name of [...names, CURRENT]) {
    const text = await readFile(join(dir, name), 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        const parsed = entry.safeParse(JSON.parse(line));
        if (parsed.success) out.push(parsed.data);
      } catch {
        // A line cut by the crash was never synced, so its events were never answered: skip it.
      }
    }
  }
  return out;
}

export async function openJournal(dir: string): Promise<IngestJournal> {
  let file: FileHandle = await open(join(dir, CURRENT), 'a');
  let queued: { line: string; done: (err?: unknown) => void }[] = [];
  let writing: Promise<void> | undefined;
  let sealing = false;
  let seq = Date.now();

  async function drain(): Promise<void> {
    while (queued.length > 0) {
      const batch = queued;
      queued = [];
      try {
        await file.write(batch.map((b) => b.line).join(''));
        await file.datasync();
        for (const b of batch) b.done();
      } catch (err) {
        for (const b of batch) b.done(err);
      }
    }
    writing = undefined;
  }

  return {
    append(e) {
      return new Promise<void>((resolve, reject) => {
        queued.push({
          line: `${JSON.stringify(e)}\n`,
          done: (err) => (err === undefined ? resolve() : reject(err instanceof Error ? err : new Error('journal write failed'))),
        });
        if (!sealing) writing ??= drain();
      });
    },
    async checkpoint(save) {
      // Seal the current file (appends wait meanwhile), start a new one, then save and drop the sealed.
      const sealedSeq = seq++;
      sealing = true;
      try {
        while (writing) await writing;
        await file.close();
        await rename(join(dir, CURRENT), join(dir, `ingest-journal.${sealedSeq}.sealed`));
        file = await open(join(dir, CURRENT), 'a');
      } finally {
        sealing = false;
        if (queued.length > 0) writing ??= drain();
      }
      await save();
      const older = (await readdir(dir)).filter((n) => SEALED.test(n) && Number(SEALED.exec(n)![1]) <= sealedSeq);
      await Promise.all(older.map((n) => unlink(join(dir, n))));
    },
    async close() {
      while (writing) await writing;
      await file.close();
    },
  };
}
