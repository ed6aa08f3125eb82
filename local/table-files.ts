import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { z } from 'zod';

/*
 * Azurite's table metadata (one LokiJS database, one collection per table) kept as a file per table
 * instead of one file for all. A save writes only the tables changed since they were last written, so
 * the save before a webhook PUT's answer writes the webhooks table, whatever the size of the history in
 * `events`; the checkpoint (durable-ingest.ts) and Azurite's own 5 s autosave write `events` when it
 * changed. Issue 24: with one file, a PUT after 75,000 deliveries rewrote 143 MB (1.4-4.0 s).
 *
 * Folder: `db.json` (the database without its documents: collections, their options and next ids) and
 * one `{collection}.ndjson` per collection (a document a line). Every file is written to a temporary
 * name and renamed, so a `kill -9` leaves each whole, old or new. A save serialises what it writes
 * synchronously (one consistent instant, as LokiJS's own save), writes `db.json` first, then the
 * collections: `db.json` may then name a collection whose file is older, never the other way round, and
 * its next ids are never below those of a document on disk. A crash in between loses what the journal
 * (or the management write's answer, never given) still covers.
 *
 * This is a LokiJS persistence adapter in its "reference" mode (LokiJS's loki-fs-structured-adapter does
 * the same, by collection index and without the renames), so Azurite's own saves (start, autosave,
 * close) come through it too. LokiJS clears every collection's dirty flag when its save ends, even the
 * ones that changed while the files were written; the adapter keeps its own record of what it owes.
 */

/** The parts of a LokiJS collection and database this adapter reads (lokijs ships no types here). */
interface LokiCollection {
  readonly name: string;
  data: unknown[];
  dirty: boolean;
  idIndex: unknown;
  binaryIndices: Record<string, { name: string; dirty: boolean; values: number[] }>;
  ensureAllIndexes(force: boolean): void;
}
export interface LokiDatabase {
  collections: LokiCollection[];
  persistenceAdapter: unknown;
  persistenceMethod: string | null;
  serialize(options: { serializationMethod: 'normal' }): string;
}

/** The folder's main file: what LokiJS needs to rebuild the database, documents apart. */
const MAIN = 'db.json';
const mainFile = z.looseObject({ collections: z.array(z.looseObject({ name: z.string() })) });
const fileOf = (collection: string) => `${encodeURIComponent(collection)}.ndjson`;

async function writeWhole(dir: string, name: string, chunks: readonly string[]): Promise<void> {
  const tmp = join(dir, `${name}.tmp`);
  const file = await open(tmp, 'w');
  try {
    for (const chunk of chunks) await file.write(chunk);
  } finally {
    await file.close();
  }
  await rename(tmp, join(dir, name));
}

/** A collection's documents as lines, 1,000 a chunk (no single string as large as the collection). */
function documentChunks(docs: readonly unknown[]): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < docs.length; i += 1000) {
    let chunk = '';
    for (const doc of docs.slice(i, i + 1000)) chunk += `${JSON.stringify(doc)}\n`;
    chunks.push(chunk);
  }
  return chunks;
}

/** The same indexes, flagged for LokiJS to build on first use. */
const unbuiltIndexes = (indexes: object) => Object.fromEntries(Object.keys(indexes).map((k) => [k, { name: k, dirty: true, values: [] }]));

/**
 * The database without its documents. Indexes and the id index are left out: they would describe the
 * documents of this instant, and a collection's file may be older; LokiJS rebuilds them on first use.
 */
function serializeMain(db: LokiDatabase): string {
  const kept = db.collections.map((c) => ({ data: c.data, idIndex: c.idIndex, binaryIndices: c.binaryIndices }));
  try {
    for (const c of db.collections) {
      c.data = [];
      c.idIndex = null;
      c.binaryIndices = unbuiltIndexes(c.binaryIndices);
    }
    return db.serialize({ serializationMethod: 'normal' });
  } finally {
    db.collections.forEach((c, i) => Object.assign(c, kept[i]));
  }
}

async function readDocuments(path: string): Promise<unknown[]> {
  const docs: unknown[] = [];
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  try {
    for await (const line of lines) if (line !== '') docs.push(JSON.parse(line));
  } catch (err) {
    // A collection named in db.json whose file was never written (a crash right after db.json): empty.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return docs;
}

/** The database in `dir`, as a plain object LokiJS loads (`loadJSONObject`); undefined when there is none. */
async function readDatabase(dir: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, MAIN), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const main = mainFile.parse(JSON.parse(text));
  const collections = await Promise.all(
    main.collections.map(async (c) => ({ ...c, data: await readDocuments(join(dir, fileOf(c.name))) })),
  );
  return { ...main, collections };
}

export interface TableFiles {
  /** LokiJS's adapter mode: it hands `exportDatabase` a database whose documents are the live ones. */
  readonly mode: 'reference';
  /** LokiJS's load: the database in the folder, or null for a new one (an Error when it cannot be read). */
  loadDatabase(dbname: string, callback: (result: Record<string, unknown> | Error | null) => void): void;
  /** LokiJS's save (Azurite's start, its autosave, its close): every collection that changed. */
  exportDatabase(dbname: string, copy: unknown, callback: (err: Error | null) => void): void;
  /**
   * Writes the collections that changed since they were last written, but those named in `except`
   * (they stay owed to a later save). Saves run one at a time, in the order asked.
   */
  save(except?: readonly string[]): Promise<void>;
}

/**
 * Makes `db` (a LokiJS database, not yet loaded) keep its collections in `dir`, one file each. Call before
 * the database loads (Azurite loads it in its server's `start()`).
 */
export function useTableFiles(db: LokiDatabase, dir: string): TableFiles {
  /** Collections changed since they were last written (LokiJS's own flags are cleared by its saves). */
  const owed = new Set<string>();
  let chain: Promise<void> = Promise.resolve();
  const collect = () => {
    for (const c of db.collections) {
      if (c.dirty) owed.add(c.name);
      c.dirty = false;
    }
  };
  /** What is still owed shows as dirty to LokiJS, so its autosave comes back for it. */
  const flagOwed = () => {
    for (const c of db.collections) if (owed.has(c.name)) c.dirty = true;
  };

  async function write(except: ReadonlySet<string>): Promise<void> {
    collect();
    const due = db.collections.filter((c) => owed.has(c.name) && !except.has(c.name));
    if (due.length === 0) return flagOwed();
    // The instant saved: everything serialised before the first await.
    const main = serializeMain(db);
    const files = due.map((c) => ({ name: c.name, chunks: documentChunks(c.data) }));
    for (const c of due) owed.delete(c.name);
    flagOwed();
    try {
      await mkdir(dir, { recursive: true });
      await writeWhole(dir, MAIN, [main]);
      for (const f of files) await writeWhole(dir, fileOf(f.name), f.chunks);
    } catch (err) {
      for (const f of files) owed.add(f.name);
      flagOwed();
      throw err;
    }
  }

  const files: TableFiles = {
    mode: 'reference',
    loadDatabase(_dbname, callback) {
      readDatabase(dir).then(
        (loaded) => {
          // LokiJS builds the collections from `loaded` before this returns. Their indexes are adaptive
          // (kept up to date by every write, never rebuilt when a query needs them), so they are built
          // here, before anything reads; building them flags the collections dirty, which they are not.
          callback(loaded ?? null);
          for (const c of db.collections) {
            c.ensureAllIndexes(true);
            c.dirty = false;
          }
        },
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    },
    exportDatabase(_dbname, _copy, callback) {
      files.save().then(
        () => {
          // LokiJS clears every dirty flag once this returns: record first what changed meanwhile.
          collect();
          callback(null);
          flagOwed();
        },
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    },
    save(except = []) {
      const run = chain.then(() => write(new Set(except)));
      chain = run.catch(() => undefined);
      return run;
    },
  };
  db.persistenceAdapter = files;
  db.persistenceMethod = 'adapter';
  return files;
}

/** A single-file LokiJS database as it lies on disk (what LokiJS's `serialize` wrote). */
const singleFile = z.looseObject({
  collections: z.array(
    z.looseObject({ name: z.string(), data: z.array(z.unknown()), binaryIndices: z.record(z.string(), z.unknown()).optional() }),
  ),
});

/**
 * A data folder from before the files per table: its single LokiJS file `legacy` is read (as LokiJS reads
 * it: the whole file, then JSON.parse), written to `dir` as files per table, and removed. Nothing to do
 * when there is no such file. Returns whether it converted.
 */
export async function convertSingleFile(legacy: string, dir: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(legacy, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  if ((await readdir(dir).catch(() => [] as string[])).includes(MAIN)) {
    // Converted before, and a crash left the old file behind.
    await unlink(legacy);
    return false;
  }
  const old = singleFile.parse(JSON.parse(text));
  // Collections first and db.json last: until db.json exists, the next start converts again.
  await mkdir(dir, { recursive: true });
  for (const c of old.collections) await writeWhole(dir, fileOf(c.name), documentChunks(c.data));
  const collections = old.collections.map((c) => ({
    ...c,
    data: [],
    idIndex: null,
    binaryIndices: unbuiltIndexes(c.binaryIndices ?? {}),
  }));
  await writeWhole(dir, MAIN, [JSON.stringify({ ...old, collections })]);
  await unlink(legacy);
  return true;
}
