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
