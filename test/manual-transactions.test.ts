// Manual transactions (G19): a client adds movements to an account of a connection; they are
// served like any other with "manual": true, idempotent by external_id, kept by refreshes, seen by
// the sync feed, removable (only they are); another client, bad input and a read-only token change
// nothing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AppError } from '../src/domain/errors.ts';
import { addManualTransactions, removeManualTransaction } from '../src/services/manual-transactions.ts';
import { type ConnectionBody, connect, good, waitForConnection } from './helpers/connections.ts';
import { buildTestContext, type TestContext } from './helpers/context.ts';

let ctx: TestContext;
let token: string;
let clientId: string;
let readOnly: string;
let otherToken: string;
let connection: ConnectionBody;
let account: Json;

// biome-ignore lint/suspicious/noExplicitAny: API JSON, checked by the assertions
type Json = Record<string, any>;

before(async () => {
  ctx = await buildTestContext();
  const client = await ctx.createClient();
  clientId = client.id;
  token = await ctx.tokenFor(client);
  readOnly = await ctx.tokenFor(client, ['data:read', 'connections:read']);
  otherToken = await ctx.tokenFor(await ctx.createClient());
  connection = await connect(ctx, token, { ...good('user_good'), external_id: 'end-user-7' });
  // The account of the connection's movements (the sandbox's current account).
  const [movement] = (await get(`/v1/transactions?connection_id=${connection.id}&page_size=1`)).body.data;
  account = (await get(`/v1/accounts/${movement.account_id}`)).body;
});
after(() => ctx.close());

const get = async (url: string, as = token) => {
  const response = await ctx.call(as, { url });
  return { status: response.statusCode, body: response.json() as Json, headers: response.headers };
};

const add = async (
  transactions: unknown[],
  as = token,
  headers: Record<string, string> = {},
  id = account.id,
) => {
  const response = await ctx.call(as, {
    method: 'POST',
    url: `/v1/accounts/${id}/transactions`,
    payload: { transactions },
    headers,
  });
  return { status: response.statusCode, body: response.json() as Json, headers: response.headers };
};

const remove = async (id: string, as = token) => {
  const response = await ctx.call(as, { method: 'DELETE', url: `/v1/transactions/${id}` });
  return { status: response.statusCode, body: response.body ? (response.json() as Json) : null };
};

/** Every live transaction of the account. */
async function accountTransactions(): Promise<Json[]> {
  const { body } = await get(`/v1/transactions?account_id=${account.id}&page_size=1000`);
  return body.data;
}

/** The feed from the start to its end: the cursor after everything stored so far. */
async function syncToEnd(cursor?: string) {
  const seen: { added: Json[]; modified: Json[]; removed: Json[] } = { added: [], modified: [], removed: [] };
  let next = cursor;
  for (;;) {
    const { status, body } = await get(
      `/v1/transactions/sync?connection_id=${connection.id}&count=500${next ? `&cursor=${next}` : ''}`,
    );
    assert.equal(status, 200, JSON.stringify(body));
    seen.added.push(...body.added);
    seen.modified.push(...body.modified);
    seen.removed.push(...body.removed);
    next = body.next_cursor;
    if (!body.has_more) return { ...seen, cursor: next! };
  }
}

const rent = {
  external_id: 'cash-2026-03-01',
  operation_date: '2026-03-01',
  amount: '-650.00',
  description: 'Rent paid in cash',
  reference: 'REF-1',
  category: 'rent',
};
const gift = {
  external_id: 'gift-1',
  operation_date: '2026-03-02',
  value_date: '2026-03-03',
  amount: '120.5',
};

test('added, served like any other with "manual": true, idempotent by external_id, seen by the feed', async () => {
  const before = await accountTransactions();
  assert.ok(before.length > 0);
  assert.ok(
    before.every((t) => !('manual' in t) && !('manual_external_id' in t)),
    'aggregated ones are served as before',
  );
  const { cursor } = await syncToEnd();

  const created = await add([rent, gift]);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const [first, second] = created.body.data as Json[];
  assert.match(first!.id, /^txn_[a-z2-7]{20}$/);
  assert.deepEqual(
    {
      connection_id: first!.connection_id,
      external_id: first!.external_id,
      account_id: first!.account_id,
      amount: first!.amount,
      currency: first!.currency,
      operation_date: first!.operation_date,
      value_date: first!.value_date,
      description: first!.description,
      transaction_id: first!.transaction_id,
      category: first!.category,
      subcategory: first!.subcategory,
      manual: first!.manual,
      manual_external_id: first!.manual_external_id,
      pending: first!.pending,
    },
    {
      connection_id: connection.id,
      external_id: 'end-user-7',
      account_id: account.id,
      amount: -650,
      currency: account.currency,
      operation_date: '2026-03-01',
      value_date: null,
      description: 'Rent paid in cash',
      transaction_id: 'REF-1',
      category: 'housing',
      subcategory: 'rent',
      manual: true,
      manual_external_id: 'cash-2026-03-01',
      pending: false,
    },
  );
  assert.deepEqual([second!.amount, second!.value_date, second!.manual], [120.5, '2026-03-03', true]);
  assert.equal(typeof second!.category, 'string', 'the categoriser named a category');

  // GET by id and the list serve the same text.
  assert.deepEqual((await get(`/v1/transactions/${first!.id}`)).body, first);
  const listed = await accountTransactions();
  assert.equal(listed.length, before.length + 2);
  assert.deepEqual(
    listed.find((t) => t.id === first!.id),
    first,
  );
  const rents = (await get(`/v1/transactions?account_id=${account.id}&category=rent&page_size=1000`)).body
    .data;
  assert.ok(
    rents.some((t: Json) => t.id === first!.id),
    'the category filter reads it',
  );

  // The feed reports both as added.
  const feed = await syncToEnd(cursor);
  assert.deepEqual(feed.added.map((t) => t.id).sort(), [first!.id, second!.id].sort());

  // The same external id again: the same transaction, unchanged, no new change.
  const again = await add([rent]);
  assert.equal(again.status, 201);
  assert.deepEqual(again.body.data[0], first);
  assert.deepEqual((await syncToEnd(feed.cursor)).added, []);
  // ... and with a new amount: the same transaction, updated.
  const updated = await add([{ ...rent, amount: '-700' }]);
  assert.equal(updated.body.data[0].id, first!.id);
  assert.equal(updated.body.data[0].amount, -700);
  assert.equal((await accountTransactions()).length, before.length + 2);
  const changes = await syncToEnd(feed.cursor);
  assert.deepEqual(
    changes.modified.map((t) => t.id),
    [first!.id],
  );
  // The service returns what the route does.
  const served = await addManualTransactions(ctx.engine, clientId, account.id, [{ ...rent, amount: '-700' }]);
  assert.deepEqual(served, updated.body.data);

  // Idempotency-Key replays the first answer.
  const keyed = { 'idempotency-key': 'manual-key-1' };
  const once = await add([{ ...gift, external_id: 'keyed' }], token, keyed);
  const twice = await add([{ ...gift, external_id: 'keyed' }], token, keyed);
  assert.equal(twice.status, 201);
  assert.equal(twice.headers['idempotent-replayed'], 'true');
  assert.deepEqual(twice.body, once.body);
});

test('a refresh keeps them; only manual ones can be removed, and the feed reports it', async () => {
  const [manual] = (await add([{ ...gift, external_id: 'survivor' }])).body.data as Json[];
  const refresh = await ctx.call(token, { method: 'POST', url: `/v1/connections/${connection.id}/refresh` });
  assert.equal(refresh.statusCode, 202);
  await waitForConnection(ctx, token, connection.id);
  const [latest] = (await get(`/v1/connections/${connection.id}/refreshes`)).body.data;
  assert.equal(latest.status, 'succeeded');
  assert.equal(latest.removed, 0, 'the complete extraction removed nothing');
  assert.deepEqual((await get(`/v1/transactions/${manual!.id}`)).body, manual);

  const { cursor } = await syncToEnd();
  const aggregated = (await accountTransactions()).find((t) => t.manual !== true)!;
  const refused = await remove(aggregated.id);
  assert.equal(refused.status, 409);
  assert.equal(refused.body!.code, 'TRANSACTION_NOT_MANUAL');
  assert.equal((await get(`/v1/transactions/${aggregated.id}`)).status, 200);
  await assert.rejects(
    removeManualTransaction(ctx.engine, clientId, aggregated.id),
    (error) => error instanceof AppError && error.code === 'TRANSACTION_NOT_MANUAL',
  );

  assert.equal((await remove(manual!.id)).status, 204);
  assert.equal((await get(`/v1/transactions/${manual!.id}`)).status, 404);
  assert.equal((await remove(manual!.id)).status, 404, 'already removed');
  const feed = await syncToEnd(cursor);
  assert.deepEqual(feed.removed, [{ transaction_id: manual!.id, account_id: account.id }]);

  // Adding it again restores the same id.
  const restored = await add([{ ...gift, external_id: 'survivor' }]);
  assert.equal(restored.body.data[0].id, manual!.id);
  assert.equal((await get(`/v1/transactions/${manual!.id}`)).status, 200);
});

test('another client: 404 and nothing changed', async () => {
  const [mine] = (await add([{ ...gift, external_id: 'private' }])).body.data as Json[];
  const count = (await accountTransactions()).length;
  const foreign = await add([{ ...gift, external_id: 'intruder' }], otherToken);
  assert.equal(foreign.status, 404);
  assert.equal(foreign.body.code, 'NOT_FOUND');
  assert.equal((await remove(mine!.id, otherToken)).status, 404);
  assert.equal((await accountTransactions()).length, count);
  assert.deepEqual((await get(`/v1/transactions/${mine!.id}`)).body, mine);
  assert.equal((await get(`/v1/transactions/${mine!.id}`, otherToken)).status, 404);
  assert.equal((await add([gift], token, {}, 'acc_doesnotexist')).status, 404);
});

test('bad input is a problem+json naming the field, and nothing is written', async () => {
  const count = (await accountTransactions()).length;
  const good = { ...gift, external_id: 'would-be-written' };
  for (const [bad, pointer] of [
    [{ ...gift, amount: '12,50' }, '/body/transactions/1/amount'],
    [{ ...gift, amount: '+12.5' }, '/body/transactions/1/amount'],
    [{ ...gift, operation_date: '2026-02-30' }, '/body/transactions/1/operation_date'],
    [{ ...gift, currency: 'eur' }, '/body/transactions/1/currency'],
    [{ ...gift, category: 'not-a-category' }, '/body/transactions/1/category'],
    [{ ...gift, external_id: '' }, '/body/transactions/1/external_id'],
    [{ ...gift, surprise: true }, '/body/transactions/1'],
    [{ ...good }, '/body/transactions/1/external_id'],
  ] as const) {
    const { status, body, headers } = await add([good, bad]);
    assert.equal(status, 400, `${JSON.stringify(bad)}: ${JSON.stringify(body)}`);
    assert.match(String(headers['content-type']), /application\/problem\+json/);
    assert.equal(body.code, 'VALIDATION_FAILED');
    assert.ok(
      body.errors.some((e: Json) => String(e.pointer).startsWith(pointer)),
      `${JSON.stringify(bad)}: ${JSON.stringify(body.errors)}`,
    );
  }
  assert.equal((await add([])).status, 400);
  assert.equal(
    (await add(Array.from({ length: 1001 }, (_, i) => ({ ...gift, external_id: `n${i}` })))).status,
    400,
  );
  // The service checks what the route's schema does not see (the facades call it directly).
  for (const bad of [
    { ...gift, operation_date: '2026-02-30' },
    { ...gift, amount: '1e3' },
    { ...gift, category: 'nope' },
    { ...gift, currency: 'EURO' },
  ]) {
    await assert.rejects(
      addManualTransactions(ctx.engine, clientId, account.id, [good, bad]),
      (error) => error instanceof AppError && error.code === 'VALIDATION_FAILED',
      JSON.stringify(bad),
    );
  }
  await assert.rejects(
    addManualTransactions(ctx.engine, clientId, 'acc_doesnotexist', [good]),
    (error) => error instanceof AppError && error.code === 'NOT_FOUND',
  );
  const after = await accountTransactions();
  assert.equal(after.length, count);
  assert.ok(!after.some((t) => t.manual_external_id === 'would-be-written'));
});

test('a read-only token is refused', async () => {
  const count = (await accountTransactions()).length;
  const refused = await add([{ ...gift, external_id: 'read-only' }], readOnly);
  assert.equal(refused.status, 403);
  assert.equal(refused.body.code, 'AUTH_INSUFFICIENT_SCOPE');
  const manual = (await accountTransactions()).find((t) => t.manual === true)!;
  assert.equal((await remove(manual.id, readOnly)).status, 403);
  assert.equal((await accountTransactions()).length, count);
});
