// The data API as a client uses it: every product with every catalogued field, filters, both kinds
// of paging, counts, raw records, the pending and errored-product answers, and isolation.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { productPaths } from '../src/api/data/data.schemas.ts';
import { productFields } from '../src/domain/product-fields.ts';
import { type Product, parentField, products } from '../src/domain/products.ts';
import {
  type ConnectionBody,
  connect,
  createConnection,
  good,
  waitForConnection,
} from './helpers/connections.ts';
import { buildTestContext, type TestContext } from './helpers/context.ts';

let ctx: TestContext;
let token: string;
let bank: ConnectionBody;
let broker: ConnectionBody;

before(async () => {
  ctx = await buildTestContext();
  token = await ctx.tokenFor(await ctx.createClient());
  bank = await connect(ctx, token, { ...good('user_good'), external_id: 'end-user-42' });
  broker = await connect(ctx, token, {
    institution_id: 'ins_sandbox_broker',
    credentials: { document_type: 'nif', username: 'user_good', password: 'pass_good' },
    external_id: 'end-user-42',
  });
});
after(() => ctx.close());

type Item = Record<string, unknown> & { id: string };

async function get(url: string, as = token) {
  const response = await ctx.call(as, { url });
  return { status: response.statusCode, body: response.json(), headers: response.headers };
}

async function ok(url: string) {
  const { status, body } = await get(url);
  assert.equal(status, 200, `${url}: ${JSON.stringify(body)}`);
  return body as { data: Item[]; has_more: boolean; next_cursor: string | null; total?: number };
}

async function everything(url: string): Promise<Item[]> {
  const rows: Item[] = [];
  let cursor: string | null = null;
  do {
    const page = await ok(
      `${url}${url.includes('?') ? '&' : '?'}page_size=100${cursor ? `&cursor=${cursor}` : ''}`,
    );
    rows.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return rows;
}

const connectionOf = (product: Product) =>
  ['portfolios', 'investments', 'investment_transactions', 'mifid'].includes(product) ? broker : bank;

describe('every product', () => {
  for (const product of products) {
    test(`${productPaths[product]}: every catalogued field, ids that resolve, GET by id, include=raw`, async () => {
      const connection = connectionOf(product);
      const { data } = await ok(`/v1/${productPaths[product]}?connection_id=${connection.id}&page_size=5`);
      assert.ok(data.length > 0, `${product} has records`);
      for (const item of data) {
        assert.match(item.id, /^[a-z]{3}_[a-z2-7]{20}$/);
        assert.equal(item.connection_id, connection.id);
        assert.equal(item.external_id, 'end-user-42');
        for (const field of Object.keys(productFields[product]))
          assert.ok(field in item, `${product}.${field}`);
        for (const [field, kind] of Object.entries(productFields[product])) {
          if (kind === 'money' && item[field] !== null) assert.equal(typeof item[field], 'number', field);
        }
        assert.ok(!('raw' in item));
        assert.ok(!('pending_natural_key' in item));
      }
      const parent = parentField[product];
      if (parent) {
        const parentProduct = {
          account_id: 'accounts',
          card_id: 'cards',
          portfolio_id: 'portfolios',
          investment_id: 'investments',
          liability_id: 'liabilities',
        }[parent] as Product;
        const { status } = await get(`/v1/${productPaths[parentProduct]}/${data[0]![parent]}`);
        assert.equal(status, 200, `${product}.${parent} resolves`);
      }
      const one = await get(`/v1/${productPaths[product]}/${data[0]!.id}?include=raw`);
      assert.equal(one.status, 200);
      const { raw, ...rest } = one.body;
      assert.deepEqual(rest, data[0]);
      assert.ok(raw && typeof raw === 'object', 'raw is the source record');
    });
  }

  test('holders name the product they hold by its id', async () => {
    const holders = await everything(`/v1/holders?connection_id=${bank.id}`);
    const joint = holders.filter((h) => h.product_name === 'Cuenta Hogar Compartida');
    assert.equal(joint.length, 2);
    const account = await get(`/v1/accounts/${joint[0]!.product_id}`);
    assert.equal(account.status, 200);
    assert.equal(account.body.name, 'Cuenta Hogar Compartida');
  });
});

describe('filters', () => {
  let all: Item[];
  before(async () => {
    all = await everything(`/v1/transactions?connection_id=${bank.id}`);
  });

  test('keyset paging walks every row once, newest first; page/page_size gives the same order', async () => {
    assert.equal(all.length, bank.product_status.transactions!.count);
    assert.equal(new Set(all.map((t) => t.id)).size, all.length);
    for (let i = 1; i < all.length; i++)
      assert.ok(String(all[i - 1]!.operation_date) >= String(all[i]!.operation_date));
    const page3 = await ok(`/v1/transactions?connection_id=${bank.id}&page_size=50&page=3&count=true`);
    assert.deepEqual(
      page3.data.map((t) => t.id),
      all.slice(100, 150).map((t) => t.id),
    );
    assert.equal(page3.total, all.length);
  });

  test('dates, amounts, pending, currency, account, category and text', async () => {
    const cases: Array<[string, (t: Item) => boolean]> = [
      [
        'operation_date_from=2026-01-01&operation_date_to=2026-03-31',
        (t) => String(t.operation_date) >= '2026-01-01' && String(t.operation_date) <= '2026-03-31',
      ],
      ['amount_min=-50&amount_max=-10', (t) => Number(t.amount) >= -50 && Number(t.amount) <= -10],
      ['amount_min=1000', (t) => Number(t.amount) >= 1000],
      ['pending=false', (t) => t.pending === false],
      ['currency=EUR', (t) => t.currency === 'EUR'],
      [`account_id=${all[0]!.account_id}`, (t) => t.account_id === all[0]!.account_id],
      ['category=groceries', (t) => t.category === 'groceries' || t.subcategory === 'groceries'],
      ['q=mercadona', (t) => /mercadona/i.test(`${t.description} ${t.counterparty} ${t.merchant_name}`)],
    ];
    for (const [filter, predicate] of cases) {
      const got = await everything(`/v1/transactions?connection_id=${bank.id}&${filter}`);
      const expected = all.filter(predicate);
      assert.ok(expected.length > 0, `${filter} matches something in the sandbox data`);
      assert.deepEqual(
        got.map((t) => t.id),
        expected.map((t) => t.id),
        filter,
      );
    }
  });

  test('external_id reads every connection of the end user', async () => {
    const accounts = await everything('/v1/accounts?external_id=end-user-42');
    assert.deepEqual(new Set(accounts.map((a) => a.connection_id)), new Set([bank.id, broker.id]));
  });

  test('bad filters are a 400 naming each field, unknown ones too', async () => {
    const { status, body } = await get(
      `/v1/transactions?operation_date_from=yesterday&amount_min=lots&page_size=5000&colour=red`,
    );
    assert.equal(status, 400);
    assert.equal(body.code, 'VALIDATION_FAILED');
    const pointers = body.errors.map((e: { pointer: string }) => e.pointer).sort();
    for (const pointer of ['/query/amount_min', '/query/operation_date_from', '/query/page_size'])
      assert.ok(pointers.includes(pointer), `${pointer} in ${pointers}`);
    assert.equal((await get('/v1/transactions?cursor=bm9wZQ')).status, 400);
    assert.equal((await get('/v1/transactions?connection_id=con_nope')).status, 404);
  });

  test('a category that is not in the taxonomy is a 400 listing the slugs, not an empty page', async () => {
    const { status, body } = await get('/v1/transactions?category=food');
    assert.equal(status, 400);
    assert.equal(body.code, 'VALIDATION_FAILED');
    assert.equal(body.errors[0].pointer, '/query/category');
    assert.match(body.errors[0].detail, /must be one of: income, salary, .*groceries, supermarket/);
    assert.equal((await get('/v1/card-transactions?category=food')).status, 400);
  });
});

describe('POST /v1/transactions/search (Flanks’ query object)', () => {
  let all: Item[];
  before(async () => {
    all = await everything(`/v1/transactions?connection_id=${bank.id}`);
  });

  async function search(body: Record<string, unknown>, as = token) {
    const response = await ctx.call(as, { method: 'POST', url: '/v1/transactions/search', payload: body });
    return { status: response.statusCode, body: response.json() };
  }

  async function searchAll(query: Record<string, unknown>): Promise<Item[]> {
    const rows: Item[] = [];
    let cursor: string | undefined;
    do {
      const { status, body } = await search({
        connection_id: bank.id,
        page_size: 100,
        query,
        ...(cursor ? { cursor } : {}),
      });
      assert.equal(status, 200, JSON.stringify(body));
      rows.push(...body.data);
      cursor = body.next_cursor ?? undefined;
    } while (cursor);
    return rows;
  }

  test('seed and native field names, with $gte/$lt/$in/$ne/$nin and equality, match the same rows as filtering by hand', async () => {
    const account = all[0]!.account_id;
    const cases: Array<[Record<string, unknown>, (t: Item) => boolean]> = [
      [
        { operationDate: { $gte: '2026-01-01', $lte: '2026-03-31' } },
        (t) => String(t.operation_date) >= '2026-01-01' && String(t.operation_date) <= '2026-03-31',
      ],
      [{ valueDate: { $gt: '2026-06-30' } }, (t) => String(t.value_date) > '2026-06-30'],
      [{ amount: { $lt: -100 } }, (t) => Number(t.amount) < -100],
      [{ amount: { $gte: 1000 }, currency: 'EUR' }, (t) => Number(t.amount) >= 1000 && t.currency === 'EUR'],
      [
        { category: { $in: ['groceries', 'transport'] } },
        (t) => ['groceries', 'transport'].includes(String(t.category)),
      ],
      [
        { category: { $nin: ['groceries', 'transport'] } },
        (t) => !['groceries', 'transport'].includes(String(t.category)),
      ],
      [{ account_id: account, pending: false }, (t) => t.account_id === account && t.pending === false],
      [{ merchant_name: { $ne: null } }, (t) => t.merchant_name !== null],
      [{ _id: all[3]!.id }, (t) => t.id === all[3]!.id],
      [
        { norma43: { $eq: all.find((t) => t.norma43)!.norma43 } },
        (t) => t.norma43 === all.find((x) => x.norma43)!.norma43,
      ],
    ];
    for (const [query, predicate] of cases) {
      const expected = all.filter(predicate);
      assert.ok(expected.length > 0, `${JSON.stringify(query)} matches something in the sandbox data`);
      assert.deepEqual(
        (await searchAll(query)).map((t) => t.id),
        expected.map((t) => t.id),
        JSON.stringify(query),
      );
    }
  });

  test('body filters and count work as in the query string', async () => {
    const { status, body } = await search({
      connection_id: bank.id,
      amount_max: -10,
      count: true,
      page_size: 5,
      query: { operationDate: { $gte: '2026-01-01' } },
    });
    assert.equal(status, 200);
    const expected = all.filter((t) => Number(t.amount) <= -10 && String(t.operation_date) >= '2026-01-01');
    assert.equal(body.total, expected.length);
    assert.deepEqual(
      body.data.map((t: Item) => t.id),
      expected.slice(0, 5).map((t) => t.id),
    );
  });

  test('unknown fields, unknown operators and ill-typed values are a 400 pointing at them', async () => {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ colour: 'red' }, '/body/query/colour'],
      [{ amount: { $regex: '^1' } }, '/body/query/amount/$regex'],
      [{ amount: { $gte: 'lots' } }, '/body/query/amount/$gte'],
      [{ operationDate: { $gte: '01/01/2026' } }, '/body/query/operationDate/$gte'],
      [{ description: { $gt: 'a' } }, '/body/query/description/$gt'],
      [{ category: { $in: [] } }, '/body/query/category/$in'],
      [{ pending: 'yes' }, '/body/query/pending'],
    ];
    for (const [query, pointer] of bad) {
      const { status, body } = await search({ connection_id: bank.id, query });
      assert.equal(status, 400, JSON.stringify(query));
      assert.equal(body.code, 'VALIDATION_FAILED');
      assert.deepEqual(
        body.errors.map((e: { pointer: string }) => e.pointer),
        [pointer],
        JSON.stringify(query),
      );
    }
    const unknownBodyField = await search({ connection_id: bank.id, colour: 'red' });
    assert.equal(unknownBodyField.status, 400);
  });

  test("another client's token finds nothing and cannot name the connection", async () => {
    const other = await ctx.tokenFor(await ctx.createClient());
    assert.equal((await search({ connection_id: bank.id }, other)).status, 404);
    assert.deepEqual((await search({ query: { amount: { $lt: 0 } } }, other)).body.data, []);
  });
});

describe('pending and errored products', () => {
  test('202 OPERATION_PENDING with Retry-After while the first extraction runs; allow_partial reads anyway', async () => {
    const created = await createConnection(ctx, token, good('user_good_30000'));
    const { status, body, headers } = await get(`/v1/transactions?connection_id=${created.id}`);
    assert.equal(status, 202, JSON.stringify(body));
    assert.equal(body.code, 'OPERATION_PENDING');
    assert.equal(body.refresh_id, created.refresh!.id);
    assert.ok(Number(headers['retry-after']) > 0);
    assert.equal((await get(`/v1/transactions?connection_id=${created.id}&allow_partial=true`)).status, 200);
    await waitForConnection(ctx, token, created.id);
    const page = await ok(`/v1/transactions?connection_id=${created.id}&count=true&page_size=1`);
    assert.equal(page.total, 30_000);
  });

  test('a product whose extraction failed answers its error, not an empty list', async () => {
    const partial = await connect(ctx, token, good('user_partial'));
    assert.equal(partial.status, 'ok');
    const { status, body } = await get(`/v1/cards?connection_id=${partial.id}`);
    assert.equal(status, 424);
    assert.equal(body.code, 'PRODUCT_EXTRACTION_FAILED');
    assert.equal(body.product_error, 'product_unavailable');
    await ok(`/v1/accounts?connection_id=${partial.id}`);
  });
});

describe("another client's token", () => {
  test('finds none of the records, by list or by id', async () => {
    const other = await ctx.tokenFor(await ctx.createClient());
    for (const product of products) {
      const connection = connectionOf(product);
      const { data } = await ok(`/v1/${productPaths[product]}?connection_id=${connection.id}&page_size=1`);
      assert.equal((await get(`/v1/${productPaths[product]}/${data[0]!.id}`, other)).status, 404, product);
      assert.deepEqual((await get(`/v1/${productPaths[product]}`, other)).body.data, [], product);
      assert.equal(
        (await get(`/v1/${productPaths[product]}?connection_id=${connection.id}`, other)).status,
        404,
      );
    }
  });
});

describe('the incremental feed (/v1/transactions/sync)', () => {
  interface SyncPage {
    added: Item[];
    modified: Item[];
    removed: Array<{ transaction_id: string; account_id: string | null }>;
    next_cursor: string;
    has_more: boolean;
  }
  const sync = async (connectionId: string, cursor = '', count = 100) => {
    const { status, body } = await get(
      `/v1/transactions/sync?connection_id=${connectionId}&count=${count}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    return { status, body };
  };
  /** Pages one loop to its end; returns everything it brought and the cursor to keep. */
  const drain = async (connectionId: string, cursor = '') => {
    const all: SyncPage = { added: [], modified: [], removed: [], next_cursor: cursor, has_more: true };
    while (all.has_more) {
      const { status, body } = await sync(connectionId, all.next_cursor, 100);
      assert.equal(status, 200, JSON.stringify(body));
      all.added.push(...body.added);
      all.modified.push(...body.modified);
      all.removed.push(...body.removed);
      all.next_cursor = body.next_cursor;
      all.has_more = body.has_more;
    }
    return all;
  };
  const refreshAndWait = async (connectionId: string) => {
    const response = await ctx.call(token, {
      method: 'POST',
      url: `/v1/connections/${connectionId}/refresh`,
    });
    assert.equal(response.statusCode, 202, response.body);
    await waitForConnection(ctx, token, connectionId);
  };

  test('first call: everything as added; then only what changed, pending → posted as removed + added', async () => {
    const connection = await connect(ctx, token, {
      ...good('user_dynamic'),
      products: ['accounts', 'transactions'],
    });
    const listed = await everything(`/v1/transactions?connection_id=${connection.id}`);
    const first = await drain(connection.id);
    assert.deepEqual(new Set(first.added.map((t) => t.id)), new Set(listed.map((t) => t.id)));
    assert.equal(first.added.length, listed.length, 'each transaction once');
    assert.deepEqual([first.modified, first.removed], [[], []]);
    const nothing = await drain(connection.id, first.next_cursor);
    assert.deepEqual([nothing.added, nothing.modified, nothing.removed], [[], [], []]);
    // A cursor stays valid: the same cursor again gives the same (empty) answer.
    assert.deepEqual((await sync(connection.id, first.next_cursor)).body.added, []);

    await refreshAndWait(connection.id); // three new pending purchases
    const round1 = await drain(connection.id, first.next_cursor);
    const pending = round1.added.filter((t) => t.pending === true);
    assert.equal(pending.length, 3);
    assert.deepEqual(round1.removed, []);

    await refreshAndWait(connection.id); // two post (new ids, linked), one hold vanishes
    const round2 = await drain(connection.id, round1.next_cursor);
    assert.deepEqual(
      new Set(round2.removed.map((r) => r.transaction_id)),
      new Set(pending.map((t) => t.id)),
      'the three pending of round 1 are removed',
    );
    const posted = round2.added.filter((t) => pending.some((p) => p.id === t.pending_transaction_id));
    assert.equal(posted.length, 2);
    for (const t of posted) assert.equal(t.pending, false);
    // Replaying round 2 from round 1's cursor gives the same answer: the feed is a pure function of the cursor.
    const replay = await drain(connection.id, round1.next_cursor);
    assert.deepEqual(
      replay.added.map((t) => t.id),
      round2.added.map((t) => t.id),
    );
  });

  test('a change between two pages of one loop is SYNC_MUTATION_DURING_PAGINATION with a restart cursor', async () => {
    const connection = await connect(ctx, token, {
      ...good('user_dynamic'),
      products: ['accounts', 'transactions'],
    });
    const page1 = await sync(connection.id, '', 10);
    assert.equal(page1.body.has_more, true);
    await refreshAndWait(connection.id);
    const page2 = await sync(connection.id, page1.body.next_cursor, 10);
    assert.equal(page2.status, 409);
    assert.equal(page2.body.code, 'SYNC_MUTATION_DURING_PAGINATION');
    const restarted = await drain(connection.id, page2.body.restart_cursor);
    const listed = await everything(`/v1/transactions?connection_id=${connection.id}`);
    assert.deepEqual(new Set(restarted.added.map((t) => t.id)), new Set(listed.map((t) => t.id)));
  });

  test('bad cursors and unknown or foreign connections are refused', async () => {
    assert.equal((await sync(bank.id, 'bm9wZQ')).status, 400);
    assert.equal((await get('/v1/transactions/sync')).status, 400);
    assert.equal((await sync('con_nope')).status, 404);
    const other = await ctx.tokenFor(await ctx.createClient());
    assert.equal((await get(`/v1/transactions/sync?connection_id=${bank.id}`, other)).status, 404);
  });
});

describe('all data of a connection (/v1/connections/{id}/all)', () => {
  test('the bank: accounts, cards and liabilities with their transactions and holders', async () => {
    const { status, body } = await get(`/v1/connections/${bank.id}/all`);
    assert.equal(status, 200);
    assert.equal(body.product_status.transactions.created, true);
    const nested = body.accounts.flatMap((a: { transactions: Item[] }) => a.transactions);
    assert.equal(nested.length, bank.product_status.transactions!.count);
    const joint = body.accounts.find((a: Item) => a.name === 'Cuenta Hogar Compartida');
    assert.equal(joint.holders.length, 2);
    assert.ok(body.cards.every((c: { transactions: Item[] }) => c.transactions.length > 0));
    assert.ok(body.liabilities.every((l: { transactions: Item[] }) => l.transactions.length > 0));
    assert.equal(body.identity.length, 1);
  });

  test('the broker: investments grouped by type, each with its transactions', async () => {
    const { body } = await get(`/v1/connections/${broker.id}/all`);
    for (const group of ['funds', 'stocks', 'etfs', 'fixed_income', 'pension_plans']) {
      assert.ok(body[group].length > 0, group);
      assert.ok(body[group][0].transactions.length > 0, `${group} transactions`);
    }
    assert.equal(body.funds[0].type, 'F');
    assert.equal(body.stocks[0].type, 'VI');
    assert.deepEqual(body.crypto_currencies, []);
    assert.ok(body.mifid_answers.length > 0);
    const other = await ctx.tokenFor(await ctx.createClient());
    assert.equal((await get(`/v1/connections/${broker.id}/all`, other)).status, 404);
  });
});
