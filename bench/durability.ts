/*
 * npm run bench:durability — what the embedded default's durability costs. The local host journals each
 * accepted ingest batch (append + fdatasync) before answering, and checkpoints Azurite's LokiJS files
 * every few seconds. Prints the journal's latency alone and under concurrent appends (which share a
 * sync), and the checkpoint's cost as the tables grow.
 */
import { submitTransaction } from '../shared/storage/table-batch.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TableClient, type TransactionAction } from '@azure/data-tables';
import { startAzurite } from '../local/azurite.js';
import { openJournal } from '../local/ingest-journal.js';

const fmt = (n: number, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
const dir = mkdtempSync(join(tmpdir(), 'rw-durability-'));
const event = {
  id: 'e'.repeat(36),
  timestamp: new Date().toISOString(),
  action: 'push',
  target: { repository: 'app', tag: 'v1', digest: `sha256:${'a'.repeat(64)}` },
};

try {
  const journal = await openJournal(dir);
  const one: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t = performance.now();
    await journal.append({ registry: 'bench', items: [{ event, receivedAt: new Date().toISOString(), remember: false }] });
    one.push(performance.now() - t);
  }
  console.log(`journal, one append at a time (300): p50 ${fmt(pct(one, 50), 2)} ms, p99 ${fmt(pct(one, 99), 2)} ms`);
  const t0 = performance.now();
  const together: number[] = [];
  await Promise.all(
    Array.from({ length: 1000 }, async () => {
      const t = performance.now();
      await journal.append({ registry: 'bench', items: [{ event, receivedAt: new Date().toISOString(), remember: false }] });
      together.push(performance.now() - t);
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  console.log(
    `journal, 1,000 concurrent appends: ${fmt(1000 / secs, 0)} appends/s, p50 ${fmt(pct(together, 50), 2)} ms, p99 ${fmt(pct(together, 99), 2)} ms`,
  );

  const azurite = await startAzurite({ dataDir: join(dir, 'azurite') });
  const table = TableClient.fromConnectionString(azurite.connectionString, 'events', { allowInsecureConnection: true });
  await table.createTable();
  const body = 'x'.repeat(1500);
  let rows = 0;
  for (const target of [0, 1_000, 5_000, 20_000]) {
    while (rows < target) {
      const tx: TransactionAction[] = [];
      for (let i = 0; i < 100; i++, rows++)
        tx.push(['create', { partitionKey: 'bench', rowKey: `del|${String(rows).padStart(9, '0')}`, body }]);
      await submitTransaction(table, tx);
    }
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await journal.checkpoint(() => azurite.save());
      times.push(performance.now() - t);
    }
    console.log(
      `checkpoint with ${fmt(rows, 0)} rows of ~1.5 KB: p50 ${fmt(pct(times, 50))} ms (Azurite's own autosave does the same every 5 s)`,
    );
  }
  await journal.close();
  await azurite.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
