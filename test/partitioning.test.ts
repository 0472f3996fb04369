// The record tables partitioned by client (store/partitioning.ts, `tesoro partition`): what a
// database serves is the same before and after, refreshes keep storing (unchanged rows silent,
// changed and new ones reported), each client's rows sit in one partition and its queries read
// only that one, and deleting a connection still removes its rows.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { Product } from '../src/domain/products.ts';
import type { NormalizedRecord } from '../src/domain/records.ts';
import { createClient } from '../src/services/clients.ts';
import { syncTransactions } from '../src/services/transactions-sync.ts';
import { updateProductState } from '../src/store/connections.ts';
import { partitionRecordTables, recordPartitions } from '../src/store/partitioning.ts';
import { countRecords, listRecords } from '../src/store/product-queries.ts';
import { ingestOptionsFor, publishChanges, upsertRecords } from '../src/store/records.ts';
import {
  createPostgresDatabase,
  createTestDatabase,
  type TestDatabase,
  testEngine,
} from './helpers/database.ts';
import { runCli } from './helpers/processes.ts';

const account = (key: string): NormalizedRecord => ({
  product: 'accounts',
  naturalKey: key,
  data: { iban: `ES00${key}`, name: `Account ${key}`, balance: '100.00', currency: 'EUR' },
  raw: { key },
});

const movement = (key: string, day: number, amount = '-5.00'): NormalizedRecord => ({
  product: 'transactions',
  naturalKey: key,
  parentKey: 'a1',
  data: {
    amount,
    currency: 'EUR',
    operation_date: `2026-01-${String(day).padStart(2, '0')}`,
    description: `Card payment ${key}`,
  },
  raw: { key },
});

const movements = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => movement(`${prefix}${i}`, (i % 28) + 1));

describe('record tables partitioned by client', () => {
  let database: TestDatabase;
  const clients: string[] = [];
  const connections: Record<string, string[]> = {};

  const newConnection = async (clientId: string) => {
    const id = `con_${Math.random().toString(36).slice(2, 14)}`;
    await sql`
      insert into connections (id, client_id, institution_id, connector, access_mode, products,
        history_days, external_id, status, status_detail)
      values (${id}, ${clientId}, 'ins_test', 'sandbox', 'single', ${['accounts', 'transactions']}, 90,
        ${`user-${id}`}, 'ok', 'test')`.execute(database.db);
    return id;
  };
  const store = async (
    clientId: string,
    connectionId: string,
    product: Product,
    batch: NormalizedRecord[],
  ) => {
    const counts = await upsertRecords(
      database.db,
      ingestOptionsFor(database),
      { clientId, connectionId },
      product,
      batch,
    );
    await publishChanges(database.db, connectionId);
    await updateProductState(database.db, connectionId, product, {
      created: true,
      errored: false,
      error: null,
      count: batch.length,
    });
    return counts;
  };
  /** Everything the data API serves a client from the stored rows: lists, counts, the sync feed. */
  const served = async (clientId: string) => {
    const all = await listRecords(
      database.db,
      'transactions',
      { clientId },
      { pageSize: 1000, includeRaw: true },
    );
    const page = await listRecords(
      database.db,
      'transactions',
      { clientId, connectionIds: connections[clientId]!.slice(0, 1), amountMax: -1 },
      { pageSize: 10, page: 2, includeRaw: false },
    );
    const accounts = await listRecords(
      database.db,
      'accounts',
      { clientId },
      { pageSize: 100, includeRaw: false },
    );
    const feed = await syncTransactions(database.db, clientId, {
      connectionId: connections[clientId]![0]!,
      count: 500,
    });
    return {
      all: all.map((r) => r.json),
      page: page.map((r) => r.json),
      accounts: accounts.map((r) => r.json),
      count: await countRecords(database.db, 'transactions', { clientId }),
      feed,
    };
  };

  before(async () => {
    database = await createTestDatabase();
    for (const name of ['first', 'second', 'third']) {
      const clientId = (await createClient(database.db, { name })).client.id;
      clients.push(clientId);
      connections[clientId] = [await newConnection(clientId), await newConnection(clientId)];
      for (const connectionId of connections[clientId]!) {
        await store(clientId, connectionId, 'accounts', [account('a1')]);
        await store(clientId, connectionId, 'transactions', movements(name, 60));
      }
    }
  });
  after(() => database.close());

  test('serves the same, stores as before, and keeps each client in one partition', async () => {
    const before = await Promise.all(clients.map(served));
    assert.equal(before[0]!.count, 120);

    const reports = await partitionRecordTables(database.db, 4);
    assert.ok(reports.some((r) => r.table === 'transactions' && r.rows === 360 && r.partitions === 4));
    assert.ok(Object.values(await recordPartitions(database.db)).every((n) => n === 4));
    assert.deepEqual(await partitionRecordTables(database.db, 4), [], 'a second run changes nothing');

    assert.deepEqual(await Promise.all(clients.map(served)), before);

    // Each client's rows sit in one partition of the table, and its lists read only that one.
    const homes = await sql<{ client_id: string; partitions: number }>`
      select client_id, count(distinct tableoid)::int as partitions from transactions group by client_id`.execute(
      database.db,
    );
    assert.deepEqual(
      homes.rows.map((r) => r.partitions),
      [1, 1, 1],
    );
    const plan = await sql<{ 'QUERY PLAN': string }>`
      explain select id from transactions where client_id = ${sql.lit(clients[0]!)} and removed_at is null
      order by operation_date desc, id desc limit 100`.execute(database.db);
    const scanned = new Set(plan.rows.flatMap((r) => r['QUERY PLAN'].match(/transactions_p\d+/g) ?? []));
    assert.equal(scanned.size, 1, plan.rows.map((r) => r['QUERY PLAN']).join('\n'));

    // A refresh after it: unchanged rows are silent, a changed and a new one are reported.
    const [clientId] = clients;
    const [connectionId] = connections[clientId!]!;
    const again = movements('first', 60);
    assert.deepEqual(await store(clientId!, connectionId!, 'transactions', again), {
      added: 0,
      modified: 0,
      removed: 0,
      stored: 60,
    });
    again[0] = movement('first0', 1, '-99.00');
    again.push(movement('brand-new', 28));
    assert.deepEqual(await store(clientId!, connectionId!, 'transactions', again), {
      added: 1,
      modified: 1,
      removed: 0,
      stored: 61,
    });
    const after = await served(clientId!);
    assert.equal(after.count, 121);
    assert.deepEqual(
      (JSON.parse(after.feed) as { added: unknown[]; modified: unknown[] }).modified.length,
      0,
      'a first page of the feed lists every transaction as added',
    );
    assert.ok(after.all.some((json) => (JSON.parse(json) as { amount: number }).amount === -99));
    // The other clients are untouched.
    assert.deepEqual(await served(clients[1]!), before[1]);

    // Deleting a connection still removes its rows (the foreign key is on the partitioned table).
    await sql`delete from connections where id = ${connectionId!}`.execute(database.db);
    assert.equal(await countRecords(database.db, 'transactions', { clientId: clientId! }), 60);
    assert.equal(await countRecords(database.db, 'accounts', { clientId: clientId! }), 1);
  });
});

test('tesoro partition partitions the record tables once and refuses a bad count', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tesoro-partition-'));
  const env: Record<string, string> = { TESORO_DATA_DIR: dataDir };
  let drop = async () => {};
  if (testEngine === 'postgres') {
    const created = await createPostgresDatabase();
    env.DATABASE_URL = created.url;
    drop = created.drop;
  }
  try {
    const bad = await runCli(['partition', '--partitions', 'many'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--partitions N/);
    const first = await runCli(['partition', '--partitions', '8', '--json'], env);
    assert.equal(first.code, 0, first.stderr);
    const result = JSON.parse(first.stdout) as { partitioned: unknown[]; tables: Record<string, number> };
    assert.equal(result.partitioned.length, Object.keys(result.tables).length);
    assert.ok(Object.values(result.tables).every((n) => n === 8));
    const second = await runCli(['partition', '--partitions', '8'], env);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /already partitioned/);
  } finally {
    await drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
