// The record store as a connector and a reader depend on it (store/records.ts, record-rows.ts,
// product-queries.ts): typed columns hold what is served, values of the wrong kind are served as
// their kind says, unchanged records are not rebuilt, a database stored by the previous layout
// serves the same records after migration 0010 and its next refresh reports no change, and lists
// that span connections merge them in order.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { productDocument } from '../src/domain/product-document.ts';
import type { Product } from '../src/domain/products.ts';
import type { NormalizedRecord } from '../src/domain/records.ts';
import { createClient } from '../src/services/clients.ts';
import { migrationProvider } from '../src/store/migrations/index.ts';
import { countRecords, listRecordPage, listRecords } from '../src/store/product-queries.ts';
import { ingestOptionsFor, recordId, upsertRecords } from '../src/store/records.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';

const transaction = (key: string, date: string, data: Record<string, unknown> = {}): NormalizedRecord => ({
  product: 'transactions',
  naturalKey: key,
  parentKey: 'acct-1',
  data: {
    amount: '-12.50',
    currency: 'EUR',
    operation_date: date,
    value_date: date,
    description: `Payment ${key}`,
    ...data,
  },
  raw: { key, source: 'test' },
});

async function newConnection(database: TestDatabase, clientId: string, externalId: string | null) {
  const id = `con_${Math.random().toString(36).slice(2, 14)}`;
  await sql`
    insert into connections (id, client_id, institution_id, connector, access_mode, products,
      history_days, external_id, status, status_detail)
    values (${id}, ${clientId}, 'ins_test', 'sandbox', 'single', ${['transactions']}, 90,
      ${externalId}, 'ok', 'test')`.execute(database.db);
  return id;
}

const parsed = (json: string) => JSON.parse(json) as Record<string, unknown>;

describe('the record store', () => {
  let database: TestDatabase;
  let clientId: string;
  let otherClientId: string;

  before(async () => {
    database = await createTestDatabase();
    clientId = (await createClient(database.db, { name: 'store' })).client.id;
    otherClientId = (await createClient(database.db, { name: 'other' })).client.id;
  });
  after(() => database.close());

  const store = (connectionId: string, product: Product, batch: NormalizedRecord[], client = clientId) =>
    upsertRecords(
      database.db,
      ingestOptionsFor(database),
      { clientId: client, connectionId },
      product,
      batch,
    );
  const list = (product: Product, filters: Record<string, unknown> = {}, pageSize = 100) =>
    listRecords(database.db, product, { clientId, ...filters }, { pageSize, includeRaw: false });

  test('typed columns hold what is served; a value of the wrong kind is served as its kind says', async () => {
    const connectionId = await newConnection(database, clientId, 'user-typed');
    const record = transaction('t1', '2026-03-02', {
      balance: 'not a number',
      mcc: 5411,
      value_date: '2026-02-30',
      counterparty: { name: 'an object where text belongs' },
      transfer: { iban: 'ES00' },
      bank_reference: 'R-77',
    });
    assert.deepEqual(await store(connectionId, 'transactions', [record]), {
      added: 1,
      modified: 0,
      removed: 0,
      stored: 1,
    });
    const [row] = await list('transactions', { connectionIds: [connectionId] });
    const served = parsed(row!.json);
    assert.equal(served.id, recordId(connectionId, 'transactions', 't1'));
    assert.equal(served.external_id, 'user-typed');
    assert.equal(served.account_id, recordId(connectionId, 'accounts', 'acct-1'));
    assert.equal(served.amount, -12.5);
    assert.equal(served.balance, null);
    assert.equal(served.mcc, '5411');
    assert.equal(served.value_date, null, 'a day that does not exist is no date');
    assert.equal(served.counterparty, null);
    assert.deepEqual(served.transfer, { iban: 'ES00' });
    assert.equal(served.bank_reference, 'R-77', 'a field outside the catalog is served');
    assert.equal(served.pending, false);
    assert.equal(Object.keys(served).filter((key) => key === 'pending').length, 1);
    const stored = await sql<Record<string, unknown>>`
      select amount::text, balance, mcc, value_date, counterparty, extra from transactions
      where id = ${served.id as string}`.execute(database.db);
    assert.deepEqual(
      { ...stored.rows[0], extra: stored.rows[0]!.extra },
      {
        amount: '-12.50',
        balance: null,
        mcc: '5411',
        value_date: null,
        counterparty: null,
        extra: { transfer: { iban: 'ES00' }, bank_reference: 'R-77' },
      },
    );
    // Filters read the typed columns.
    assert.equal((await list('transactions', { connectionIds: [connectionId], amountMax: -12 })).length, 1);
    assert.equal((await list('transactions', { connectionIds: [connectionId], amountMin: 0 })).length, 0);
  });

  test('record ids are derived as they always were (they are stored keys: a change would duplicate every row)', () => {
    assert.equal(recordId('con_abc', 'transactions', 't1'), 'txn_kr65yjympskg7nlns6yg');
    assert.equal(recordId('con_abc', 'accounts', 'ES12 N\u00f3mina \u{1F600}'), 'acc_tq6ub376qwoahmrwx3hy');
    assert.equal(recordId('con_x', 'holders', 'k'), 'hld_2nj323cnfzmnvisr2zys');
  });

  test('a connector field named __proto__ is served and kept like any other', async () => {
    const connectionId = await newConnection(database, clientId, null);
    const data = JSON.parse('{"__proto__": {"bank": "field"}, "amount": "1.00", "currency": "EUR"}');
    await store(connectionId, 'transactions', [transaction('proto', '2026-03-04', data)]);
    const [row] = await list('transactions', { connectionIds: [connectionId] });
    const served = JSON.parse(row!.json);
    assert.ok(Object.hasOwn(served, '__proto__'), row!.json);
    assert.deepEqual(Object.getOwnPropertyDescriptor(served, '__proto__')?.value, { bank: 'field' });
    assert.equal(served.amount, 1);
  });

  test('NUL and lone surrogates are stored as U+FFFD and stay searchable', async () => {
    const connectionId = await newConnection(database, clientId, null);
    await store(connectionId, 'transactions', [
      transaction('nul', '2026-03-03', { description: 'CAFE\u0000BAR \ud800', 'odd\u0000key': 'x' }),
    ]);
    const [row] = await list('transactions', { connectionIds: [connectionId], q: 'cafe' });
    const served = parsed(row!.json);
    assert.equal(served.description, 'CAFE\uFFFDBAR \uFFFD');
    assert.equal(served['odd\uFFFDkey'], 'x');
  });

  test('an unchanged record is not rebuilt nor rewritten; a changed one is, once', async () => {
    const connectionId = await newConnection(database, clientId, null);
    const batch = [transaction('a', '2026-01-01'), transaction('b', '2026-01-02')];
    const prepared: string[] = [];
    const prepare = (_product: Product, records: readonly NormalizedRecord[]) => {
      prepared.push(...records.map((r) => r.naturalKey));
      return records.map((r) => ({ ...r, data: { ...r.data, category: 'groceries' } }));
    };
    const ingest = ingestOptionsFor(database);
    const context = { clientId, connectionId };
    assert.deepEqual(await upsertRecords(database.db, ingest, context, 'transactions', batch, prepare), {
      added: 2,
      modified: 0,
      removed: 0,
      stored: 2,
    });
    assert.deepEqual(prepared, ['a', 'b']);
    const seqs = async () =>
      (
        await sql<{ change_seq: number }>`
          select change_seq from transactions where connection_id = ${connectionId} order by id`.execute(
          database.db,
        )
      ).rows.map((r) => Number(r.change_seq));
    const before = await seqs();
    assert.deepEqual(await upsertRecords(database.db, ingest, context, 'transactions', batch, prepare), {
      added: 0,
      modified: 0,
      removed: 0,
      stored: 2,
    });
    assert.deepEqual(prepared, ['a', 'b'], 'the unchanged records were not prepared again');
    assert.deepEqual(await seqs(), before);
    const changed = [transaction('a', '2026-01-01', { amount: '-99.00' }), batch[1]!];
    assert.deepEqual(await upsertRecords(database.db, ingest, context, 'transactions', changed, prepare), {
      added: 0,
      modified: 1,
      removed: 0,
      stored: 2,
    });
    assert.deepEqual(prepared, ['a', 'b', 'a']);
    const served = (await list('transactions', { connectionIds: [connectionId] })).map((r) => parsed(r.json));
    assert.deepEqual(
      served.map((r) => [r.amount, r.category]),
      [
        [-12.5, 'groceries'],
        [-99, 'groceries'],
      ],
    );
    assert.ok(served[1]!.updated_at !== served[1]!.first_seen_at);
  });

  test('lists across connections merge them newest first, every row once, for this client only', async () => {
    const first = await newConnection(database, clientId, 'merge-user');
    const second = await newConnection(database, clientId, 'merge-user');
    const foreign = await newConnection(database, otherClientId, 'merge-user');
    const days = (prefix: string, offset: number) =>
      Array.from({ length: 30 }, (_, i) =>
        transaction(
          `${prefix}${i}`,
          `2025-${String((i % 12) + 1).padStart(2, '0')}-${String(offset + (i % 9)).padStart(2, '0')}`,
        ),
      );
    await store(first, 'transactions', days('f', 1));
    await store(second, 'transactions', days('s', 10));
    await store(foreign, 'transactions', days('x', 20), otherClientId);
    const scope = { connectionIds: [first, second] };
    const expected = (
      await sql<{ id: string }>`
        select id from transactions where connection_id in (${first}, ${second})
        order by operation_date desc, id desc`.execute(database.db)
    ).rows.map((r) => r.id);
    const seen: string[] = [];
    let after: unknown[] | undefined;
    for (;;) {
      const rows = await listRecords(
        database.db,
        'transactions',
        { clientId, ...scope },
        { pageSize: 7, includeRaw: false, ...(after ? { after } : {}) },
      );
      seen.push(...rows.slice(0, 7).map((r) => parsed(r.json).id as string));
      if (rows.length <= 7) break;
      after = rows[6]!.key;
    }
    assert.deepEqual(seen, expected);
    const third = await listRecords(
      database.db,
      'transactions',
      { clientId, ...scope },
      { pageSize: 7, page: 3, includeRaw: false },
    );
    assert.deepEqual(
      third.slice(0, 7).map((r) => parsed(r.json).id),
      expected.slice(14, 21),
    );
    assert.equal(await countRecords(database.db, 'transactions', { clientId, ...scope }), 60);
    // The whole client (no scope) never reaches the other client's rows, even with its ids named.
    const everything = await listRecords(
      database.db,
      'transactions',
      { clientId },
      { pageSize: 1000, includeRaw: false },
    );
    assert.ok(everything.every((r) => parsed(r.json).connection_id !== foreign));
    const named = await list('transactions', { connectionIds: [first, foreign] }, 1000);
    assert.equal(named.length, 30);
    assert.equal(await countRecords(database.db, 'transactions', { clientId: otherClientId }), 30);
  });
  test('a page as listed is its rows rendered, joined, with the cursor of its last row', async () => {
    const quoted = await newConnection(database, clientId, 'user "quoted" \\ ñ \u2028');
    const plain = await newConnection(database, clientId, null);
    await store(
      quoted,
      'transactions',
      Array.from({ length: 12 }, (_, i) => transaction(`q${i}`, `2026-04-${10 + i}`)),
    );
    await store(
      plain,
      'transactions',
      Array.from({ length: 5 }, (_, i) => transaction(`p${i}`, `2026-04-${10 + i}`)),
    );
    await store(quoted, 'accounts', [
      { product: 'accounts', naturalKey: 'acct-1', data: { name: 'Cuenta', currency: 'EUR' }, raw: { a: 1 } },
    ]);
    for (const [product, filters, request] of [
      ['transactions', { connectionIds: [quoted, plain] }, { pageSize: 7, includeRaw: true }],
      ['transactions', { connectionIds: [quoted] }, { pageSize: 5, page: 2, includeRaw: false }],
      ['transactions', { connectionIds: [plain] }, { pageSize: 5, includeRaw: false }],
      ['accounts', { connectionIds: [quoted] }, { pageSize: 10, includeRaw: true }],
      [
        'transactions',
        { connectionIds: [plain], q: 'nothing like this' },
        { pageSize: 5, includeRaw: false },
      ],
    ] as const) {
      const rows = await listRecords(database.db, product, { clientId, ...filters }, request);
      const page = await listRecordPage(database.db, product, { clientId, ...filters }, request);
      const shown = rows.slice(0, request.pageSize);
      assert.equal(page.json, shown.map((row) => row.json).join(','));
      assert.equal(page.hasMore, rows.length > request.pageSize);
      assert.deepEqual(page.nextKey, page.hasMore ? shown.at(-1)!.key : null);
    }
    const [first] = (
      await listRecordPage(
        database.db,
        'transactions',
        { clientId, connectionIds: [quoted] },
        {
          pageSize: 1,
          includeRaw: false,
        },
      )
    ).json.split('\n');
    assert.equal(parsed(first!).external_id, 'user "quoted" \\ ñ \u2028');
  });
});

describe('a database stored by the previous layout (before migration 0010)', () => {
  let database: TestDatabase;

  before(async () => {
    database = await createTestDatabase({ migrate: false });
    const migrator = new Migrator({ db: database.db, provider: migrationProvider });
    const { error } = await migrator.migrateTo('0009-redirect-consent');
    if (error) throw error;
  });
  after(() => database.close());

  test('serves the same records after the migration, and its next refresh changes nothing', async () => {
    const clientId = (await createClient(database.db, { name: 'legacy' })).client.id;
    const connectionId = await newConnection(database, clientId, 'legacy-user');
    const account: NormalizedRecord = {
      product: 'accounts',
      naturalKey: 'acct-1',
      data: { iban: 'ES7921000813610123456789', name: 'Cuenta', balance: '1520.35', currency: 'EUR' },
      raw: { n: 1 },
    };
    const movements = [
      transaction('t1', '2026-02-01', { balance: '1520.35', category: 'shopping', bank_reference: 'R1' }),
      transaction('t2', '2026-02-02', { pending: true, pending_natural_key: 'p2' }),
    ];
    const investment: NormalizedRecord = {
      product: 'investment_transactions',
      naturalKey: 'it1',
      parentKey: 'fund-1',
      data: {
        isin: 'ES0000000001',
        operation_date: '2026-01-15',
        amount: 3.5,
        net_cash: '-350.10',
        currency: 'EUR',
      },
      raw: null,
    };
    // Rows exactly as the previous store wrote them: the served document in `data`, typed
    // movement columns beside it (investment transactions' `amount` held the net cash).
    const legacyRow = async (
      table: string,
      record: NormalizedRecord,
      parent: Product | null,
      movement?: { amount: string; currency: string },
    ) => {
      const product = record.product;
      const id = recordId(connectionId, product, record.naturalKey);
      const parentId = parent && record.parentKey ? recordId(connectionId, parent, record.parentKey) : null;
      const data = JSON.stringify(productDocument(product, record.data));
      if (!movement) {
        await sql`
          insert into ${sql.table(table)} (id, client_id, connection_id, natural_key, parent_id, data, raw, hash, change_seq, created_seq)
          values (${id}, ${clientId}, ${connectionId}, ${record.naturalKey}, ${parentId}, ${data}::json,
            ${JSON.stringify(record.raw)}, 'old', 1, 1)`.execute(database.db);
        return;
      }
      const d = record.data;
      const pendingId =
        typeof d.pending_natural_key === 'string'
          ? recordId(connectionId, product, d.pending_natural_key)
          : null;
      await sql`
        insert into ${sql.table(table)} (id, client_id, connection_id, natural_key, parent_id, data, raw, hash,
          change_seq, created_seq, operation_date, value_date, amount, currency, pending, pending_transaction_id)
        values (${id}, ${clientId}, ${connectionId}, ${record.naturalKey}, ${parentId}, ${data}::json,
          ${JSON.stringify(record.raw)}, 'old', 2, 2, ${d.operation_date as string}, ${(d.value_date as string) ?? null},
          ${d[movement.amount] as string}, ${d[movement.currency] as string}, ${d.pending === true}, ${pendingId})`.execute(
        database.db,
      );
    };
    await legacyRow('accounts', account, null);
    for (const movement of movements)
      await legacyRow('transactions', movement, 'accounts', { amount: 'amount', currency: 'currency' });
    await legacyRow('investment_transactions', investment, 'investments', {
      amount: 'net_cash',
      currency: 'currency',
    });
    const legacyStamps = await sql<{ id: string; first_seen_at: Date; updated_at: Date }>`
      select id, first_seen_at, updated_at from transactions`.execute(database.db);

    const migrator = new Migrator({ db: database.db, provider: migrationProvider });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error;

    const served = (
      await listRecords(
        database.db,
        'transactions',
        { clientId, connectionIds: [connectionId] },
        { pageSize: 10, includeRaw: true },
      )
    ).map((r) => parsed(r.json));
    assert.equal(served.length, 2);
    for (const row of served) {
      const stamps = legacyStamps.rows.find((r) => r.id === row.id)!;
      const record = movements.find((m) => recordId(connectionId, 'transactions', m.naturalKey) === row.id)!;
      const pendingKey = record.data.pending_natural_key;
      assert.deepEqual(row, {
        id: row.id,
        connection_id: connectionId,
        external_id: 'legacy-user',
        account_id: recordId(connectionId, 'accounts', 'acct-1'),
        ...productDocument('transactions', record.data),
        pending: record.data.pending === true,
        pending_transaction_id:
          typeof pendingKey === 'string' ? recordId(connectionId, 'transactions', pendingKey) : null,
        first_seen_at: new Date(Math.floor(stamps.first_seen_at.getTime())).toISOString(),
        updated_at: new Date(Math.floor(stamps.updated_at.getTime())).toISOString(),
        raw: record.raw,
      });
    }
    const [fund] = await listRecords(
      database.db,
      'investment_transactions',
      { clientId, connectionIds: [connectionId] },
      { pageSize: 10, includeRaw: false },
    );
    assert.equal(parsed(fund!.json).amount, 3.5);
    assert.equal(parsed(fund!.json).net_cash, -350.1);
    const typed = await sql<{ amount: string; net_cash: string }>`
      select amount::text, net_cash::text from investment_transactions`.execute(database.db);
    assert.deepEqual(typed.rows[0], { amount: '3.5', net_cash: '-350.1' });
    assert.equal(
      (
        await listRecords(
          database.db,
          'investment_transactions',
          { clientId, amountMax: -300 },
          { pageSize: 10, includeRaw: false },
        )
      ).length,
      1,
    );

    const before = await sql<{ id: string; change_seq: number; api_tail: string }>`
      select id, change_seq, api_tail from transactions union all
      select id, change_seq, api_tail from accounts union all
      select id, change_seq, api_tail from investment_transactions order by id`.execute(database.db);
    const ingest = ingestOptionsFor(database);
    const context = { clientId, connectionId };
    const counts = [
      await upsertRecords(database.db, ingest, context, 'accounts', [account]),
      await upsertRecords(database.db, ingest, context, 'transactions', movements),
      await upsertRecords(database.db, ingest, context, 'investment_transactions', [investment]),
    ];
    assert.deepEqual(
      counts,
      [1, movements.length, 1].map((stored) => ({ added: 0, modified: 0, removed: 0, stored })),
    );
    const afterRefresh = await sql<{ id: string; change_seq: number; api_tail: string; hash: string }>`
      select id, change_seq, api_tail, hash from transactions union all
      select id, change_seq, api_tail, hash from accounts union all
      select id, change_seq, api_tail, hash from investment_transactions order by id`.execute(database.db);
    assert.deepEqual(
      afterRefresh.rows.map(({ hash: _, ...row }) => row),
      before.rows,
      'same served texts, no new change values',
    );
    assert.ok(
      afterRefresh.rows.every((row) => row.hash !== 'stale'),
      'the new hashes are stored',
    );
    // From now on the rows are recognised without being rewritten at all.
    assert.deepEqual(await upsertRecords(database.db, ingest, context, 'transactions', movements), {
      added: 0,
      modified: 0,
      removed: 0,
      stored: movements.length,
    });
  });
});
