/*
 * npm run bench:row-cost — storage CPU per delivery row, by row layout and by write (issue 24): what
 * bench:cost's fan-out asks of storage, without the host. For each variant a fresh Azurite in its own
 * process gets ROWCOST_WARMUP (2) warm-up and ROWCOST_ROUNDS (6) measured rounds of 20 events × 100
 * webhooks, written as the fan-out writes an event to 100 webhooks (its `evt|` row created, then 99 rows
 * with the ETag-conditional mark, then 1 with the mark), and its CPU (utime + stime from /proc) over the
 * measured rounds is divided by the rows. The variants run in turn, ROWCOST_REPEATS (3) times; the median
 * is printed with every run. Variants:
 *   columns upsert   each field a property, upserted: what the fan-out wrote before
 *   columns create   the same rows, created
 *   record upsert    the current layout (delivery-entity.ts: queried fields as properties, the rest in one JSON property), upserted
 *   record create    the current layout, created: what the fan-out writes now
 *   minimal create   the keys and `state` alone, created: the least a row per delivery can cost
 */
import { submitTransaction } from '../shared/storage/table-batch.js';
import { readFileSync } from 'node:fs';
import { TableClient, type TableEntity, type TransactionAction } from '@azure/data-tables';
import { startBenchStorage } from './lib/bench-storage.js';
import { fmt } from './lib/figures.js';
import { processCpuMs } from './lib/proc-cpu.js';
import { toDeliveryEntity } from '../shared/storage/delivery-entity.js';
import { Partitions, Rows } from '../shared/storage/event-keys.js';
import type { DeliveryRecord } from '../shared/delivery/delivery-record.js';
import { USER_AGENT } from '../shared/delivery/outbound-request.js';

const setting = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const WARMUP = setting('ROWCOST_WARMUP', 2);
const ROUNDS = setting('ROWCOST_ROUNDS', 6);
const REPEATS = setting('ROWCOST_REPEATS', 3);
const EVENTS = 20;
const WEBHOOKS = 100;
const REGISTRY = 'rowcost';

/** A delivery as the fan-out records one that succeeded at once (an ACR push to a Node receiver). */
function delivered(webhook: string, eventId: string, receivedMs: number): DeliveryRecord {
  const at = new Date().toISOString();
  return {
    webhook,
    eventId,
    receivedMs,
    action: 'push',
    image: 'bench/app:v1',
    body: '',
    bodyFrom: { format: 'acr' },
    requestHeaders: {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'webhook-id': eventId,
      'webhook-timestamp': String(Math.floor(receivedMs / 1000)),
      'webhook-signature': '***',
    },
    requestUri: `http://127.0.0.1:40000/${REGISTRY}/${webhook}`,
    state: 'succeeded',
    attempts: 1,
    nextAttemptAt: undefined,
    lastError: undefined,
    responseStatus: 200,
    responseReason: 'OK',
    responseHeaders: { date: new Date().toUTCString(), connection: 'keep-alive', 'keep-alive': 'timeout=5', 'content-length': '0' },
    responseBody: '',
    durationMs: 2.5,
    queuedMs: 0,
    createdAt: at,
    updatedAt: at,
  };
}

/** The layout before: every field a property of its own, maps and `bodyFrom` as JSON strings. */
function columnsEntity(partitionKey: string, r: DeliveryRecord): TableEntity {
  const { receivedMs: _receivedMs, body: _body, action: _action, image: _image, bodyFrom, requestHeaders, responseHeaders, ...rest } = r;
  return {
    ...rest,
    partitionKey,
    rowKey: Rows.delivery(r.webhook, r.receivedMs, r.eventId),
    bodyFrom: JSON.stringify(bodyFrom),
    requestHeaders: JSON.stringify(requestHeaders),
    responseHeaders: JSON.stringify(responseHeaders),
  };
}

const minimalEntity = (partitionKey: string, r: DeliveryRecord): TableEntity => ({
  partitionKey,
  rowKey: Rows.delivery(r.webhook, r.receivedMs, r.eventId),
  state: r.state,
});

type Write = (entity: TableEntity) => TransactionAction;
const upsert: Write = (e) => ['upsert', e, 'Replace'];
const create: Write = (e) => ['create', e];
const VARIANTS: Record<string, { readonly row: (pk: string, r: DeliveryRecord) => TableEntity; readonly write: Write }> = {
  'columns upsert': { row: columnsEntity, write: upsert },
  'columns create': { row: columnsEntity, write: create },
  'record upsert': { row: toDeliveryEntity, write: upsert },
  'record create': { row: toDeliveryEntity, write: create },
  'minimal create': { row: minimalEntity, write: create },
};

/** One variant on a fresh Azurite: its CPU and table request bytes per row over the measured rounds. */
async function run(variant: (typeof VARIANTS)[string]): Promise<{ cpuMs: number; bytes: number }> {
  const storage = await startBenchStorage('child');
  try {
    const table = TableClient.fromConnectionString(storage.connectionString, 'events', { allowInsecureConnection: true });
    await table.createTable();
    const round = async (r: number) => {
      const receivedMs = Date.now();
      await Promise.all(
        Array.from({ length: EVENTS }, async (_, e) => {
          const eventId = `r${r}-e${e}`;
          const pk = Partitions.event(REGISTRY, eventId);
          const key = { partitionKey: pk, rowKey: Rows.event(eventId) };
          const accepted = await submitTransaction(table, [
            ['create', { ...key, payload: '{}', state: 'claimed', receivedAt: new Date(receivedMs).toISOString() }],
          ]);
          let etag = accepted.subResponses[0]!.etag!;
          const rows = Array.from({ length: WEBHOOKS }, (_, w) =>
            variant.write(variant.row(pk, delivered(`hook${w}`, eventId, receivedMs))),
          );
          for (let i = 0; i < rows.length; i += 99) {
            const chunk = rows.slice(i, i + 99);
            const state = i + 99 >= rows.length ? 'fannedout' : 'claimed';
            const actions: TransactionAction[] = [...chunk, ['update', { ...key, state, recorded: i + chunk.length }, 'Merge', { etag }]];
            const res = await submitTransaction(table, actions);
            etag = res.subResponses[actions.length - 1]!.etag!;
          }
        }),
      );
    };
    for (let r = 0; r < WARMUP; r++) await round(r);
    const cpu = processCpuMs(storage.pid);
    const { tableBytes } = await storage.requestCounts();
    for (let r = WARMUP; r < WARMUP + ROUNDS; r++) await round(r);
    const rows = ROUNDS * EVENTS * WEBHOOKS;
    return { cpuMs: (processCpuMs(storage.pid) - cpu) / rows, bytes: ((await storage.requestCounts()).tableBytes - tableBytes) / rows };
  } finally {
    await storage.close();
  }
}

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim();
console.log(
  `registry-webhooks bench:row-cost — Azurite CPU per delivery row; ${EVENTS} events × ${WEBHOOKS} webhooks a round, ` +
    `${WARMUP} warm-up + ${ROUNDS} measured rounds on a fresh Azurite per run, ${REPEATS} runs per variant, in turn`,
);
console.log(`loadavg at start: ${loadavg()}`);
const results = new Map<string, { cpuMs: number; bytes: number }[]>();
for (let i = 0; i < REPEATS; i++)
  for (const [name, variant] of Object.entries(VARIANTS)) {
    const list = results.get(name) ?? [];
    list.push(await run(variant));
    results.set(name, list);
  }
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = median(results.get('columns upsert')!.map((r) => r.cpuMs));
for (const [name, list] of results) {
  const m = median(list.map((r) => r.cpuMs));
  console.log(
    `  ${name.padEnd(15)} ${fmt(m, 3)} ms CPU per row (${fmt(m / base, 2)}×; runs ${list.map((r) => fmt(r.cpuMs, 3)).join(', ')}), ` +
      `${fmt(median(list.map((r) => r.bytes)))} table request bytes per row`,
  );
}
console.log(`loadavg at end: ${loadavg()}`);
