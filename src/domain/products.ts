// The data products a connector can extract (seed 003's product list, in the native names).
export const products = [
  'accounts',
  'transactions',
  'cards',
  'card_transactions',
  'portfolios',
  'investments',
  'investment_transactions',
  'liabilities',
  'liability_transactions',
  'identity',
  'holders',
  'mifid',
] as const;

export type Product = (typeof products)[number];

/** The table each product is stored in. */
export const productTable = {
  accounts: 'accounts',
  transactions: 'transactions',
  cards: 'cards',
  card_transactions: 'card_transactions',
  portfolios: 'portfolios',
  investments: 'investments',
  investment_transactions: 'investment_transactions',
  liabilities: 'liabilities',
  liability_transactions: 'liability_transactions',
  identity: 'identities',
  holders: 'holders',
  mifid: 'mifid_answers',
} as const satisfies Record<Product, string>;

/** Id prefixes of stored records (DESIGN.md: `acc_`, `txn_`, `crd_`, …). */
export const productIdPrefix: Record<Product, string> = {
  accounts: 'acc',
  transactions: 'txn',
  cards: 'crd',
  card_transactions: 'ctx',
  portfolios: 'pfl',
  investments: 'inv',
  investment_transactions: 'itx',
  liabilities: 'lia',
  liability_transactions: 'ltx',
  identity: 'idn',
  holders: 'hld',
  mifid: 'mfd',
};

/** Products stored with typed movement columns (date, amount, currency, pending). */
export const movementProducts: ReadonlySet<Product> = new Set([
  'transactions',
  'card_transactions',
  'investment_transactions',
  'liability_transactions',
]);
