// Daily balance history (G18): a refresh that ends well and a statement import each keep every
// account's balance of the day; the day's last snapshot wins; reads are the client's only; bad
// days are problem+json; deleting the connection removes its snapshots.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AppError } from '../src/domain/errors.ts';
import { listBalanceHistory } from '../src/services/balance-history.ts';
import { connect, good, waitForConnection } from './helpers/connections.ts';
import { buildTestContext, type TestContext } from './helpers/context.ts';
import { norma43File } from './helpers/norma43.ts';

let ctx: TestContext;
let token: string;
let clientId: string;
let otherToken: string;
let otherClientId: string;
let offset = 0;

// biome-ignore lint/suspicious/noExplicitAny: API JSON, checked by the assertions
type Json = Record<string, any>;

const DAY_MS = 86_400_000;
/** Midday (UTC) of the day `days` before today, and its date. */
const daysAgo = (days: number) => {
  const at = new Date(Date.now() - days * DAY_MS);
  at.setUTCHours(12, 0, 0, 0);
  return { at, day: at.toISOString().slice(0, 10) };
};
/** Moves the engine's clock to `at` (and on from there). */
const setClock = (at: Date) => {
  offset = at.getTime() - Date.now();
};

before(async () => {
  ctx = await buildTestContext();
  ctx.engine.now = () => new Date(Date.now() + offset);
  const client = await ctx.createClient();
  clientId = client.id;
  token = await ctx.tokenFor(client);
  const other = await ctx.createClient();
  otherClientId = other.id;
  otherToken = await ctx.tokenFor(other);
});
after(() => ctx.close());

const get = async (url: string, as = token) => {
  const response = await ctx.call(as, { url });
  return { status: response.statusCode, body: response.json() as Json, headers: response.headers };
};

async function refresh(connectionId: string) {
  const response = await ctx.call(token, { method: 'POST', url: `/v1/connections/${connectionId}/refresh` });
  assert.equal(response.statusCode, 202, response.body);
  await waitForConnection(ctx, token, connectionId);
}

async function firstAccount(connectionId: string): Promise<Json> {
  const { body } = await get(`/v1/accounts?connection_id=${connectionId}`);
  const account = body.data.find((a: Json) => a.balance !== null);
  assert.ok(account, 'an account with a balance');
  return account;
}

const takenAt = async (accountId: string) =>
  (
    await ctx.database.db
      .selectFrom('balance_history')
      .select(['day', 'taken_at'])
      .where('account_id', '=', accountId)
      .orderBy('day')
      .execute()
  ).map((row) => ({ day: String(row.day), at: new Date(row.taken_at).toISOString() }));

test('two refreshes on different days keep two days; the same day twice keeps the later', async () => {
  const [two, one] = [daysAgo(2), daysAgo(1)];
  setClock(two.at);
  const connection = await connect(ctx, token, good('user_good'));
  const account = await firstAccount(connection.id);
  setClock(one.at);
  await refresh(connection.id);
  const { status, body } = await get(`/v1/accounts/${account.id}/balances`);
  assert.equal(status, 200, JSON.stringify(body));
  assert.deepEqual(
    body.data.map((b: Json) => b.date),
    [two.day, one.day],
  );
  for (const entry of body.data) {
    assert.deepEqual(Object.keys(entry), [
      'account_id',
      'connection_id',
      'date',
      'balance',
      'available_balance',
      'currency',
    ]);
    assert.equal(entry.account_id, account.id);
    assert.equal(entry.connection_id, connection.id);
    assert.equal(entry.balance, account.balance);
    assert.equal(entry.currency, account.currency);
  }
  assert.equal(body.has_more, false);
  assert.equal(body.next_cursor, null);

  // Later the same day: still one entry for that day, now the later snapshot's.
  const later = new Date(one.at.getTime() + 3 * 3600_000);
  setClock(later);
  await refresh(connection.id);
  const stored = await takenAt(account.id);
  assert.equal(stored.length, 2);
  assert.equal(stored[1]!.day, one.day);
  assert.ok(Date.parse(stored[1]!.at) >= later.getTime(), `${stored[1]!.at} is the later refresh's`);
  assert.equal((await get(`/v1/accounts/${account.id}/balances`)).body.data.length, 2);

  // Paged one at a time, with from / to bounding the days.
  const first = (await get(`/v1/accounts/${account.id}/balances?page_size=1`)).body;
  assert.deepEqual([first.data[0].date, first.has_more], [two.day, true]);
  const second = (await get(`/v1/accounts/${account.id}/balances?page_size=1&cursor=${first.next_cursor}`))
    .body;
  assert.deepEqual([second.data[0].date, second.has_more, second.next_cursor], [one.day, false, null]);
  const bounded = (await get(`/v1/accounts/${account.id}/balances?from=${one.day}&to=${one.day}`)).body;
  assert.deepEqual(
    bounded.data.map((b: Json) => b.date),
    [one.day],
  );

  // The service the facades use: every account of the client, by account then day, with a total.
  const all = await listBalanceHistory(ctx.engine, clientId, {
    connectionId: connection.id,
    limit: 100,
    offset: 0,
  });
  const accounts = (await get(`/v1/accounts?connection_id=${connection.id}`)).body.data.filter(
    (a: Json) => a.balance !== null,
  );
  assert.equal(all.total, accounts.length * 2);
  const order = all.data.map((b) => `${b.account_id} ${b.date}`);
  assert.deepEqual(order, [...order].sort());
  const mine = all.data.find((b) => b.account_id === account.id)!;
  assert.equal(typeof mine.balance, 'string', 'the service carries decimal text');
  assert.equal(Number(mine.balance), account.balance);
  const paged = await listBalanceHistory(ctx.engine, clientId, {
    accountId: account.id,
    from: one.day,
    limit: 1,
    offset: 0,
  });
  assert.deepEqual([paged.total, paged.data.length, paged.data[0]!.date], [1, 1, one.day]);
  const skipped = await listBalanceHistory(ctx.engine, clientId, {
    accountId: account.id,
    limit: 10,
    offset: 1,
  });
  assert.deepEqual([skipped.total, skipped.data.map((b) => b.date)], [2, [one.day]]);

  // Another client sees none of it.
  assert.equal((await get(`/v1/accounts/${account.id}/balances`, otherToken)).status, 404);
  await assert.rejects(
    listBalanceHistory(ctx.engine, otherClientId, { accountId: account.id, limit: 10, offset: 0 }),
    (error) => error instanceof AppError && error.code === 'NOT_FOUND',
  );
  await assert.rejects(
    listBalanceHistory(ctx.engine, otherClientId, { connectionId: connection.id, limit: 10, offset: 0 }),
    (error) => error instanceof AppError && error.code === 'NOT_FOUND',
  );
  assert.deepEqual(await listBalanceHistory(ctx.engine, otherClientId, { limit: 10, offset: 0 }), {
    data: [],
    total: 0,
  });

  // Deleting the connection removes its snapshots.
  const deleted = await ctx.call(token, { method: 'DELETE', url: `/v1/connections/${connection.id}` });
  assert.equal(deleted.statusCode, 204);
  const left = await ctx.database.db
    .selectFrom('balance_history')
    .select('account_id')
    .where('connection_id', '=', connection.id)
    .execute();
  assert.deepEqual(left, []);
  assert.equal((await get(`/v1/accounts/${account.id}/balances`)).status, 404);
  setClock(new Date());
});

test('a statement import keeps the balance the file states', async () => {
  offset = 0;
  const file = norma43File({
    from: '2026-10-01',
    to: '2026-10-31',
    opening: 1000,
    movements: [{ date: '2026-10-03', amount: -42.37, concept: '12', text: 'COMPRA TARJ. MERCADONA' }],
  });
  const response = await ctx.call(token, {
    method: 'POST',
    url: '/v1/imports',
    headers: { 'content-type': 'application/octet-stream' },
    payload: Buffer.from(file, 'latin1'),
  });
  assert.equal(response.statusCode, 201, response.body);
  const connectionId = response.json().connection_id as string;
  const account = await firstAccount(connectionId);
  const { body } = await get(`/v1/accounts/${account.id}/balances`);
  assert.equal(body.data.length, 1);
  assert.deepEqual(
    { date: body.data[0].date, balance: body.data[0].balance, currency: body.data[0].currency },
    { date: new Date().toISOString().slice(0, 10), balance: 957.63, currency: 'EUR' },
  );
});

test('bad days and cursors are problem+json 400s', async () => {
  const connection = await connect(ctx, token, good('user_good'));
  const account = await firstAccount(connection.id);
  for (const [query, pointer] of [
    ['from=2026-02-30', '/query/from'],
    ['to=yesterday', '/query/to'],
    ['from=2026-03-02&to=2026-03-01', '/query/to'],
    ['cursor=bm90LWEtY3Vyc29y', '/query/cursor'],
    ['page_size=0', '/query/page_size'],
  ] as const) {
    const { status, body, headers } = await get(`/v1/accounts/${account.id}/balances?${query}`);
    assert.equal(status, 400, `${query}: ${JSON.stringify(body)}`);
    assert.match(String(headers['content-type']), /application\/problem\+json/);
    assert.equal(body.code, 'VALIDATION_FAILED');
    assert.ok(
      body.errors.some((e: Json) => e.pointer === pointer),
      `${query}: ${JSON.stringify(body.errors)}`,
    );
  }
  await assert.rejects(
    listBalanceHistory(ctx.engine, clientId, {
      accountId: account.id,
      from: '2026-13-01',
      limit: 10,
      offset: 0,
    }),
    (error) => error instanceof AppError && error.code === 'VALIDATION_FAILED',
  );
  await assert.rejects(
    listBalanceHistory(ctx.engine, clientId, { limit: 0, offset: -1 }),
    (error) => error instanceof AppError && error.code === 'VALIDATION_FAILED',
  );
  assert.equal((await get('/v1/accounts/acc_doesnotexist/balances')).status, 404);
});
