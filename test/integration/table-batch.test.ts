import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AzureNamedKeyCredential, generateAccountSas, TableClient } from '@azure/data-tables';
import { DEV_ACCOUNT, DEV_KEY, startAzurite, type Azurite } from '../../local/azurite.js';
import { submitTransaction } from '../../shared/storage/table-batch.js';
import { statusOf } from '../../shared/storage/rest-errors.js';

/*
 * The stores' entity-group transactions (shared/storage/table-batch.ts) are written by hand, not by the
 * SDK: every action kind, keys that need escaping in a URL, conditional writes, a failing change set and
 * SAS authentication, against real Azurite and read back through the SDK.
 */
let azurite: Azurite;
let table: TableClient;
const PK = "reg|0'1 ü%2F";

beforeAll(async () => {
  azurite = await startAzurite();
  table = TableClient.fromConnectionString(azurite.connectionString, 'batchtest', { allowInsecureConnection: true });
  await table.createTable();
});
afterAll(async () => azurite.close());

const read = async (rowKey: string) => {
  try {
    return await table.getEntity<Record<string, unknown>>(PK, rowKey);
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
};

describe('entity-group transactions written by hand', () => {
  it('creates, merges, replaces, updates and deletes, with keys that need escaping, and answers each row’s ETag', async () => {
    await table.createEntity({ partitionKey: PK, rowKey: 'merge', kept: 'yes', n: 1 });
    await table.createEntity({ partitionKey: PK, rowKey: 'replace', gone: 'yes' });
    const updated = await table.createEntity({ partitionKey: PK, rowKey: "upd'ate", n: 1 });
    await table.createEntity({ partitionKey: PK, rowKey: 'del|ete me', n: 1 });
    const res = await submitTransaction(table, [
      [
        'create',
        { partitionKey: PK, rowKey: "del|x y|%2F|ü|'q'", s: 'a "quoted" line\r\n--changeset_x', n: 7, f: 1.5, b: true, none: undefined },
      ],
      ['upsert', { partitionKey: PK, rowKey: 'merge', n: 2 }],
      ['upsert', { partitionKey: PK, rowKey: 'replace', fresh: 'yes' }, 'Replace'],
      ['update', { partitionKey: PK, rowKey: "upd'ate", n: 2 }, 'Merge', { etag: updated.etag! }],
      ['delete', { partitionKey: PK, rowKey: 'del|ete me' }],
    ]);
    expect(res.subResponses.map((r) => r.status)).toEqual([204, 204, 204, 204, 204]);

    const created = await read("del|x y|%2F|ü|'q'");
    expect(created).toMatchObject({ s: 'a "quoted" line\r\n--changeset_x', n: 7, f: 1.5, b: true });
    expect(created).not.toHaveProperty('none');
    expect(res.subResponses[0]?.etag).toBe(created?.etag);
    expect(await read('merge')).toMatchObject({ kept: 'yes', n: 2 });
    const replaced = await read('replace');
    expect(replaced).toMatchObject({ fresh: 'yes' });
    expect(replaced).not.toHaveProperty('gone');
    expect(await read("upd'ate")).toMatchObject({ n: 2 });
    expect(res.subResponses[3]?.etag).toBe((await read("upd'ate"))?.etag);
    expect(await read('del|ete me')).toBeUndefined();
  });

  it('fails the whole change set with the failing row’s status: 409 for a row already there, 412 for a stale ETag', async () => {
    await table.createEntity({ partitionKey: PK, rowKey: 'there', n: 1 });
    const first = await submitTransaction(table, [['create', { partitionKey: PK, rowKey: 'cond', n: 1 }]]);
    const stale = first.subResponses[0]!.etag!;
    await table.updateEntity({ partitionKey: PK, rowKey: 'cond', n: 2 }, 'Merge');

    const conflict = await submitTransaction(table, [
      ['create', { partitionKey: PK, rowKey: 'new-one', n: 1 }],
      ['create', { partitionKey: PK, rowKey: 'there', n: 2 }],
    ]).catch((err: unknown) => err);
    expect(statusOf(conflict)).toBe(409);
    expect(conflict).toMatchObject({ code: 'EntityAlreadyExists' });
    expect(await read('new-one')).toBeUndefined();
    expect(await read('there')).toMatchObject({ n: 1 });

    const precondition = await submitTransaction(table, [
      ['create', { partitionKey: PK, rowKey: 'new-two', n: 1 }],
      ['update', { partitionKey: PK, rowKey: 'cond', n: 3 }, 'Merge', { etag: stale }],
    ]).catch((err: unknown) => err);
    expect(statusOf(precondition)).toBe(412);
    expect(await read('new-two')).toBeUndefined();
    expect(await read('cond')).toMatchObject({ n: 2 });

    const missing = await submitTransaction(table, [['update', { partitionKey: PK, rowKey: 'never', n: 1 }, 'Merge']]).catch(
      (err: unknown) => err,
    );
    expect(statusOf(missing)).toBe(404);
  });

  it('sends a transaction of one action as that action’s own request, answering as a change set would', async () => {
    // Which requests go out (method and path), seen by a policy on a client of its own.
    const sent: string[] = [];
    const client = TableClient.fromConnectionString(azurite.connectionString, 'batchtest', { allowInsecureConnection: true });
    client.pipeline.addPolicy({
      name: 'seen',
      sendRequest: (request, next) => {
        sent.push(`${request.method} ${decodeURIComponent(new URL(request.url).pathname.split('/').pop()!)}`);
        return next(request);
      },
    });
    const key = "one|x y|%2F|ü|'q'";
    const created = await submitTransaction(client, [
      ['create', { partitionKey: PK, rowKey: key, s: 'a "line"\r\n', n: 7, f: 1.5, b: true }],
    ]);
    expect(created.subResponses).toHaveLength(1);
    expect(created.subResponses[0]?.etag).toBe((await read(key))?.etag);
    expect(await read(key)).toMatchObject({ s: 'a "line"\r\n', n: 7, f: 1.5, b: true });

    const merged = await submitTransaction(client, [
      ['update', { partitionKey: PK, rowKey: key, n: 8 }, 'Merge', { etag: created.subResponses[0]!.etag! }],
    ]);
    expect(await read(key)).toMatchObject({ s: 'a "line"\r\n', n: 8 });
    expect(merged.subResponses[0]?.etag).toBe((await read(key))?.etag);
    const stale = await submitTransaction(client, [
      ['update', { partitionKey: PK, rowKey: key, n: 9 }, 'Merge', { etag: created.subResponses[0]!.etag! }],
    ]).catch((err: unknown) => err);
    expect(statusOf(stale)).toBe(412);
    const again = await submitTransaction(client, [['create', { partitionKey: PK, rowKey: key, n: 1 }]]).catch((err: unknown) => err);
    expect(statusOf(again)).toBe(409);
    expect(again).toMatchObject({ code: 'EntityAlreadyExists' });
    expect(await read(key)).toMatchObject({ n: 8 });

    await submitTransaction(client, [['upsert', { partitionKey: PK, rowKey: key, fresh: 'yes' }, 'Replace']]);
    const replaced = await read(key);
    expect(replaced).toMatchObject({ fresh: 'yes' });
    expect(replaced).not.toHaveProperty('s');
    await submitTransaction(client, [['delete', { partitionKey: PK, rowKey: key }]]);
    expect(await read(key)).toBeUndefined();
    const missing = await submitTransaction(client, [['delete', { partitionKey: PK, rowKey: key }]]).catch((err: unknown) => err);
    expect(statusOf(missing)).toBe(404);

    // None went as a change set; two actions do.
    expect(sent.every((s) => !s.endsWith('$batch'))).toBe(true);
    expect(sent[0]).toBe('POST batchtest');
    expect(sent[1]).toBe(`PATCH batchtest(PartitionKey='${PK.replace(/'/g, "''")}',RowKey='${key.replace(/'/g, "''")}')`);
    await submitTransaction(client, [
      ['create', { partitionKey: PK, rowKey: 'two-1', n: 1 }],
      ['create', { partitionKey: PK, rowKey: 'two-2', n: 1 }],
    ]);
    expect(sent.at(-1)).toBe('POST $batch');
  });

  it('writes a typed value (a Date) through the SDK, the same transaction', async () => {
    const when = new Date('2026-12-02T10:00:00.000Z');
    await submitTransaction(table, [
      ['create', { partitionKey: PK, rowKey: 'typed-1', when }],
      ['create', { partitionKey: PK, rowKey: 'typed-2', n: 1 }],
    ]);
    expect((await read('typed-1'))?.['when']).toEqual(when);
    expect(await read('typed-2')).toMatchObject({ n: 1 });
  });

  it('authenticates with a SAS connection string (the signature moves behind $batch and a lone action’s URL) and a wrong signature is refused', async () => {
    // An account SAS: a batch is a call on the account, not on one table (a table SAS is refused for $batch).
    const sas = generateAccountSas(new AzureNamedKeyCredential(DEV_ACCOUNT, DEV_KEY), {
      permissions: { add: true, query: true, update: true, delete: true, write: true, list: true },
      resourceTypes: 'sco',
      expiresOn: new Date(Date.now() + 3_600_000),
    });
    const endpoint = new URL(table.url);
    const sasClient = TableClient.fromConnectionString(
      `TableEndpoint=${endpoint.origin}${endpoint.pathname};SharedAccessSignature=${sas}`,
      'batchtest',
      {
        allowInsecureConnection: true,
      },
    );
    // One action (its own request) and two (a change set): the signature goes behind each.
    const one = await submitTransaction(sasClient, [['create', { partitionKey: PK, rowKey: 'by-sas', n: 1 }]]);
    expect(await read('by-sas')).toMatchObject({ n: 1 });
    await submitTransaction(sasClient, [
      ['update', { partitionKey: PK, rowKey: 'by-sas', n: 2 }, 'Merge', { etag: one.subResponses[0]!.etag! }],
    ]);
    await submitTransaction(sasClient, [
      ['create', { partitionKey: PK, rowKey: 'by-sas-2', n: 1 }],
      ['upsert', { partitionKey: PK, rowKey: 'by-sas', n: 3 }],
    ]);
    expect(await read('by-sas')).toMatchObject({ n: 3 });
    expect(await read('by-sas-2')).toMatchObject({ n: 1 });

    const refused = TableClient.fromConnectionString(
      `TableEndpoint=${endpoint.origin}${endpoint.pathname};SharedAccessSignature=${sas.replace(/sig=[^&]+/, 'sig=AAAA')}`,
      'batchtest',
      { allowInsecureConnection: true },
    );
    const err = await submitTransaction(refused, [['create', { partitionKey: PK, rowKey: 'not-by-sas', n: 1 }]]).catch((e: unknown) => e);
    expect(statusOf(err)).toBe(403);
    const errBatch = await submitTransaction(refused, [
      ['create', { partitionKey: PK, rowKey: 'not-by-sas', n: 1 }],
      ['create', { partitionKey: PK, rowKey: 'not-by-sas-2', n: 1 }],
    ]).catch((e: unknown) => e);
    expect(statusOf(errBatch)).toBe(403);
    expect(await read('not-by-sas')).toBeUndefined();
  });
});
