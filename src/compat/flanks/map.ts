// Tesoro's records and views → Flanks' (https://docs.flanks.io), as pure functions: each product's
// record in Flanks' field names (camelCase where Flanks writes camelCase, `_id`, the `sybtype`
// typo of Flanks' documentation beside `subtype`), the credentials status from the native
// connection view, the entities, the ALL DATA groups, and a Flanks query object in native field
// names.
//
// Records arrive as the native API serves them (GET /v1/<product>): `id`, `connection_id`, the
// end user's `external_id`, the parent's id, every catalog field (null where unknown), money as
// JSON numbers or decimal text, `first_seen_at` / `updated_at`. What Flanks does not name is not
// emitted, except the few Tesoro fields Flanks' answers carry as extras (`tesoro_account_id`, a
// card's `credit_limit`, a loan's `monthly_payment`, …): Flanks "can add fields to any endpoint".
import { type ConnectionStatus, errorStatuses } from '../../domain/connection-status.ts';
import type { Product } from '../../domain/products.ts';
import type { presentConnection } from '../../services/connection-view.ts';
import { entityOf } from './sandbox-map.ts';
import { type FlanksProduct, type FlanksRecords, type FlanksStatus, nestedKeys } from './schemas.ts';

export type { FlanksProduct, FlanksRecords, FlanksStatus };

/** One native record as served by /v1. */
export type NativeRecord = Record<string, unknown>;

export interface FlanksRecordContext {
  /** The Flanks entity id of the connection's institution. */
  entity: string;
  /** Flanks' external_id of this record (computed by the caller); null without an end user's id. */
  externalId: (record: NativeRecord) => string | null;
  /** Native account id → IBAN, for transactions' `account_id`. */
  accountIbans?: ReadonlyMap<string, string | null>;
  /** The connection id: the identity's `_id` is the credentials token. */
  credentialsToken: string;
}

/** The native product behind each Flanks product. */
export const nativeProductOf: Record<FlanksProduct, Product> = {
  portfolio: 'portfolios',
  investment: 'investments',
  investment_transaction: 'investment_transactions',
  account: 'accounts',
  transaction: 'transactions',
  liability: 'liabilities',
  liability_transaction: 'liability_transactions',
  mifid: 'mifid',
  auth: 'identity',
  card: 'cards',
  card_transaction: 'card_transactions',
  holder: 'holders',
};

// ---- values

/** Text as served; a number or boolean given for text becomes its text. */
function text(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

/** A JSON number, from a number or decimal text (native money may be either); sign kept. */
function num(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string' || value.trim() === '') return null;
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
}

function int(value: unknown): number | null {
  const number = num(value);
  return number !== null && Number.isSafeInteger(number) ? number : null;
}

const bool = (value: unknown): boolean | null => (typeof value === 'boolean' ? value : null);

function object(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

function texts(value: unknown): string[] | null {
  if (!Array.isArray(value)) return null;
  return value.map(text).filter((item): item is string => item !== null);
}

/** Epoch seconds (an integer) of an ISO timestamp; null when there is none. */
export function epochSeconds(value: unknown): number | null {
  if (typeof value !== 'string' && !(value instanceof Date)) return null;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}

const snakeCase = (key: string) =>
  key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
const camelCase = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * A key of a nested object, as Flanks spells it or as a connector may have stored it (snake_case,
 * camelCase): native nested objects keep their source's keys (`transfer.iban_beneficiary`).
 */
function member(source: Record<string, unknown>, key: string): unknown {
  for (const spelling of [key, snakeCase(key), camelCase(key)])
    if (spelling in source) return source[spelling];
  return undefined;
}

type Nested<K extends string, V> = { [P in K]: V };

/** A nested object with exactly Flanks' keys (null where missing), its values as numbers. */
function numbersOf<const K extends string>(
  value: unknown,
  keys: readonly K[],
): Nested<K, number | null> | null {
  const source = object(value);
  if (!source) return null;
  return Object.fromEntries(keys.map((key) => [key, num(member(source, key))])) as Nested<K, number | null>;
}

/** A nested object with exactly Flanks' keys (null where missing), its values as text. */
function textsOf<const K extends string>(
  value: unknown,
  keys: readonly K[],
): Nested<K, string | null> | null {
  const source = object(value);
  if (!source) return null;
  return Object.fromEntries(keys.map((key) => [key, text(member(source, key))])) as Nested<K, string | null>;
}

/** "If not available, the list will be empty." */
function countryModel(value: unknown): Record<string, unknown>[] {
  if (!Array.isArray(value)) return [];
  return value.map(object).filter((item): item is Record<string, unknown> => item !== null);
}

function originGain(value: unknown) {
  const source = object(value);
  return source ? { date: text(member(source, 'date')), value: num(member(source, 'value')) } : null;
}

/**
 * A card number with only its last four digits shown, as Flanks shows it (`************1234`):
 * same length, separators kept. Native PANs keep the BIN too.
 */
export function maskPan(pan: string | null): string | null {
  if (pan === null) return null;
  const chars = [...pan];
  let shown = 4;
  for (let i = chars.length - 1; i >= 0; i--) {
    const char = chars[i]!;
    if (/[0-9]/.test(char) && shown > 0) shown--;
    else if (char !== ' ' && char !== '-') chars[i] = '*';
  }
  return chars.join('');
}

function mifidAnswer(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return texts(value) ?? [];
}

function contactInfo(value: unknown) {
  if (!Array.isArray(value)) return null;
  return value
    .map(object)
    .filter((item): item is Record<string, unknown> => item !== null)
    .map((item) => ({ type: text(member(item, 'type')), value: text(member(item, 'value')) }));
}

// ---- records

type Mapper<P extends FlanksProduct> = (
  record: NativeRecord,
  context: FlanksRecordContext,
) => FlanksRecords[P];

const idOf = (record: NativeRecord) => String(record.id);
const updatedAt = (record: NativeRecord) => epochSeconds(record.updated_at);

const mappers: { [P in FlanksProduct]: Mapper<P> } = {
  portfolio: (r, c) => ({
    name: text(r.name),
    type: text(r.type),
    currency: text(r.currency),
    _id: idOf(r),
    refValores: text(r.ref_valores),
    refAccount: text(r.ref_account),
    refAccounts: texts(r.ref_accounts),
    owners: texts(r.owners),
    balance: num(r.balance),
    entity: c.entity,
    external_id: c.externalId(r),
    updated_at_timestamp: updatedAt(r),
  }),

  investment: (r, c) => {
    const interest = object(r.interest);
    return {
      _id: idOf(r),
      external_id: c.externalId(r),
      name: text(r.name),
      isin: text(r.isin),
      cusip: text(r.cusip),
      symbol: text(r.symbol),
      entity: c.entity,
      type: text(r.type),
      // Flanks' example spells the key `sybtype`; its prose and Tesoro say `subtype`.
      sybtype: text(r.subtype),
      subtype: text(r.subtype),
      amount: num(r.amount),
      balance: num(r.balance),
      currency: text(r.currency),
      portfolio_id: text(r.portfolio_id),
      detail: object(r.detail),
      cost: num(r.cost),
      is_nominal: bool(r.is_nominal),
      cnmv: textsOf(r.cnmv, nestedKeys.cnmv),
      dgs: textsOf(r.dgs, nestedKeys.dgs),
      initial_date: text(r.initial_date),
      performance: num(r.performance),
      performance_detail: numbersOf(r.performance_detail, nestedKeys.performance_detail),
      valuation_date: text(r.valuation_date),
      expiration_date: text(r.expiration_date),
      analytics: numbersOf(r.analytics, nestedKeys.analytics),
      interest: interest
        ? { rate: num(member(interest, 'rate')), benchmark: text(member(interest, 'benchmark')) }
        : null,
      market: text(r.market),
      operating_market: text(r.operating_market),
      capital_gain: num(r.capital_gain),
      accrued_interest: num(r.accrued_interest),
      price_ex_cupon: num(r.price_ex_cupon),
      leverage: num(r.leverage),
      country_model: countryModel(r.country_model),
      placing_bank: text(r.placing_bank),
      updated_at_timestamp: updatedAt(r),
    };
  },

  investment_transaction: (r, c) => ({
    accountDest: text(r.account_dest),
    accrued_interest: num(r.accrued_interest),
    amount: num(r.amount),
    amountDest: num(r.amount_dest),
    balance: num(r.balance),
    commission: num(r.commission),
    commissionDest: num(r.commission_dest),
    commission_detail: numbersOf(r.commission_detail, nestedKeys.commission_detail),
    currency: text(r.currency),
    currencyDest: text(r.currency_dest),
    description: text(r.description),
    entity: c.entity,
    exchange: num(r.exchange),
    exchangeToPaymentCurrency: num(r.exchange_to_payment_currency),
    exchangeToTransactionCurrency: num(r.exchange_to_transaction_currency),
    expenses: num(r.expenses),
    expenses_detail: numbersOf(r.expenses_detail, nestedKeys.expenses_detail),
    external_id: c.externalId(r),
    investment_id: text(r.investment_id),
    isin: text(r.isin),
    isinDest: text(r.isin_dest),
    leverage: num(r.leverage),
    netCash: num(r.net_cash),
    netCashDest: num(r.net_cash_dest),
    operationDate: text(r.operation_date),
    order_id: text(r.order_id),
    origin_gain: originGain(r.origin_gain),
    origin_gain_detail: Array.isArray(r.origin_gain_detail)
      ? r.origin_gain_detail.map(originGain).filter((gain) => gain !== null)
      : null,
    originalCurrency: text(r.original_currency),
    pair_transaction_id: text(r.pair_transaction_id),
    paymentCurrency: text(r.payment_currency),
    refAccountIBAN: text(r.ref_account_iban),
    refValos: text(r.ref_valos),
    referenceCurrency: text(r.reference_currency),
    retention: num(r.retention),
    retention_detail: numbersOf(r.retention_detail, nestedKeys.retention_detail),
    reversal_type: text(r.reversal_type),
    symb: text(r.symb),
    symbDest: text(r.symb_dest),
    transaction_id: text(r.transaction_id),
    transactionCurrency: text(r.transaction_currency),
    type: text(r.type),
    unitPrice: num(r.unit_price),
    unitPriceDest: num(r.unit_price_dest),
    valueDate: text(r.value_date),
    valueDateDest: text(r.value_date_dest),
    _id: idOf(r),
    country_model: countryModel(r.country_model),
  }),

  account: (r, c) => ({
    iban: text(r.iban),
    entity: c.entity,
    alias: text(r.alias),
    balance: num(r.balance),
    currency: text(r.currency),
    description: text(r.description),
    isOwner: bool(r.is_owner),
    numOwners: int(r.num_owners),
    owners: texts(r.owners),
    _id: idOf(r),
    external_id: c.externalId(r),
    updated_at_timestamp: updatedAt(r),
  }),

  transaction: (r, c) => {
    const accountId = text(r.account_id);
    const iban = accountId === null ? null : (c.accountIbans?.get(accountId) ?? null);
    return {
      _id: idOf(r),
      external_id: c.externalId(r),
      entity: c.entity,
      // "Unique ID of the cash account. Usually the IBAN."
      account_id: iban ?? accountId,
      tesoro_account_id: accountId,
      amount: num(r.amount),
      balance: num(r.balance),
      cardNumber: text(r.card_number),
      // Flanks' `category` is the bank's; its own classification is `flanks_category` and `type`.
      category: text(r.bank_category),
      flanks_category: text(r.category),
      type: text(r.subcategory),
      currency: text(r.currency),
      operationDate: text(r.operation_date),
      valueDate: text(r.value_date),
      description: text(r.description),
      productDescription: text(r.product_description),
      transaction_id: text(r.transaction_id),
      transfer: textsOf(r.transfer, nestedKeys.transfer),
      norma43: text(r.norma43),
      order_id: text(r.order_id),
      pair_transaction_id: text(r.pair_transaction_id),
    };
  },

  liability: (r, c) => {
    const interest = object(r.interest);
    return {
      name: text(r.name),
      type: text(r.type),
      balance: num(r.balance),
      currency: text(r.currency),
      availableBalance: num(r.available_balance),
      initialCapital: num(r.initial_capital),
      initialCapitalCurrency: text(r.initial_capital_currency),
      openingDate: text(r.opening_date),
      expirationDate: text(r.expiration_date),
      entity: c.entity,
      _id: idOf(r),
      external_id: c.externalId(r),
      limit: num(r.limit),
      periodicity: text(r.periodicity),
      subtype: text(r.subtype),
      interest: interest
        ? {
            rate: num(member(interest, 'rate')),
            benchmark: text(member(interest, 'benchmark')),
            // Flanks types the spread as text.
            spread: text(member(interest, 'spread')),
            type: text(member(interest, 'type')),
          }
        : null,
      contractNumber: text(r.contract_number),
      updated_at_timestamp: updatedAt(r),
      monthly_payment: num(r.monthly_payment),
    };
  },

  liability_transaction: (r, c) => ({
    amount: num(r.amount),
    currencyAmount: text(r.currency_amount),
    balance: num(r.balance),
    currencyBalance: text(r.currency_balance),
    description: text(r.description),
    operationDate: text(r.operation_date),
    valueDate: text(r.value_date),
    liability_id: text(r.liability_id),
    credit_account: text(r.credit_account),
    interest: num(r.interest),
    commission: num(r.commission),
    external_id: c.externalId(r),
    _id: idOf(r),
    type: text(r.type),
    entity: c.entity,
    transaction_id: text(r.transaction_id),
    pair_transaction_id: text(r.pair_transaction_id),
    order_id: text(r.order_id),
    principal: num(r.principal),
  }),

  mifid: (r) => ({
    _id: int(r.question_id),
    question: text(r.question),
    answer: mifidAnswer(r.answer),
  }),

  auth: (r, c) => ({
    _id: c.credentialsToken,
    name: text(r.name),
    fullName: text(r.full_name),
    surname1: text(r.surname1),
    surname2: text(r.surname2),
    birthDate: text(r.birth_date),
    address: textsOf(r.address, nestedKeys.address),
    contactInfo: contactInfo(r.contact_info),
    identityDocument: text(r.identity_document),
    gender: text(r.gender),
    occupation: text(r.occupation),
    sector: text(r.sector),
  }),

  card: (r, c) => ({
    _id: idOf(r),
    external_id: c.externalId(r),
    product: text(r.product),
    contractNumber: text(r.contract_number),
    pan: maskPan(text(r.pan)),
    emissionDate: text(r.emission_date),
    expirationDate: text(r.expiration_date),
    availableBalance: num(r.available_balance),
    cardType: text(r.card_type),
    entity: c.entity,
    updated_at_timestamp: updatedAt(r),
    credit_limit: num(r.credit_limit),
    currency: text(r.currency),
    account_iban: text(r.account_iban),
  }),

  card_transaction: (r, c) => ({
    _id: idOf(r),
    card_id: text(r.card_id),
    operationDate: text(r.operation_date),
    valueDate: text(r.value_date),
    amount: num(r.amount),
    commission: num(r.commission),
    currency: text(r.currency),
    shop: text(r.shop),
    category: text(r.bank_category),
    external_id: c.externalId(r),
    entity: c.entity,
  }),

  holder: (r, c) => ({
    _id: idOf(r),
    product_name: text(r.product_name),
    name: text(r.name),
    rel: text(r.rel),
    product_id: text(r.product_id),
    external_id: c.externalId(r),
  }),
};

/** One native record in Flanks' names. */
export function toFlanksRecord<P extends FlanksProduct>(
  product: P,
  record: NativeRecord,
  context: FlanksRecordContext,
): FlanksRecords[P] & Record<string, unknown> {
  return (mappers[product] as Mapper<P>)(record, context) as FlanksRecords[P] & Record<string, unknown>;
}

// ---- the credentials status

/** The native connection view (GET /v1/connections/{id}). */
export type ConnectionView = Awaited<ReturnType<typeof presentConnection>>;

/** What the status is derived from: a connection view has it all. */
export type StatusSource = Pick<
  ConnectionView,
  | 'institution_id'
  | 'status'
  | 'products'
  | 'product_status'
  | 'refresh'
  | 'last_refresh_at'
  | 'last_transaction_date'
  | 'created_at'
>;

export interface StatusTokens {
  sca_token: string | null;
  reset_token: string | null;
  transaction_token: string | null;
}

/** Statuses in which the credentials do not log in (Flanks' `blocked`). */
const blockedStatuses: ReadonlySet<string> = new Set<ConnectionStatus>([
  'credentials_invalid',
  'password_expired',
  'locked',
  'action_needed',
]);

/** Statuses a connection stays in, with nothing running, once an extraction attempt ended. */
const stoppedStatuses: ReadonlySet<string> = new Set<ConnectionStatus>([...errorStatuses, 'disabled']);

/** Flanks' product flags → the native product. */
const statusProducts = {
  auth: 'identity',
  account: 'accounts',
  card: 'cards',
  portfolio: 'portfolios',
  investment: 'investments',
  liability: 'liabilities',
  holders: 'holders',
  mifid: 'mifid',
} as const satisfies Record<keyof FlanksStatus['created']['product'], Product>;

/** Flanks' transaction flags → the native product (Tesoro has no separate investment income). */
const statusTransactions = {
  account: 'transactions',
  card: 'card_transactions',
  investment: 'investment_transactions',
  investmentincome: 'investment_transactions',
  liability: 'liability_transactions',
} as const satisfies Record<keyof FlanksStatus['created']['transaction'], Product>;

function utc(value: string | null): { day: string | null; time: string | null; seconds: number | null } {
  const seconds = epochSeconds(value);
  if (seconds === null) return { day: null, time: null, seconds: null };
  const iso = new Date(seconds * 1000).toISOString();
  return { day: iso.slice(0, 10), time: iso.slice(11, 16), seconds };
}

/**
 * Flanks' credentials status. `pending` is true until every product of the connection was
 * extracted once (with or without errors), or until the connection stopped in an error status with
 * nothing running (its login failed): then the products it never reached are created and errored,
 * as Flanks shows a failed extraction. A product the connection does not have is created and not
 * errored ("does not have accounts contracted"). The tokens are the caller's.
 */
export function toFlanksStatus(view: StatusSource, tokens: StatusTokens): FlanksStatus {
  const held = new Set<string>(view.products);
  const states = view.product_status as Record<string, { created: boolean; errored: boolean } | undefined>;
  const extracted = view.products.every((product) => states[product]?.created === true);
  const stopped = view.refresh === null && stoppedStatuses.has(view.status);
  const state = (product: Product) => {
    if (!held.has(product)) return { created: true, errored: false };
    const current = states[product];
    if (current?.created) return { created: true, errored: current.errored === true };
    return stopped ? { created: true, errored: true } : { created: false, errored: false };
  };
  const flags = <K extends string>(keys: Record<K, Product>, which: 'created' | 'errored') =>
    Object.fromEntries(
      Object.entries<Product>(keys).map(([key, product]) => [key, state(product)[which]]),
    ) as Record<K, boolean>;
  const group = (which: 'created' | 'errored') => ({
    product: flags(statusProducts, which),
    // Flanks' status example says `transaction`, its list example `transactions`: both.
    transaction: flags(statusTransactions, which),
    transactions: flags(statusTransactions, which),
  });
  const last = utc(view.last_refresh_at);
  return {
    pending: !(extracted || stopped),
    blocked: blockedStatuses.has(view.status),
    reset_token: tokens.reset_token,
    sca_token: tokens.sca_token,
    transaction_token: tokens.transaction_token,
    last_transaction_date: view.last_transaction_date,
    name: entityOf(view.institution_id),
    last_update: last.day,
    time: last.time,
    last_update_timestamp: last.seconds,
    created_at_timestamp: epochSeconds(view.created_at) ?? 0,
    errored: group('errored'),
    created: group('created'),
  };
}

// ---- entities

export function toFlanksEntity(institution: {
  id: string;
  name: string;
  cif?: string | null;
  always_manual_refresh?: boolean;
}): { id: string; name: string; cif: string | null; alwaysManualRefresh: boolean } {
  return {
    id: institution.id,
    name: institution.name,
    cif: institution.cif ?? null,
    alwaysManualRefresh: institution.always_manual_refresh === true,
  };
}

// ---- ALL DATA

/**
 * Native ALL DATA keys (services/all-data.ts) → Flanks' keys, in Flanks' order. Flanks' `deposits`
 * has no native group (native key ''): it is "actually empty as the deposit will be included under
 * the key bankProducts", so the native `deposits` (type DEP) go to `bankProducts`.
 */
export const flanksAllGroups: ReadonlyArray<readonly [native: string, flanks: string]> = [
  ['cards', 'cards'],
  ['accounts', 'accounts'],
  ['portfolios', 'portfolios'],
  ['fixed_income', 'fixedIncome'],
  ['funds', 'funds'],
  ['liabilities', 'liabilities'],
  ['pension_plans', 'pensionPlans'],
  ['stocks', 'stocks'],
  ['etfs', 'etfs'],
  ['', 'deposits'],
  ['others', 'others'],
  ['identity', 'identity'],
  ['liquidity', 'liquidity'],
  ['crypto_currencies', 'cryptoCurrencies'],
  ['contract_for_differences', 'contractForDifferences'],
  ['derivatives', 'derivatives'],
  ['bank_products', 'bankProducts'],
  ['deposits', 'bankProducts'],
  ['alternative_emerging_products', 'alternativeEmergingProducts'],
];

// ---- query objects

/** Flanks' names whose native field is another one's, whatever the product. */
const queryRenames: Readonly<Record<string, string>> = {
  category: 'bank_category',
  flanks_category: 'category',
};

/** Flanks' names the native search does not spell (its camelCase spellings cover the rest). */
const productQueryRenames: Partial<Record<FlanksProduct, Readonly<Record<string, string>>>> = {
  transaction: { type: 'subcategory', tesoro_account_id: 'account_id' },
  investment: { sybtype: 'subtype' },
  investment_transaction: { refAccountIBAN: 'ref_account_iban' },
  mifid: { _id: 'question_id' },
};

const isOperatorObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const asOperators = (value: unknown): Record<string, unknown> =>
  isOperatorObject(value) ? value : { $eq: value };

/** Each value of a condition passed through `map` (scalars, and the lists of $in / $nin). */
function mapCondition(condition: unknown, map: (value: unknown) => unknown): unknown {
  const one = (value: unknown) => (Array.isArray(value) ? value.map(map) : map(value));
  if (!isOperatorObject(condition)) return one(condition);
  return Object.fromEntries(Object.entries(condition).map(([operator, value]) => [operator, one(value)]));
}

/**
 * A Flanks query object in native field names (F11): Flanks' `category` is the bank's
 * (`bank_category`), its `flanks_category` the native `category`; with the product, its other
 * Flanks-only names too (`type` of a transaction is the subcategory, `sybtype`, …), and with the
 * accounts' ids by IBAN, a transaction's `account_id` given as an IBAN becomes the account's id.
 * Conditions are kept as they are; a renamed key that meets a native one of the same name is
 * merged with it (operator by operator, Flanks' spelling winning a tie), so no condition is lost.
 */
export function toFlanksQuery(
  query: Record<string, unknown>,
  options: { product?: FlanksProduct; accountIdOfIban?: ReadonlyMap<string, string> } = {},
): Record<string, unknown> {
  const renames = { ...queryRenames, ...(options.product ? productQueryRenames[options.product] : {}) };
  const literal: Record<string, unknown> = {};
  const renamed: Record<string, unknown> = {};
  for (const [key, condition] of Object.entries(query)) {
    const target = Object.hasOwn(renames, key) ? renames[key]! : key;
    (target === key ? literal : renamed)[target] = condition;
  }
  const result: Record<string, unknown> = { ...literal };
  for (const [key, condition] of Object.entries(renamed))
    result[key] = Object.hasOwn(literal, key)
      ? { ...asOperators(literal[key]), ...asOperators(condition) }
      : condition;
  const ibans = options.accountIdOfIban;
  if (options.product === 'transaction' && ibans && Object.hasOwn(result, 'account_id'))
    result.account_id = mapCondition(result.account_id, (value) =>
      typeof value === 'string' ? (ibans.get(value) ?? value) : value,
    );
  return result;
}
