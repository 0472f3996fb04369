// POST /v1/<product>/search on every product but cash transactions (test/data-api.test.ts has
// those): a query object selects exactly what filtering the GET list by hand selects, in either
// spelling of its fields; bad queries are a 400 pointing at them; readiness and isolation are the
// GET list's.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { productPaths } from '../src/api/data/data.schemas.ts';
import type { Product } from '../src/domain/products.ts';
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
  bank = await connect(ctx, token, good('user_good'));
  broker = await connect(ctx, token, {
    institution_id: 'ins_sandbox_broker',
    credentials: { document_type: 'nif', username: 'user_good', password: 'pass_good' },
  });
});
after(() => ctx.close());

type Item = Record<string, unknown> & { id: string };
type Query = Record<string, unknown>;

const connectionOf = (product: Product) =>
  product === 'investments' || product === 'investment_transactions' ? broker : bank;

async function search(product: Product, body: Record<string, unknown>, as = token) {
  const response = await ctx.call(as, {
    method: 'POST',
    url: `/v1/${productPaths[product]}/search`,
    payload: body,
  });
  return { status: response.statusCode, body: response.json() };
}

/** Every record of a product of its connection, through the GET list's pages. */
async function listAll(product: Product): Promise<Item[]> {
  const rows: Item[] = [];
  let cursor: string | null = null;
  do {
    const response = await ctx.call(token, {
      url: `/v1/${productPaths[product]}?connection_id=${connectionOf(product).id}&page_size=100${cursor ? `&cursor=${cursor}` : ''}`,
    });
    assert.equal(response.statusCode, 200, response.body);
    rows.push(...response.json().data);
    cursor = response.json().next_cursor;
  } while (cursor);
  return rows;
}

/** Every record a query selects, through the search's pages (small, so paging is exercised). */
async function searchAll(product: Product, query: Query): Promise<Item[]> {
  const rows: Item[] = [];
  let cursor: string | undefined;
  do {
    const { status, body } = await search(product, {
      connection_id: connectionOf(product).id,
      page_size: 7,
      query,
      ...(cursor ? { cursor } : {}),
    });
    assert.equal(status, 200, JSON.stringify(body));
    rows.push(...body.data);
    cursor = body.next_cursor ?? undefined;
  } while (cursor);
  return rows;
}

const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
/** The same query with every field in the seed's spelling (camelCase, `_id`). */
const seedSpelling = (query: Query): Query =>
  Object.fromEntries(Object.entries(query).map(([key, value]) => [key === 'id' ? '_id' : camel(key), value]));

const numbers = (rows: Item[], field: string) =>
  [...new Set(rows.map((r) => r[field]).filter((v): v is number => typeof v === 'number'))].sort(
    (a, b) => a - b,
  );
const texts = (rows: Item[], field: string) =>
  [...new Set(rows.map((r) => r[field]).filter((v): v is string => typeof v === 'string'))].sort();
/** A value from the middle of the sorted distinct values: bounds that split the records. */
const middle = <T>(values: T[]): T => {
  assert.ok(values.length >= 2, 'at least two distinct values to split on');
  return values[Math.floor(values.length / 2)]!;
};

type Case = [Query, (row: Item) => boolean];

/** Each product's cases, built from its full list (never from numbers written here). */
const cases: Partial<Record<Product, (all: Item[]) => Case[]>> = {
  cards: (all) => {
    const emitted = middle(texts(all, 'emission_date'));
    return [
      [{ card_type: 'credit' }, (c) => c.card_type === 'credit'],
      [{ available_balance: { $ne: null } }, (c) => c.available_balance !== null],
      [{ credit_limit: { $eq: null } }, (c) => c.credit_limit === null],
      [{ emission_date: { $gte: emitted } }, (c) => String(c.emission_date) >= emitted],
      [{ emission_date: { $lt: emitted }, currency: 'EUR' }, (c) => String(c.emission_date) < emitted],
      [{ id: all[0]!.id }, (c) => c.id === all[0]!.id],
    ];
  },
  card_transactions: (all) => {
    const amount = middle(numbers(all, 'amount'));
    const card = all[0]!.card_id;
    const day = middle(texts(all, 'operation_date'));
    const currencies = texts(all, 'original_currency');
    return [
      [{ card_id: card }, (t) => t.card_id === card],
      [{ amount: { $lte: amount } }, (t) => Number(t.amount) <= amount],
      [{ amount: { $gt: amount, $lt: 0 } }, (t) => Number(t.amount) > amount && Number(t.amount) < 0],
      [{ commission: { $lt: 0 } }, (t) => typeof t.commission === 'number' && t.commission < 0],
      [
        { operation_date: { $gte: day }, value_date: { $ne: null } },
        (t) => String(t.operation_date) >= day && t.value_date !== null,
      ],
      [{ original_currency: { $in: currencies.slice(0, 1) } }, (t) => t.original_currency === currencies[0]],
      [{ original_currency: { $nin: currencies.slice(0, 1) } }, (t) => t.original_currency !== currencies[0]],
      [{ mcc: { $ne: null }, pending: false }, (t) => t.mcc !== null && t.pending === false],
    ];
  },
  accounts: (all) => {
    const balance = middle(numbers(all, 'balance'));
    return [
      [{ balance: { $gte: balance } }, (a) => Number(a.balance) >= balance],
      [{ available_balance: { $lt: balance } }, (a) => Number(a.available_balance) < balance],
      [{ type: { $ne: 'current' } }, (a) => a.type !== 'current'],
      [{ num_owners: { $gt: 1 } }, (a) => Number(a.num_owners) > 1],
      [
        { is_owner: true, iban: { $in: [all[0]!.iban, all[1]!.iban] } },
        (a) => a.is_owner === true && [all[0]!.iban, all[1]!.iban].includes(a.iban),
      ],
    ];
  },
  investments: (all) => {
    const performance = middle(numbers(all, 'performance'));
    const started = middle(texts(all, 'initial_date'));
    const portfolio = all[0]!.portfolio_id;
    return [
      [{ performance: { $gt: performance } }, (i) => Number(i.performance) > performance],
      [
        { capital_gain: { $lte: middle(numbers(all, 'capital_gain')) } },
        (i) => Number(i.capital_gain) <= middle(numbers(all, 'capital_gain')),
      ],
      [{ initial_date: { $lt: started } }, (i) => String(i.initial_date) < started],
      [{ type: { $in: ['F', 'PP'] } }, (i) => ['F', 'PP'].includes(String(i.type))],
      [
        { portfolio_id: portfolio, is_nominal: false },
        (i) => i.portfolio_id === portfolio && i.is_nominal === false,
      ],
      [{ symbol: { $ne: null } }, (i) => i.symbol !== null],
    ];
  },
  investment_transactions: (all) => {
    const cash = middle(numbers(all, 'net_cash'));
    const price = middle(numbers(all, 'unit_price'));
    const investment = all[0]!.investment_id;
    return [
      [{ net_cash: { $lt: cash } }, (t) => Number(t.net_cash) < cash],
      [{ unit_price: { $gte: price }, symb: '+' }, (t) => Number(t.unit_price) >= price && t.symb === '+'],
      [{ investment_id: investment }, (t) => t.investment_id === investment],
      [
        { value_date: { $gt: middle(texts(all, 'value_date')) } },
        (t) => String(t.value_date) > middle(texts(all, 'value_date')),
      ],
      [
        { transaction_id: { $in: [all[0]!.transaction_id, all[2]!.transaction_id] } },
        (t) => [all[0]!.transaction_id, all[2]!.transaction_id].includes(t.transaction_id),
      ],
    ];
  },
  liability_transactions: (all) => {
    const interest = middle(numbers(all, 'interest'));
    const liability = all[0]!.liability_id;
    const amounts = numbers(all, 'amount');
    return [
      [{ liability_id: liability }, (t) => t.liability_id === liability],
      [{ interest: { $lte: interest } }, (t) => Number(t.interest) <= interest],
      [{ amount: { $gt: amounts[0]! } }, (t) => Number(t.amount) > amounts[0]!],
      [{ amount: amounts[0]! }, (t) => t.amount === amounts[0]],
      [
        { currency_amount: 'EUR', principal: { $gt: interest } },
        (t) => t.currency_amount === 'EUR' && Number(t.principal) > interest,
      ],
      [
        { operation_date: { $lte: middle(texts(all, 'operation_date')) } },
        (t) => String(t.operation_date) <= middle(texts(all, 'operation_date')),
      ],
    ];
  },
};

const searched = Object.keys(cases) as Product[];

describe('a query selects what filtering the list by hand selects', () => {
  for (const product of searched) {
    test(`${productPaths[product]}: native and seed spellings`, async () => {
      const all = await listAll(product);
      for (const [query, predicate] of cases[product]!(all)) {
        const expected = all.filter(predicate).map((r) => r.id);
        const label = `${product} ${JSON.stringify(query)}`;
        assert.ok(expected.length > 0 && expected.length < all.length, `${label} selects a proper subset`);
        const got = (await searchAll(product, query)).map((r) => r.id);
        assert.deepEqual(got, expected, label);
        assert.deepEqual(
          (await searchAll(product, seedSpelling(query))).map((r) => r.id),
          got,
          `${label} in camelCase`,
        );
      }
    });
  }

  test('the body takes the list filters too, and count', async () => {
    const all = await listAll('card_transactions');
    const card = all[0]!.card_id;
    const { status, body } = await search('card_transactions', {
      connection_id: bank.id,
      card_id: card,
      amount_max: -10,
      count: true,
      page_size: 3,
      query: { currency: 'EUR' },
    });
    assert.equal(status, 200, JSON.stringify(body));
    const expected = all.filter((t) => t.card_id === card && Number(t.amount) <= -10 && t.currency === 'EUR');
    assert.equal(body.total, expected.length);
    assert.deepEqual(
      body.data.map((t: Item) => t.id),
      expected.slice(0, 3).map((t) => t.id),
    );
    assert.equal(body.has_more, expected.length > 3);
  });
});

describe('documents', () => {
  test('a stored value of another kind reads as null and never fails a search', async () => {
    // Rows written before a field had its kind may hold anything; a fresh client's connection, so
    // the other tests' lists stay as the sandbox wrote them.
    const own = await ctx.tokenFor(await ctx.createClient());
    const connection = await connect(ctx, own, good('user_good'));
    const ids = async (product: Product, query: Query) => {
      const response = await ctx.call(own, {
        method: 'POST',
        url: `/v1/${productPaths[product]}/search`,
        payload: { connection_id: connection.id, page_size: 100, query },
      });
      assert.equal(response.statusCode, 200, response.body);
      return response
        .json()
        .data.map((r: Item) => r.id)
        .sort();
    };
    const accounts = await ids('accounts', {});
    const cards = await ids('cards', {});
    const spoil = (table: 'accounts' | 'cards', id: string, fields: Record<string, unknown>) =>
      sql`update ${sql.table(table)} set data = (data::jsonb || ${JSON.stringify(fields)}::jsonb)::json
          where id = ${id}`.execute(ctx.engine.db);
    await spoil('accounts', accounts[0], { balance: 'n/a', is_owner: 'yes', num_owners: true });
    await spoil('cards', cards[0], {
      emission_date: '2025-02-30',
      expiration_date: '2024-02-29',
      credit_limit: '3000',
    });

    assert.deepEqual(await ids('accounts', { balance: { $gt: -1e12 } }), accounts.slice(1));
    assert.deepEqual(await ids('accounts', { balance: null, is_owner: null, num_owners: null }), [
      accounts[0],
    ]);
    assert.deepEqual(await ids('accounts', { is_owner: { $in: [true, false] } }), accounts.slice(1));
    assert.deepEqual(await ids('cards', { emission_date: { $lte: '9999-12-31' } }), cards.slice(1));
    assert.deepEqual(await ids('cards', { emission_date: null, credit_limit: { $eq: null } }), [cards[0]]);
    assert.deepEqual(await ids('cards', { expiration_date: { $lt: '2025-01-01' } }), [cards[0]]);
  });
});

describe('bad queries', () => {
  const bad: Array<[Product, Query, string]> = [
    ['cards', { colour: 'red' }, '/body/query/colour'],
    ['cards', { shop: 'x' }, '/body/query/shop'],
    ['cards', { pan: { $regex: '^5' } }, '/body/query/pan/$regex'],
    ['cards', { emissionDate: { $gte: '14/06/2024' } }, '/body/query/emissionDate/$gte'],
    ['card_transactions', { amount: { $gte: 'lots' } }, '/body/query/amount/$gte'],
    ['card_transactions', { pending: 'no' }, '/body/query/pending'],
    ['accounts', { owners: 'x' }, '/body/query/owners'],
    ['accounts', { is_owner: { $exists: true } }, '/body/query/is_owner/$exists'],
    ['accounts', { balance: '100' }, '/body/query/balance'],
    ['investments', { cnmv: null }, '/body/query/cnmv'],
    ['investments', { name: { $gt: 'a' } }, '/body/query/name/$gt'],
    ['investments', { initial_date: '2025-02-30' }, '/body/query/initial_date'],
    ['investment_transactions', { netCash: { $in: [] } }, '/body/query/netCash/$in'],
    ['investment_transactions', { isin: { $or: [] } }, '/body/query/isin/$or'],
    ['liability_transactions', { principal: { $lt: true } }, '/body/query/principal/$lt'],
    ['liability_transactions', { category: 'food' }, '/body/query/category'],
    // category and subcategory take the taxonomy's slugs, each at its own level
    ['transactions', { category: { $in: ['groceries', 'food'] } }, '/body/query/category/$in/1'],
    ['card_transactions', { category: 'supermarket' }, '/body/query/category'],
    ['transactions', { subcategory: { $nin: ['groceries'] } }, '/body/query/subcategory/$nin/0'],
  ];

  test('an unknown field or operator, or a value of the wrong type, is 400 VALIDATION_FAILED with its pointer', async () => {
    for (const [product, query, pointer] of bad) {
      const { status, body } = await search(product, { connection_id: connectionOf(product).id, query });
      const label = `${product} ${JSON.stringify(query)}`;
      assert.equal(status, 400, label);
      assert.equal(body.code, 'VALIDATION_FAILED', label);
      assert.deepEqual(
        body.errors.map((e: { pointer: string }) => e.pointer),
        [pointer],
        label,
      );
    }
  });

  test('and changes nothing: every list reads as before', async () => {
    const before = await Promise.all(searched.map(listAll));
    for (const [product, query] of bad) await search(product, { query });
    assert.deepEqual(await Promise.all(searched.map(listAll)), before);
  });

  test('a filter the product does not take is refused by the body schema', async () => {
    const { status, body } = await search('accounts', { connection_id: bank.id, amount_min: 1 });
    assert.equal(status, 400);
    assert.equal(body.code, 'VALIDATION_FAILED');
  });
});

describe('readiness and isolation, as the GET list', () => {
  test('202 OPERATION_PENDING while the first extraction waits; 424 for a product that failed', async () => {
    const waiting = await createConnection(ctx, token, good('user_otp'));
    await waitForConnection(ctx, token, waiting.id);
    const pending = await search('cards', { connection_id: waiting.id, query: { card_type: 'credit' } });
    assert.equal(pending.status, 202, JSON.stringify(pending.body));
    assert.equal(pending.body.code, 'OPERATION_PENDING');
    const partial = await search('cards', { connection_id: waiting.id, allow_partial: true });
    assert.equal(partial.status, 200);

    const failed = await connect(ctx, token, good('user_partial'));
    const refused = await search('cards', { connection_id: failed.id, query: { card_type: 'credit' } });
    assert.equal(refused.status, 424, JSON.stringify(refused.body));
    assert.equal(refused.body.code, 'PRODUCT_EXTRACTION_FAILED');
  });

  test("another client's token sees nothing and cannot name the connection", async () => {
    const other = await ctx.tokenFor(await ctx.createClient());
    for (const product of searched) {
      const [record] = await listAll(product);
      const named = await search(product, { connection_id: connectionOf(product).id }, other);
      assert.equal(named.status, 404, product);
      assert.equal(named.body.code, 'NOT_FOUND', product);
      const everything = await search(product, { query: { id: { $ne: null } } }, other);
      assert.equal(everything.status, 200, product);
      assert.deepEqual(everything.body.data, [], product);
      assert.deepEqual((await search(product, { query: { _id: record!.id } }, other)).body.data, [], product);
    }
  });
});
