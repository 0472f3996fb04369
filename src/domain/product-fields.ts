// The native API's fields of each product: every field seed 003 (Flanks) documents for it, in
// snake_case, plus what Tesoro adds (categories, pending links, card and loan details). A stored
// record's document has every one of them, null where the source has nothing, so a client never
// has to tell "absent" from "unknown". Money travels inside the code as decimal strings and is
// written as a JSON number in major units on the wire (DESIGN.md); `money` fields are converted here.
import type { Product } from './products.ts';

export type FieldKind = 'string' | 'date' | 'money' | 'number' | 'integer' | 'boolean' | 'object' | 'array';

export type FieldList = Readonly<Record<string, FieldKind>>;

/** Which field names a product's parent id under (seed 003: `account_id`, `card_id`, …). */
export const parentField: Partial<Record<Product, string>> = {
  transactions: 'account_id',
  card_transactions: 'card_id',
  investments: 'portfolio_id',
  investment_transactions: 'investment_id',
  liability_transactions: 'liability_id',
};

const categoryFields = {
  category: 'string',
  subcategory: 'string',
  merchant_name: 'string',
  bank_category: 'string',
} as const;

export const productFields: Readonly<Record<Product, FieldList>> = {
  accounts: {
    iban: 'string',
    name: 'string',
    alias: 'string',
    type: 'string',
    balance: 'money',
    available_balance: 'money',
    currency: 'string',
    description: 'string',
    is_owner: 'boolean',
    num_owners: 'integer',
    owners: 'array',
  },
  transactions: {
    amount: 'money',
    currency: 'string',
    balance: 'money',
    operation_date: 'date',
    value_date: 'date',
    description: 'string',
    product_description: 'string',
    counterparty: 'string',
    ...categoryFields,
    mcc: 'string',
    norma43: 'string',
    card_number: 'string',
    transaction_id: 'string',
    order_id: 'string',
    pair_transaction_id: 'string',
    transfer: 'object',
  },
  cards: {
    product: 'string',
    contract_number: 'string',
    pan: 'string',
    card_type: 'string',
    emission_date: 'date',
    expiration_date: 'date',
    available_balance: 'money',
    credit_limit: 'money',
    currency: 'string',
    account_iban: 'string',
  },
  card_transactions: {
    amount: 'money',
    commission: 'money',
    currency: 'string',
    original_currency: 'string',
    operation_date: 'date',
    value_date: 'date',
    shop: 'string',
    ...categoryFields,
    mcc: 'string',
  },
  portfolios: {
    name: 'string',
    type: 'string',
    currency: 'string',
    balance: 'money',
    ref_valores: 'string',
    ref_account: 'string',
    ref_accounts: 'array',
    owners: 'array',
  },
  investments: {
    name: 'string',
    isin: 'string',
    cusip: 'string',
    symbol: 'string',
    type: 'string',
    subtype: 'string',
    amount: 'number',
    balance: 'money',
    currency: 'string',
    cost: 'money',
    is_nominal: 'boolean',
    detail: 'object',
    cnmv: 'object',
    dgs: 'object',
    initial_date: 'date',
    valuation_date: 'date',
    expiration_date: 'date',
    performance: 'number',
    performance_detail: 'object',
    analytics: 'object',
    interest: 'object',
    market: 'string',
    operating_market: 'string',
    capital_gain: 'money',
    accrued_interest: 'money',
    price_ex_cupon: 'money',
    leverage: 'number',
    country_model: 'array',
    placing_bank: 'string',
  },
  investment_transactions: {
    isin: 'string',
    description: 'string',
    type: 'string',
    symb: 'string',
    operation_date: 'date',
    value_date: 'date',
    amount: 'number',
    unit_price: 'money',
    balance: 'number',
    net_cash: 'money',
    commission: 'money',
    commission_detail: 'object',
    expenses: 'money',
    expenses_detail: 'object',
    retention: 'money',
    retention_detail: 'object',
    accrued_interest: 'money',
    currency: 'string',
    original_currency: 'string',
    reference_currency: 'string',
    payment_currency: 'string',
    transaction_currency: 'string',
    exchange: 'number',
    exchange_to_payment_currency: 'number',
    exchange_to_transaction_currency: 'number',
    ref_valos: 'string',
    ref_account_iban: 'string',
    transaction_id: 'string',
    order_id: 'string',
    pair_transaction_id: 'string',
    reversal_type: 'string',
    leverage: 'number',
    origin_gain: 'object',
    origin_gain_detail: 'array',
    account_dest: 'string',
    isin_dest: 'string',
    amount_dest: 'number',
    unit_price_dest: 'money',
    net_cash_dest: 'money',
    commission_dest: 'money',
    currency_dest: 'string',
    symb_dest: 'string',
    value_date_dest: 'date',
    country_model: 'array',
  },
  liabilities: {
    name: 'string',
    type: 'string',
    subtype: 'string',
    balance: 'money',
    currency: 'string',
    available_balance: 'money',
    limit: 'money',
    initial_capital: 'money',
    initial_capital_currency: 'string',
    monthly_payment: 'money',
    opening_date: 'date',
    expiration_date: 'date',
    periodicity: 'string',
    interest: 'object',
    contract_number: 'string',
  },
  liability_transactions: {
    amount: 'money',
    currency_amount: 'string',
    balance: 'money',
    currency_balance: 'string',
    description: 'string',
    operation_date: 'date',
    value_date: 'date',
    credit_account: 'string',
    interest: 'money',
    principal: 'money',
    commission: 'money',
    type: 'string',
    transaction_id: 'string',
    order_id: 'string',
    pair_transaction_id: 'string',
  },
  identity: {
    name: 'string',
    surname1: 'string',
    surname2: 'string',
    full_name: 'string',
    birth_date: 'date',
    address: 'object',
    contact_info: 'array',
    identity_document: 'string',
    gender: 'string',
    occupation: 'string',
    sector: 'string',
  },
  holders: {
    product_id: 'string',
    product_type: 'string',
    product_name: 'string',
    name: 'string',
    rel: 'string',
    identity_document: 'string',
  },
  mifid: {
    question_id: 'integer',
    question: 'string',
    answer: 'array',
  },
};

/**
 * Keys a connector uses to talk to the engine, never served, and the keys the store writes around
 * every document (store/product-queries.ts renderRecord): a connector's own `pending` would
 * otherwise appear twice in one record.
 */
const internalKeys = new Set([
  'pending_natural_key',
  'product_natural_key',
  'id',
  'connection_id',
  'external_id',
  ...Object.values(parentField),
  'pending',
  'pending_transaction_id',
  'first_seen_at',
  'updated_at',
  'raw',
]);

/** A decimal string (or number) as a JSON number; anything else as null. */
function moneyValue(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string' || value.trim() === '') return null;
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
}

/**
 * The document a record is served as: every field of its product in the catalog's order (null
 * when missing), money as numbers, then any further fields the connector gave.
 */
export function productDocument(
  product: Product,
  data: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const fields = productFields[product];
  const document: Record<string, unknown> = {};
  for (const [name, kind] of Object.entries(fields)) {
    const value = data[name] ?? null;
    document[name] = kind === 'money' ? moneyValue(value) : value;
  }
  for (const [name, value] of Object.entries(data)) {
    if (!(name in fields) && !internalKeys.has(name)) document[name] = value ?? null;
  }
  return document;
}
