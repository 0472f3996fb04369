// The product catalog: one entry per data product, from which every product list, table, id
// prefix, route, OpenAPI schema, parent link and field list is derived. A new product is an entry
// here, a migration for its table, and what connectors yield for it.
import { type FieldList, productFields } from './product-fields.ts';

interface MovementFields {
  readonly amount: string;
  readonly currency: string;
}

/** Cash and card movements: their own amount and currency fields. */
const ownAmount: MovementFields = { amount: 'amount', currency: 'currency' };

interface ProductEntry {
  /** The table its records are stored in. */
  readonly table: string;
  /** Its ids: `txn_…`. */
  readonly idPrefix: string;
  /** Its routes: /v1/<path> and /v1/<path>/{id}. */
  readonly path: string;
  /** What a list of it is, in the API reference. */
  readonly label: string;
  /** The product its records hang from, and the field that names the parent's id. */
  readonly parent: string | null;
  readonly parentField: string | null;
  /**
   * Movements are dated money movements, listed newest first, stored as typed columns: which of
   * their fields is the amount and the currency the list filters (amount_min, currency) compare.
   */
  readonly movement: MovementFields | null;
  readonly fields: FieldList;
}

const entry = (
  table: string,
  idPrefix: string,
  path: string,
  label: string,
  fields: FieldList,
  parent: { product: string; field: string } | null = null,
  movement: MovementFields | null = null,
): ProductEntry => ({
  table,
  idPrefix,
  path,
  label,
  parent: parent?.product ?? null,
  parentField: parent?.field ?? null,
  movement,
  fields,
});

export const productCatalog = {
  accounts: entry('accounts', 'acc', 'accounts', 'accounts', productFields.accounts),
  transactions: entry(
    'transactions',
    'txn',
    'transactions',
    'cash transactions',
    productFields.transactions,
    { product: 'accounts', field: 'account_id' },
    ownAmount,
  ),
  cards: entry('cards', 'crd', 'cards', 'cards', productFields.cards),
  card_transactions: entry(
    'card_transactions',
    'ctx',
    'card-transactions',
    'card transactions',
    productFields.card_transactions,
    { product: 'cards', field: 'card_id' },
    ownAmount,
  ),
  portfolios: entry('portfolios', 'pfl', 'portfolios', 'investment portfolios', productFields.portfolios),
  investments: entry(
    'investments',
    'inv',
    'investments',
    'investments (holdings)',
    productFields.investments,
    { product: 'portfolios', field: 'portfolio_id' },
  ),
  investment_transactions: entry(
    'investment_transactions',
    'itx',
    'investment-transactions',
    'investment transactions',
    productFields.investment_transactions,
    { product: 'investments', field: 'investment_id' },
    // `amount` is the number of units; the money that moved is the net cash.
    { amount: 'net_cash', currency: 'currency' },
  ),
  liabilities: entry(
    'liabilities',
    'lia',
    'liabilities',
    'liabilities (loans, credits)',
    productFields.liabilities,
  ),
  liability_transactions: entry(
    'liability_transactions',
    'ltx',
    'liability-transactions',
    'liability transactions (instalments)',
    productFields.liability_transactions,
    { product: 'liabilities', field: 'liability_id' },
    { amount: 'amount', currency: 'currency_amount' },
  ),
  identity: entry('identities', 'idn', 'identities', 'identities of the end user', productFields.identity),
  holders: entry(
    'holders',
    'hld',
    'holders',
    'holders of accounts, cards, portfolios and liabilities',
    productFields.holders,
  ),
  mifid: entry('mifid_answers', 'mfd', 'mifid-answers', 'MiFID questionnaire answers', productFields.mifid),
} as const satisfies Record<string, ProductEntry>;

export type Product = keyof typeof productCatalog;

/** Every product, in the catalog's order. */
export const products = Object.keys(productCatalog) as Product[];

const derive = <T>(pick: (entry: ProductEntry) => T) =>
  Object.fromEntries(products.map((product) => [product, pick(productCatalog[product])])) as Record<
    Product,
    T
  >;

/** The table each product is stored in. */
export const productTable = derive((e) => e.table);
/** Id prefixes of stored records (DESIGN.md: `acc_`, `txn_`, `crd_`, …). */
export const productIdPrefix = derive((e) => e.idPrefix);
/** The URL segment of each product: /v1/<segment>. */
export const productPaths = derive((e) => e.path);
export const productLabels = derive((e) => e.label);

const withParent = products.filter((product) => productCatalog[product].parent !== null);
/** Which product a product's records hang from (its parent), for ids and foreign keys. */
export const parentProduct: Partial<Record<Product, Product>> = Object.fromEntries(
  withParent.map((product) => [product, productCatalog[product].parent as Product]),
);
/** Which field names a product's parent id (Flanks: `account_id`, `card_id`, …). */
export const parentField: Partial<Record<Product, string>> = Object.fromEntries(
  withParent.map((product) => [product, productCatalog[product].parentField!]),
);

/** Products stored as typed columns (one per scalar field), listed newest first. */
export const movementProducts: ReadonlySet<Product> = new Set(
  products.filter((product) => productCatalog[product].movement !== null),
);

/** The amount and currency fields of each movement product. */
export const movementFields: Partial<Record<Product, MovementFields>> = Object.fromEntries(
  [...movementProducts].map((product) => [product, productCatalog[product].movement!]),
);
