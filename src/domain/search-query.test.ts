import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parentField, products } from './product-catalog.ts';
import { productFields } from './product-fields.ts';
import { parseSearchQuery, SearchQueryError, searchFields } from './search-query.ts';

/** The pointer a query's SearchQueryError names. */
function pointerOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof SearchQueryError, String(error));
    return error.pointer;
  }
  assert.fail('no SearchQueryError');
}

const names = (product: (typeof products)[number]) => searchFields(product).map((f) => f.name);

describe('the fields of each product', () => {
  test('are the id, the parent id, every scalar catalog field and a movement’s pending flags', () => {
    for (const product of products) {
      const scalar = Object.entries(productFields[product])
        .filter(([, kind]) => kind !== 'object' && kind !== 'array')
        .map(([name]) => name);
      const parent = parentField[product];
      const movement = product.endsWith('transactions');
      assert.deepEqual(
        names(product),
        [
          'id',
          ...(parent ? [parent] : []),
          ...scalar,
          ...(movement ? ['pending', 'pending_transaction_id'] : []),
        ],
        product,
      );
    }
  });

  test('objects and arrays, and another product’s fields, are unknown', () => {
    assert.equal(
      pointerOf(() => parseSearchQuery('investments', { cnmv: null })),
      '/query/cnmv',
    );
    assert.equal(
      pointerOf(() => parseSearchQuery('accounts', { owners: 'x' })),
      '/query/owners',
    );
    assert.equal(
      pointerOf(() => parseSearchQuery('cards', { shop: 'x' })),
      '/query/shop',
    );
    assert.equal(
      pointerOf(() => parseSearchQuery('accounts', { pending: true })),
      '/query/pending',
    );
    assert.equal(
      pointerOf(() => parseSearchQuery('holders', { account_id: 'x' })),
      '/query/account_id',
    );
  });
});

describe('spellings', () => {
  test('camelCase and _id name the same field as snake_case and id, on every product', () => {
    for (const product of products) {
      for (const field of searchFields(product)) {
        const camel = field.name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
        const value = field.type === 'date' ? '2026-01-01' : field.type === 'number' ? -1.5 : null;
        const [native] = parseSearchQuery(product, { [field.name]: value });
        const [seed] = parseSearchQuery(product, { [camel]: value });
        assert.deepEqual(seed, native, `${product}.${camel}`);
        assert.equal(native!.field, field);
      }
      assert.deepEqual(parseSearchQuery(product, { _id: 'x' }), parseSearchQuery(product, { id: 'x' }));
    }
  });

  test('the seed’s spellings the transactions search always took still work', () => {
    const fields = parseSearchQuery('transactions', {
      operationDate: '2026-01-01',
      valueDate: '2026-01-01',
      productDescription: 'x',
      cardNumber: 'x',
      _id: 'x',
    }).map((c) => c.field.name);
    assert.deepEqual(fields, ['operation_date', 'value_date', 'product_description', 'card_number', 'id']);
  });

  test('parent ids under their own name and in camelCase', () => {
    assert.equal(parseSearchQuery('card_transactions', { card_id: 'crd_x' })[0]!.field.column, 'parent_id');
    assert.equal(parseSearchQuery('card_transactions', { cardId: 'crd_x' })[0]!.field.column, 'parent_id');
    assert.equal(
      parseSearchQuery('investment_transactions', { investmentId: 'inv_x' })[0]!.field.column,
      'parent_id',
    );
  });

  test('a camelCase spelling is not accepted in snake_case disguise, nor is a prototype key a field', () => {
    assert.equal(
      pointerOf(() => parseSearchQuery('transactions', { operationdate: 'x' })),
      '/query/operationdate',
    );
    assert.equal(
      pointerOf(() => parseSearchQuery('transactions', { constructor: 'x' })),
      '/query/constructor',
    );
    assert.equal(
      pointerOf(() => parseSearchQuery('transactions', JSON.parse('{"__proto__": 1}'))),
      '/query/__proto__',
    );
  });
});

describe('operators and values', () => {
  test('a plain value is $eq; an operator object gives one condition per operator', () => {
    assert.deepEqual(
      parseSearchQuery('accounts', { balance: { $gte: -10.25, $lt: 100 }, type: 'current' }).map((c) => [
        c.field.name,
        c.operator,
        c.value,
      ]),
      [
        ['balance', '$gte', -10.25],
        ['balance', '$lt', 100],
        ['type', '$eq', 'current'],
      ],
    );
  });

  test('money and numbers keep their value; null only with $eq and $ne', () => {
    assert.deepEqual(parseSearchQuery('card_transactions', { commission: { $ne: null } })[0]!.value, null);
    assert.equal(
      pointerOf(() => parseSearchQuery('card_transactions', { commission: { $gt: null } })),
      '/query/commission/$gt',
    );
    assert.equal(
      pointerOf(() => parseSearchQuery('card_transactions', { amount: { $in: [1, null] } })),
      '/query/amount/$in/1',
    );
  });

  test('every order operator on dates and numbers, none on text or booleans', () => {
    for (const op of ['$gt', '$gte', '$lt', '$lte']) {
      assert.equal(parseSearchQuery('cards', { emission_date: { [op]: '2025-01-01' } }).length, 1);
      assert.equal(parseSearchQuery('investments', { performance: { [op]: 0.1 } }).length, 1);
      assert.equal(
        pointerOf(() => parseSearchQuery('cards', { pan: { [op]: 'a' } })),
        `/query/pan/${op}`,
      );
      assert.equal(
        pointerOf(() => parseSearchQuery('accounts', { is_owner: { [op]: true } })),
        `/query/is_owner/${op}`,
      );
    }
  });

  test('values of the wrong type are refused with their pointer', () => {
    const bad: Array<[Parameters<typeof parseSearchQuery>, string]> = [
      [['accounts', { balance: '100' }], '/query/balance'],
      [['accounts', { is_owner: 'yes' }], '/query/is_owner'],
      [['accounts', { num_owners: { $in: [1, 'two'] } }], '/query/num_owners/$in/1'],
      [['cards', { emission_date: '14/06/2024' }], '/query/emission_date'],
      [['cards', { emissionDate: { $gte: '2025-02-30' } }], '/query/emissionDate/$gte'],
      [['cards', { emission_date: '0000-01-01' }], '/query/emission_date'],
      [['cards', { pan: 1234 }], '/query/pan'],
      [['cards', { pan: 'x'.repeat(257) }], '/query/pan'],
      [['liability_transactions', { amount: { $in: [] } }], '/query/amount/$in'],
      [['liability_transactions', { amount: { $nin: 5 } }], '/query/amount/$nin'],
      [['liability_transactions', { amount: {} }], '/query/amount'],
      [['liability_transactions', { amount: [1] }], '/query/amount'],
    ];
    for (const [args, pointer] of bad)
      assert.equal(
        pointerOf(() => parseSearchQuery(...args)),
        pointer,
      );
  });

  test('category and subcategory take the taxonomy’s slugs, each at its own level, and say which', () => {
    const detailOf = (query: Record<string, unknown>) => {
      try {
        parseSearchQuery('transactions', query);
      } catch (error) {
        assert.ok(error instanceof SearchQueryError);
        return `${error.pointer}: ${error.message}`;
      }
      return 'accepted';
    };
    assert.equal(
      detailOf({ category: { $in: ['groceries', 'transport'] }, subcategory: 'fuel' }),
      'accepted',
    );
    assert.equal(detailOf({ category: { $ne: null } }), 'accepted');
    assert.match(
      detailOf({ category: 'food' }),
      /^\/query\/category: unknown category; use one of income, housing/,
    );
    assert.equal(
      detailOf({ category: { $nin: ['transport', 'supermarket'] } }),
      '/query/category/$nin/1: supermarket is a subcategory of groceries: search subcategory for it',
    );
    assert.equal(
      detailOf({ subcategory: 'groceries' }),
      '/query/subcategory: groceries is a top-level category: search category for it',
    );
    assert.match(detailOf({ subcategory: 'snacks' }), /^\/query\/subcategory: unknown subcategory/);
    // Another text field keeps any value.
    assert.equal(detailOf({ bank_category: 'food' }), 'accepted');
  });

  test('an unknown operator is refused, its key escaped in the pointer', () => {
    assert.equal(
      pointerOf(() => parseSearchQuery('cards', { pan: { $regex: '^5' } })),
      '/query/pan/$regex',
    );
    assert.equal(
      pointerOf(() => parseSearchQuery('cards', { pan: { 'a/b~': 1 } })),
      '/query/pan/a~1b~0',
    );
    const error = (() => {
      try {
        parseSearchQuery('cards', { 'x/y': 1 });
      } catch (e) {
        return e as SearchQueryError;
      }
    })();
    assert.deepEqual(error?.path, ['query', 'x/y']);
  });
});
