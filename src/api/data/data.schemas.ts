// Schemas of the data API: one record schema per product, generated from the field catalog
// (domain/product-fields.ts), and the list filters each product accepts.
import { type TObject, type TSchema, Type } from 'typebox';
import { type FieldKind, productFields } from '../../domain/product-fields.ts';
import {
  movementProducts,
  type Product,
  parentField,
  parentProduct,
  productIdPrefix,
  productLabels,
  productPaths,
  products,
} from '../../domain/products.ts';

export { productLabels, productPaths };

import { categorySlugs } from '../../domain/categories/taxonomy.ts';
import { searchFields } from '../../domain/search-query.ts';
import { MAX_PAGE_SIZE } from '../../http/pagination.ts';
import { IdParam, IdParams, Nullable, Ref, StringEnum } from '../common.schemas.ts';
import {
  connectionDataExample,
  pageExample,
  removedTransactionExample,
  syncExample,
} from '../openapi/examples.ts';
import { recordExamples } from '../openapi/record-examples.ts';

/**
 * What one record of each product is called, and many of them: the names of its schema
 * (`Transaction`, `TransactionSearchRequest`) and of its operations (`getTransaction`,
 * `listTransactions`, `searchTransactions`).
 */
export const productNames: Record<Product, { one: string; many: string }> = {
  accounts: { one: 'Account', many: 'Accounts' },
  transactions: { one: 'Transaction', many: 'Transactions' },
  cards: { one: 'Card', many: 'Cards' },
  card_transactions: { one: 'CardTransaction', many: 'CardTransactions' },
  portfolios: { one: 'Portfolio', many: 'Portfolios' },
  investments: { one: 'Investment', many: 'Investments' },
  investment_transactions: { one: 'InvestmentTransaction', many: 'InvestmentTransactions' },
  liabilities: { one: 'Liability', many: 'Liabilities' },
  liability_transactions: { one: 'LiabilityTransaction', many: 'LiabilityTransactions' },
  identity: { one: 'Identity', many: 'Identities' },
  holders: { one: 'Holder', many: 'Holders' },
  mifid: { one: 'MifidAnswer', many: 'MifidAnswers' },
};

const kindSchema: Record<FieldKind, () => TSchema> = {
  string: () => Type.String(),
  date: () => Type.String({ format: 'date' }),
  money: () => Type.Number({ description: 'Major units; negative = money leaving.' }),
  number: () => Type.Number(),
  integer: () => Type.Integer(),
  boolean: () => Type.Boolean(),
  object: () => Type.Object({}, { additionalProperties: true }),
  array: () => Type.Array(Type.Unknown()),
};

/** The schema of one record of a product, named after it (`Transaction`), with its example. */
function recordSchemaOf(product: Product): TObject {
  const parent = parentField[product];
  const fields = Object.fromEntries(
    Object.entries(productFields[product]).map(([name, kind]) => [name, Nullable(kindSchema[kind]())]),
  );
  return Type.Object(
    {
      id: Type.String(),
      connection_id: Type.String(),
      external_id: Nullable(Type.String({ description: "The end user's id in your system." })),
      ...(parent ? { [parent]: Nullable(Type.String()) } : {}),
      ...fields,
      ...(product === 'transactions' ? manualFields() : {}),
      ...(movementProducts.has(product)
        ? {
            pending: Type.Boolean(),
            pending_transaction_id: Nullable(
              Type.String({ description: 'On a posted movement: the pending one it settled.' }),
            ),
          }
        : {}),
      first_seen_at: Type.String({ format: 'date-time' }),
      updated_at: Type.String({ format: 'date-time' }),
      raw: Type.Optional(Type.Unknown({ description: 'The source record, with `include=raw`.' })),
    },
    {
      $id: productNames[product].one,
      additionalProperties: true,
      description: `One of the ${productLabels[product]}.`,
      examples: [recordExamples[product]],
    },
  );
}

/** Every product's record schema, made once: each is a component of the document. */
export const recordSchemas = Object.fromEntries(products.map((p) => [p, recordSchemaOf(p)])) as Record<
  Product,
  TObject
>;

/** A reference to one record of a product. */
export const recordRef = (product: Product) => Ref(recordSchemas[product]);

/** What only manual transactions carry (POST /v1/accounts/{id}/transactions); absent on the others. */
function manualFields() {
  return {
    manual: Type.Optional(
      Type.Boolean({ description: 'Present (true) on a transaction the client entered itself.' }),
    ),
    manual_external_id: Type.Optional(
      Type.String({ description: 'A manual transaction: the `external_id` the client gave it.' }),
    ),
  };
}

const DateParam = (description: string) => Type.Optional(Type.String({ format: 'date', description }));

// A product's list query is its scope, then (for movements) the movement filters, then (for cash and
// card transactions) the category, then the paging; each is built afresh for each route.

/** Whose records: a connection, an end user's connections, a parent record. */
function listScope(product: Product) {
  return {
    connection_id: Type.Optional(IdParam('con')),
    external_id: Type.Optional(
      Type.String({ maxLength: 256, description: "Records of every connection with this end user's id." }),
    ),
    ...parentFilter(product),
  };
}

/**
 * The parent's id filter (`account_id` of transactions, …). Its name comes from the catalog, so it is
 * not part of the query's static type: the list use case reads it by the product's parent field.
 */
function parentFilter(product: Product): object {
  const parent = parentField[product];
  const parentOf = parentProduct[product];
  return parent && parentOf ? { [parent]: Type.Optional(IdParam(productIdPrefix[parentOf])) } : {};
}

function movementFilters() {
  return {
    operation_date_from: DateParam('Operation date on or after (YYYY-MM-DD).'),
    operation_date_to: DateParam('Operation date on or before.'),
    value_date_from: DateParam('Value date on or after.'),
    value_date_to: DateParam('Value date on or before.'),
    amount_min: Type.Optional(Type.Number({ description: 'Amount ≥ this (negative = money leaving).' })),
    amount_max: Type.Optional(Type.Number()),
    currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
    pending: Type.Optional(Type.Boolean()),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'Text in the description, counterparty, shop or merchant (case-insensitive).',
      }),
    ),
  };
}

function categoryFilter() {
  return {
    // A closed list, so a misspelt category is a 400 naming the slugs rather than an empty page.
    category: Type.Optional(
      StringEnum([...categorySlugs.keys()], {
        description:
          'A top-level category (matches its subcategories too) or a subcategory (README, Categories).',
      }),
    ),
  };
}

function listPaging() {
  return {
    updated_since: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'Records inserted or changed at or after this instant.',
      }),
    ),
    include: Type.Optional(
      StringEnum(['raw'], { description: '`raw` adds the source record to each item.' }),
    ),
    count: Type.Boolean({
      default: false,
      description: 'Add `total`, the number of matching records (slower).',
    }),
    allow_partial: Type.Boolean({
      default: false,
      description: 'Read what is stored even while the first extraction runs or after it failed.',
    }),
    page_size: Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 }),
    cursor: Type.Optional(
      Type.String({ minLength: 1, maxLength: 512, description: 'The previous `next_cursor`.' }),
    ),
    page: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100_000,
        description:
          '1-based page number, for clients that page by number. Slower for deep pages than `cursor`.',
      }),
    ),
  };
}

const closed = { additionalProperties: false } as const;
const recordListQuery = (product: Product) => Type.Object({ ...listScope(product), ...listPaging() }, closed);
const movementListQuery = (product: Product) =>
  Type.Object({ ...listScope(product), ...movementFilters(), ...listPaging() }, closed);
const categorizedListQuery = (product: Product) =>
  Type.Object({ ...listScope(product), ...movementFilters(), ...categoryFilter(), ...listPaging() }, closed);

/**
 * The filters of a product's list (all optional). The return type names the three shapes: inferred,
 * their union would be reduced to the shape with the fewest properties, and the routes would lose the
 * movement filters' types.
 */
export function listQuery(
  product: Product,
): ReturnType<typeof recordListQuery | typeof movementListQuery | typeof categorizedListQuery> {
  if (product === 'transactions' || product === 'card_transactions') return categorizedListQuery(product);
  return movementProducts.has(product) ? movementListQuery(product) : recordListQuery(product);
}

export function listResponse(product: Product) {
  const example = recordExamples[product];
  return Type.Object(
    {
      data: Type.Array(recordRef(product)),
      has_more: Type.Boolean(),
      next_cursor: Nullable(Type.String()),
      total: Type.Optional(Type.Integer({ description: 'With `count=true`.' })),
    },
    { examples: [pageExample([example], sortKeyExample(product, example))] },
  );
}

/** The key a page of a product ends at (the next cursor): movements by date then id, others by id. */
function sortKeyExample(product: Product, record: Record<string, unknown>): string[] {
  const id = String(record.id);
  return movementProducts.has(product) ? [String(record.operation_date), id] : [id];
}

/** The body of POST /v1/<product>/search: the product's list filters, plus Flanks' query object. */
export function searchBody(product: Product) {
  return Type.Object(
    {
      ...listQuery(product).properties,
      query: Type.Optional(
        Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), {
          description:
            'MongoDB-style conditions that must all hold: `{ field: value }` or `{ field: { $op: value } }` ' +
            `with $eq, $ne, $gt, $gte, $lt, $lte, $in, $nin. Fields: ${searchFields(product)
              .map((f) => f.name)
              .join(', ')}; ` +
            'each also in camelCase (`operationDate`), and `_id` for `id`.',
          maxProperties: 32,
        }),
      ),
    },
    {
      ...closed,
      $id: `${productNames[product].one}SearchRequest`,
      examples: [
        {
          external_id: 'user-8412',
          page_size: 50,
          query: JSON.parse(exampleQuery(product)) as Record<string, unknown>,
        },
      ],
    },
  );
}

/**
 * An example query object of a product, from its fields: a date range, a number, a text. Cash
 * transactions keep the example their route has always shown.
 */
function exampleQuery(product: Product): string {
  if (product === 'transactions')
    return '{"operationDate": {"$gte": "2025-01-01"}, "amount": {"$lt": 0}, "category": {"$in": ["eating_out", "transport"]}}';
  const fields = searchFields(product).filter((f) => f.column === undefined);
  const date = fields.find((f) => f.type === 'date');
  const number = fields.find((f) => f.type === 'number');
  const text = fields.find((f) => f.name === 'currency') ?? fields.find((f) => f.type === 'text');
  return `{${[
    date && `"${date.name}": {"$gte": "2025-01-01"}`,
    number && `"${number.name}": {"$gt": 0}`,
    text && (text.name === 'currency' ? '"currency": "EUR"' : `"${text.name}": {"$ne": null}`),
  ]
    .filter(Boolean)
    .join(', ')}}`;
}

/** What POST /v1/<product>/search does, for the API reference. */
export function searchDescription(product: Product): string {
  return (
    "For clients that prefer Flanks' query object to query-string filters: the body takes the " +
    `same filters and paging as \`GET /v1/${productPaths[product]}\`, plus \`query\`, a MongoDB-style object ` +
    `(\`${exampleQuery(product)}\`) with $eq, $ne, $gt, $gte, $lt, $lte, $in and $nin on Flanks’ or ` +
    'the native field names (docs/search.md). Unknown fields or operators are a 400, never ignored.'
  );
}

/** GET /v1/transactions/sync: one connection's feed, from a cursor. */
export const SyncQuery = Type.Object(
  {
    connection_id: IdParam('con'),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
    count: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  },
  closed,
);

export const RemovedTransactionSchema = Type.Object(
  {
    transaction_id: Type.String(),
    account_id: Type.Union([Type.String(), Type.Null()]),
  },
  {
    $id: 'RemovedTransaction',
    description: 'A transaction gone since the cursor (a pending one that posted, a manual one removed).',
    examples: [removedTransactionExample],
  },
);

export const TransactionsSyncSchema = Type.Object(
  {
    added: Type.Array(recordRef('transactions')),
    modified: Type.Array(recordRef('transactions')),
    removed: Type.Array(Ref(RemovedTransactionSchema)),
    next_cursor: Type.String({ description: 'Pass as `cursor` for what changed after this page.' }),
    has_more: Type.Boolean(),
  },
  {
    $id: 'TransactionsSync',
    description: 'One page of a connection’s transaction changes.',
    examples: [syncExample],
  },
);

/** The id in GET /v1/<product>/{id} and GET /v1/connections/{id}/all. */
/** The path of one record of a product: its id, with the product's prefix. */
export const recordParams = (product: Product) => IdParams(productIdPrefix[product]);
export const AllDataParams = IdParams('con');

export const GetRecordQuery = Type.Object({ include: Type.Optional(StringEnum(['raw'])) }, closed);

/** GET /v1/connections/{id}/all: a document of every product, streamed (its shape is described). */
export const ConnectionDataSchema = Type.Object(
  {},
  {
    $id: 'ConnectionData',
    additionalProperties: true,
    description:
      'Every record of a connection, grouped: accounts, cards and liabilities with their transactions and ' +
      'holders, portfolios, investments by type, identity and MiFID answers, and `product_status`.',
    examples: [connectionDataExample],
  },
);
