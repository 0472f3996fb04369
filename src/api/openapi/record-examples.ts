// One record of each data product as GET /v1/<product> serves it (the sandbox's values: Banco
// Sandbox and Sandbox Valores, user_good, external_id end-user-42), in one place for everything that
// shows or consumes a native record: the examples of the product schemas in the OpenAPI document
// (api/data/data.schemas.ts, validated against them by test/openapi.test.ts) and the facades'
// mapper tests (src/compat/*/map.test.ts). They carry every field of the catalog, null where the
// source has nothing, as a real record does. A test that needs another shape derives it with a
// spread rather than writing the record again.
import type { Product } from '../../domain/products.ts';

/** A native record: the JSON object GET /v1/<product> serves. */
type NativeRecord = Record<string, unknown>;

/** The bank connection of the account, transaction, card, card transaction and identity. */
export const CONNECTION = 'con_z7r2vqdd65ltxi2t';
/** The broker connection of the portfolio, investment and investment transaction. */
export const BROKER_CONNECTION = 'con_9at4n59tbxxp5i1z';
/** The timestamps every record carries. */
export const stamps = { first_seen_at: '2026-11-02T08:00:00.000Z', updated_at: '2026-11-30T14:19:07.123Z' };

/** A current account, as GET /v1/accounts serves it. */
export const account: NativeRecord = {
  id: 'acc_mr3dahcl26htwksmeok3',
  connection_id: CONNECTION,
  external_id: 'end-user-42',
  iban: 'ES4199990001489273558680',
  name: 'Cuenta Sandbox Nómina',
  alias: 'Cuenta Sandbox Nómina',
  type: 'current',
  balance: 22213.41,
  available_balance: 22213.41,
  currency: 'EUR',
  description: 'Cuenta Sandbox Nómina',
  is_owner: true,
  num_owners: 1,
  owners: ['CARMEN DÍAZ FERNÁNDEZ'],
  ...stamps,
};

/** A rent transfer out of the account, as GET /v1/transactions serves it. */
export const transaction: NativeRecord = {
  id: 'txn_2ozc543iolcvhzskcrfv',
  connection_id: CONNECTION,
  external_id: 'end-user-42',
  account_id: 'acc_mr3dahcl26htwksmeok3',
  amount: -850,
  currency: 'EUR',
  balance: 22213.41,
  operation_date: '2026-12-01',
  value_date: '2026-12-01',
  description: 'TRANSFERENCIA A FAVOR DE INMOBILIARIA SOL SL ALQUILER VIVIENDA',
  product_description: 'Cuenta Sandbox Nómina',
  counterparty: 'INMOBILIARIA SOL SL',
  category: 'housing',
  subcategory: 'rent',
  merchant_name: null,
  bank_category: 'Alquiler',
  mcc: null,
  norma43: '04',
  card_number: null,
  transaction_id: 'F-rent-2026-12',
  order_id: null,
  pair_transaction_id: null,
  transfer: {
    beneficiary: 'INMOBILIARIA SOL SL',
    iban_beneficiary: null,
    ordenant: 'CARMEN DÍAZ FERNÁNDEZ',
    iban_ordenant: 'ES4199990001489273558680',
  },
  pending: false,
  pending_transaction_id: null,
  ...stamps,
};

/** A credit card, as GET /v1/cards serves it. */
export const card: NativeRecord = {
  id: 'crd_ncs7ltifww4zkf6wkaeq',
  connection_id: CONNECTION,
  external_id: 'end-user-42',
  product: 'Tarjeta Crédito Oro',
  contract_number: 'C87167310',
  pan: '522436******7310',
  card_type: 'credit',
  emission_date: '2024-06-14',
  expiration_date: '2029-12-28',
  available_balance: 2350,
  credit_limit: 3000,
  currency: 'EUR',
  account_iban: 'ES4199990001489273558680',
  ...stamps,
};

/** A card purchase, as GET /v1/card_transactions serves it. */
export const cardTransaction: NativeRecord = {
  id: 'ctx_7u34lu2zpqjom53quf6h',
  connection_id: CONNECTION,
  external_id: 'end-user-42',
  card_id: 'crd_ncs7ltifww4zkf6wkaeq',
  amount: -6.44,
  commission: 0,
  currency: 'EUR',
  original_currency: null,
  operation_date: '2026-11-29',
  value_date: '2026-11-29',
  shop: 'CARREFOUR EXPRESS',
  category: 'groceries',
  subcategory: 'supermarket',
  merchant_name: 'Carrefour',
  bank_category: 'Supermercados',
  mcc: '5411',
  pending: false,
  pending_transaction_id: null,
  ...stamps,
};

/** The end user's identity, as GET /v1/identity serves it. */
export const identity: NativeRecord = {
  id: 'idn_wzdewiwa4b74tsysxhsb',
  connection_id: CONNECTION,
  external_id: 'end-user-42',
  name: 'Carmen',
  surname1: 'Díaz',
  surname2: 'Fernández',
  full_name: 'Carmen Díaz Fernández',
  birth_date: '1987-04-20',
  address: {
    street_type: 'Paseo',
    street_name: 'de Gracia',
    street_number: '126',
    city: 'Sevilla',
    zip_code: '41004',
    state: 'Sevilla',
    country: 'ES',
  },
  contact_info: [
    { type: 'email', value: 'user.good@example.com' },
    { type: 'phone', value: '+34 615 868 654' },
  ],
  identity_document: '77739362Y',
  gender: 'female',
  occupation: 'Ingeniera de software',
  sector: 'Tecnología',
  ...stamps,
};

/** A securities portfolio, as GET /v1/portfolios serves it. */
export const portfolio: NativeRecord = {
  id: 'pfl_6jpn2hb3x5zmjbo4nhey',
  connection_id: BROKER_CONNECTION,
  external_id: null,
  name: 'Cartera de Valores',
  type: 'securities',
  currency: 'EUR',
  balance: 48213.07,
  ref_valores: 'VAL-479291',
  ref_account: 'ES8999980001305017600825',
  ref_accounts: ['ES8999980001305017600825'],
  owners: ['CARMEN DÍAZ FERNÁNDEZ'],
  ...stamps,
};

/** A fund held in the portfolio, as GET /v1/investments serves it. */
export const investment: NativeRecord = {
  id: 'inv_5ayoloka6vfzpy4zjnfw',
  connection_id: BROKER_CONNECTION,
  external_id: null,
  portfolio_id: 'pfl_6jpn2hb3x5zmjbo4nhey',
  name: 'Sandbox Renta Variable Europa FI',
  isin: 'ES0SBX000016',
  cusip: null,
  symbol: null,
  type: 'F',
  subtype: 'equity_europe',
  amount: 152,
  balance: 21860.64,
  currency: 'EUR',
  cost: 18370.63,
  is_nominal: false,
  detail: { morningstar_rating: '4' },
  cnmv: {
    isin: 'ES0SBX000016',
    gestora: 'Sandbox Gestión SGIIC',
    cif_gestora: 'A00000001',
    num_registro_gestora: '999',
    depositaria: 'Sandbox Depositaria SA',
    cif_depositaria: 'A00000003',
    num_registro_depositaria: '888',
  },
  dgs: null,
  initial_date: '2025-02-25',
  valuation_date: '2026-12-01',
  expiration_date: null,
  performance: 0.19,
  performance_detail: { MTD: 0.012, QTD: 0.031, half_year: 0.05, YTD: 0.11, Yearly: 0.14 },
  analytics: { risk: 4, sharpe_ratio: '0.85', volatility: 0.13 },
  interest: null,
  market: null,
  operating_market: null,
  capital_gain: 3490.01,
  accrued_interest: null,
  price_ex_cupon: null,
  leverage: null,
  country_model: null,
  placing_bank: null,
  ...stamps,
};

/** A buy of Apple shares, as GET /v1/investment_transactions serves it. */
export const investmentTransaction: NativeRecord = {
  id: 'itx_aiirtl3bngdu7qftb3oq',
  connection_id: BROKER_CONNECTION,
  external_id: null,
  investment_id: 'inv_d4g4jxf27pom7mghrxnw',
  isin: 'US0378331005',
  description: 'COMPRA APPLE INC',
  type: '1',
  symb: '+',
  operation_date: '2026-10-28',
  value_date: '2026-10-30',
  amount: 10,
  unit_price: 212.4,
  balance: 49,
  net_cash: -2140.62,
  commission: 15.62,
  commission_detail: { entity: '5.00', broker: '0.00', canon: '0.00', ITF: '0.00', fx: '10.62' },
  expenses: null,
  expenses_detail: null,
  retention: 0,
  retention_detail: null,
  accrued_interest: null,
  currency: 'USD',
  original_currency: null,
  reference_currency: 'EUR',
  payment_currency: null,
  transaction_currency: null,
  exchange: 0.92,
  exchange_to_payment_currency: null,
  exchange_to_transaction_currency: null,
  ref_valos: 'VAL-479291',
  ref_account_iban: 'ES8999980001305017600825',
  transaction_id: 'OP000048',
  order_id: null,
  pair_transaction_id: null,
  reversal_type: null,
  leverage: null,
  origin_gain: { date: '2026-10-28', value: '12.50' },
  origin_gain_detail: [{ date: '2026-10-28', value: 12.5 }],
  account_dest: null,
  isin_dest: null,
  amount_dest: null,
  unit_price_dest: null,
  net_cash_dest: null,
  commission_dest: null,
  currency_dest: null,
  symb_dest: null,
  value_date_dest: null,
  country_model: [{ country: 'MX', emisora: 'AAPL', serie: '*', bmv: '1ASP' }],
  pending: false,
  pending_transaction_id: null,
  ...stamps,
};

/** A mortgage, as GET /v1/liabilities serves it. */
export const liability: NativeRecord = {
  id: 'lia_75rqa52f5go3wgxj4ktn',
  connection_id: CONNECTION,
  external_id: 'end-user-42',
  name: 'Hipoteca Vivienda Habitual',
  type: 'Loan',
  subtype: 'mortgage',
  balance: 158375.77,
  currency: 'EUR',
  available_balance: null,
  limit: null,
  initial_capital: 180000,
  initial_capital_currency: 'EUR',
  monthly_payment: 880.98,
  opening_date: '2022-08-05',
  expiration_date: '2047-08-06',
  periodicity: 'monthly',
  interest: {
    rate: 3.29,
    benchmark: 'EURIBOR 12M',
    spread: '0.89',
    type: 'variable',
  },
  contract_number: 'HIP-90042',
  ...stamps,
};

/** An instalment of the mortgage, as GET /v1/liability-transactions serves it. */
export const liabilityTransaction: NativeRecord = {
  id: 'ltx_kmpk6jpimteycdchnpta',
  connection_id: CONNECTION,
  external_id: 'end-user-42',
  liability_id: liability.id,
  amount: -880.98,
  currency_amount: 'EUR',
  balance: 158375.77,
  currency_balance: 'EUR',
  description: 'CUOTA 52/300 HIPOTECA VIVIENDA HABITUAL',
  operation_date: '2026-12-02',
  value_date: '2026-12-02',
  credit_account: 'ES4199990001489273558680',
  interest: 435.44,
  principal: 445.54,
  commission: 0,
  type: 'instalment',
  transaction_id: null,
  order_id: null,
  pair_transaction_id: null,
  pending: false,
  pending_transaction_id: null,
  ...stamps,
};

/** The account's holder, as GET /v1/holders serves it. */
export const holder: NativeRecord = {
  id: 'hld_3mb74trw5lfdnsor4hgd',
  connection_id: CONNECTION,
  external_id: 'end-user-42',
  product_id: account.id,
  product_type: 'accounts',
  product_name: 'Cuenta Sandbox Nómina',
  name: 'CARMEN DÍAZ FERNÁNDEZ',
  rel: 'titular',
  identity_document: '77739362Y',
  ...stamps,
};

/** A MiFID answer of the broker connection, as GET /v1/mifid-answers serves it. */
export const mifidAnswer: NativeRecord = {
  id: 'mfd_grdt6i44ggfy7uyqu2mr',
  connection_id: BROKER_CONNECTION,
  external_id: 'end-user-42',
  question_id: 2,
  question: '¿Ha trabajado en el sector financiero?',
  answer: ['No'],
  ...stamps,
};

/** Ids the examples share, so that they point at each other as real answers do. */
export const exampleIds = {
  connection: CONNECTION,
  brokerConnection: BROKER_CONNECTION,
  account: account.id as string,
  externalId: 'end-user-42',
} as const;

export const recordExamples: Record<Product, NativeRecord> = {
  accounts: account,
  transactions: transaction,
  cards: card,
  card_transactions: cardTransaction,
  portfolios: portfolio,
  investments: investment,
  investment_transactions: investmentTransaction,
  liabilities: liability,
  liability_transactions: liabilityTransaction,
  identity,
  holders: holder,
  mifid: mifidAnswer,
};
