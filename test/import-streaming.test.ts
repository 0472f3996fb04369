// Imports stream: a file is scanned, then read again in pieces while its records are stored a batch
// at a time. Here a CSV of a few thousand rows (identical rows among them) is imported in small
// pieces and small batches, and must land exactly the records the whole-file path gives (same ids,
// same served data, same summary); the same file through the queue (stored in 1 MiB parts) too; a
// file with an error in a late row, and a file that changes between its readings after every batch
// has been stored, change nothing.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { recordsOf } from '../src/connectors/files/transform.ts';
import { parseStatementFile } from '../src/formats/index.ts';
import { importStatement, importStatementFile } from '../src/services/imports/import-statement.ts';
import { queueImport, runQueuedImport } from '../src/services/imports/queued-import.ts';
import { recordId } from '../src/store/records.ts';
import { buildTestContext, type TestContext } from './helpers/context.ts';

let ctx: TestContext;
let clientId: string;
let token: string;

// biome-ignore lint/suspicious/noExplicitAny: API JSON, checked by the assertions
type Json = Record<string, any>;

before(async () => {
  ctx = await buildTestContext();
  const client = await ctx.createClient();
  clientId = client.id;
  token = await ctx.tokenFor(client);
});
after(() => ctx.close());

/** A CSV of `rows` movements; every 97th row repeats the one before it (two identical payments). */
function csvFile(rows: number, options: { late?: string; width?: number } = {}): Buffer {
  const lines = ['Date,Description,Amount,Currency,Balance'];
  let balance = 100_000;
  for (let i = 0; i < rows; i++) {
    const n = i % 97 === 96 ? i - 1 : i;
    const day = String(1 + (Math.floor(n / 40) % 28)).padStart(2, '0');
    const month = String(1 + (Math.floor(n / 1120) % 12)).padStart(2, '0');
    const amount = n % 3 === 0 ? `${(n % 500) + 1}.25` : `-${(n % 83) + 1}.10`;
    balance += Number(amount);
    const text = `Payment ${n} ${'x'.repeat(options.width ?? 20)}`;
    lines.push(
      i === rows - 5 && options.late
        ? options.late
        : `2025-${month}-${day},${text},${amount},EUR,${balance.toFixed(2)}`,
    );
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

/** The file in pieces of `size` bytes, the same every time it is read. */
const piecesOf = (bytes: Buffer, size: number) =>
  async function* pieces() {
    for (let start = 0; start < bytes.length; start += size) yield bytes.subarray(start, start + size);
  };

const deps = () => ctx.engine;

async function stored(connectionId: string) {
  const db = ctx.database.db;
  const [transactions, accounts] = await Promise.all([
    db.selectFrom('transactions').select('id').where('connection_id', '=', connectionId).execute(),
    db.selectFrom('accounts').select('id').where('connection_id', '=', connectionId).execute(),
  ]);
  return { transactions: transactions.map((r) => r.id).sort(), accounts: accounts.map((r) => r.id).sort() };
}

/** Every transaction of a connection as served (JSON, sorted), without what names the connection. */
async function served(connectionId: string): Promise<string[]> {
  const all: Json[] = [];
  let cursor: string | null = null;
  do {
    const response = await ctx.call(token, {
      url: `/v1/transactions?connection_id=${connectionId}&page_size=1000${cursor ? `&cursor=${cursor}` : ''}`,
    });
    assert.equal(response.statusCode, 200, response.body);
    const page = response.json() as Json;
    all.push(...page.data);
    cursor = page.next_cursor ?? null;
  } while (cursor);
  return all
    .map(
      ({
        id: _id,
        account_id: _account,
        connection_id: _connection,
        first_seen_at: _seen,
        updated_at: _updated,
        ...rest
      }) => JSON.stringify(rest),
    )
    .sort();
}

/** Two connections serve the same transactions (compared as text: a diff of thousands is slow). */
async function assertSameServed(a: string, b: string) {
  const [left, right] = await Promise.all([served(a), served(b)]);
  assert.equal(left.length, right.length);
  const first = left.findIndex((text, i) => text !== right[i]);
  assert.equal(first, -1, first >= 0 ? `${left[first]}\n${right[first]}` : '');
}

async function countsOfClient() {
  const db = ctx.database.db;
  const count = async (table: 'connections' | 'imports' | 'documents') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .where('client_id', '=', clientId)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const transactions = Number(
    (
      await db
        .selectFrom('transactions')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('client_id', '=', clientId)
        .executeTakeFirstOrThrow()
    ).n,
  );
  return {
    connections: await count('connections'),
    imports: await count('imports'),
    documents: await count('documents'),
    transactions,
  };
}

const ROWS = 3000;

test('a CSV streamed in small pieces and batches lands exactly the records of the whole file', async () => {
  const bytes = csvFile(ROWS);
  const streamed = await importStatementFile(deps(), clientId, {
    pieces: piecesOf(bytes, 8 * 1024),
    batchRecords: 256,
    contentType: 'text/csv',
    filename: 'streamed.csv',
    currency: 'EUR',
  });
  assert.equal(streamed.status, 'completed');
  const whole = await importStatement(deps(), clientId, {
    bytes,
    contentType: 'text/csv',
    filename: 'whole.csv',
    currency: 'EUR',
  });
  const summary = streamed.summary as Json;
  assert.equal(summary.transactions, ROWS);
  assert.equal(summary.added, ROWS + 1, 'the account and every movement, identical ones included');
  assert.deepEqual(streamed.summary, whole.summary);
  assert.deepEqual(streamed.issues, whole.issues);

  // The ids are those of the whole-file records: each movement's natural key, with its occurrence.
  const parsed = parseStatementFile(bytes)!;
  const records = recordsOf(parsed);
  const ids = await stored(streamed.connection_id!);
  const expected = records.transactions
    .map((r) => recordId(streamed.connection_id!, 'transactions', r.naturalKey))
    .sort();
  assert.equal(ids.transactions.length, ROWS);
  assert.ok(
    ids.transactions.every((id, i) => id === expected[i]),
    'the ids of the whole-file records',
  );
  assert.equal(ids.accounts.length, 1);
  // Two identical rows: one fingerprint, occurrences 0 and 1 (the key's rule, written out here).
  const account = `${parsed.statements[0]!.account.number}:EUR`;
  const twin = parsed.statements[0]!.transactions[96]!;
  const fingerprint = createHash('sha256')
    .update(
      [account, twin.bookingDate, twin.valueDate ?? '', twin.amount, twin.description, ''].join('\u0000'),
    )
    .digest('hex')
    .slice(0, 32);
  for (const occurrence of [0, 1])
    assert.ok(
      ids.transactions.includes(
        recordId(streamed.connection_id!, 'transactions', `fp:${fingerprint}:${occurrence}`),
      ),
    );
  await assertSameServed(streamed.connection_id!, whole.connection_id!);

  // The document is the file, byte for byte.
  const content = await ctx.call(token, { url: `/v1/documents/${streamed.document_id}/content` });
  assert.ok(content.rawPayload.equals(bytes));

  // Streamed again into the same connection: nothing added twice.
  const again = await importStatementFile(deps(), clientId, {
    pieces: piecesOf(bytes, 5000),
    batchRecords: 100,
    contentType: 'text/csv',
    connectionId: streamed.connection_id!,
    currency: 'EUR',
  });
  assert.equal((again.summary as Json).added, 0);
  assert.equal((again.summary as Json).modified, 0);
});

test('a file read from disk and a queued file of several 1 MiB parts land the same records', async () => {
  const bytes = csvFile(9000, { width: 100 });
  assert.ok(bytes.length > 1024 * 1024, 'more than one part');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tesoro-stream-')), 'big.csv');
  fs.writeFileSync(file, bytes);
  const fromDisk = await importStatementFile(deps(), clientId, {
    pieces: () => fs.createReadStream(file, { highWaterMark: 64 * 1024 }),
    contentType: 'text/csv',
    currency: 'EUR',
  });
  const pending = await queueImport({ ...ctx.engine, jobs: { send: async () => {} } }, clientId, {
    bytes,
    contentType: 'text/csv',
    currency: 'EUR',
  });
  await runQueuedImport(ctx.engine, { importId: pending.id }, { lastAttempt: true });
  const queued = (await ctx.call(token, { url: `/v1/imports/${pending.id}` })).json() as Json;
  assert.equal(queued.status, 'completed', JSON.stringify(queued));
  const { size: _size, ...queuedSummary } = queued.summary;
  assert.deepEqual(queuedSummary, fromDisk.summary);
  assert.equal(queued.summary.added, 9001);
  await assertSameServed(queued.connection_id, fromDisk.connection_id!);
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
});

test('an error in a late row, or a file that changes after every batch is stored, changes nothing', async () => {
  const before = await countsOfClient();
  const late = csvFile(ROWS, { late: '2025-12-01,Too much,1234567890123456789012.00,EUR,1.00' });
  await assert.rejects(
    importStatementFile(deps(), clientId, {
      pieces: piecesOf(late, 4096),
      batchRecords: 100,
      contentType: 'text/csv',
      currency: 'EUR',
    }),
    (error: Json) => {
      assert.equal(error.code, 'IMPORT_UNREADABLE');
      assert.ok(
        error.extensions.issues.some((issue: Json) => issue.severity === 'error' && issue.line === ROWS - 3),
        JSON.stringify(error.extensions.issues),
      );
      return true;
    },
  );
  assert.deepEqual(await countsOfClient(), before);

  // The second reading (the one that stores) gives one row more: found once every batch is stored,
  // and the transaction they were stored in is rolled back.
  const bytes = csvFile(ROWS);
  const longer = Buffer.concat([bytes, Buffer.from('2025-12-31,One more,-1.00,EUR,0.00\n')]);
  let readings = 0;
  await assert.rejects(
    importStatementFile(deps(), clientId, {
      pieces: () => piecesOf(readings++ === 0 ? bytes : longer, 4096)(),
      batchRecords: 100,
      contentType: 'text/csv',
      currency: 'EUR',
    }),
    /changed while it was being imported/,
  );
  assert.equal(readings, 2);
  assert.deepEqual(await countsOfClient(), before);
});
