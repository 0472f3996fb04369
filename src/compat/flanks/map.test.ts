// The Flanks mappers pinned field by field: native records as GET /v1/<product> serves them (the
// sandbox's values), the Flanks objects they become, one test per rename, sign, date and enum rule,
// the status of a pending, a partly failed, a locked and a settled connection, and every output
// checked against its Flanks schema.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import {
  account,
  BROKER_CONNECTION,
  CONNECTION,
  card,
  cardTransaction,
  identity,
  investment,
  investmentTransaction,
  portfolio,
  stamps,
  transaction,
} from '../../api/openapi/record-examples.ts';
import { investmentGroups } from '../../services/all-data.ts';
import {
  type FlanksProduct,
  type FlanksRecordContext,
  flanksAllGroups,
  maskPan,
  type NativeRecord,
  type StatusSource,
  toFlanksEntity,
  toFlanksQuery,
  toFlanksRecord,
  toFlanksStatus,
} from './map.ts';
import * as schemas from './schemas.ts';
import {
  AllBody,
  AllData,
  CredentialsListResponse,
  CredentialsStatus,
  CredentialsTokenBody,
  Entity,
  flanksRecordSchemas,
  StatusPutBody,
} from './schemas.ts';

/** Asserts that a value matches a schema, naming every mismatch. */
function assertValid(schema: TSchema, value: unknown) {
  const errors = Value.Errors(schema, value).map((e) => `${e.instancePath || '/'} ${e.message}`);
  assert.deepEqual(errors, [], JSON.stringify(value));
  assert.equal(Value.Check(schema, value), true);
}

const UPDATED = stamps.updated_at;
const UPDATED_SECONDS = 1796048347;

const context: FlanksRecordContext = {
  entity: 'ins_sandbox_bank',
  credentialsToken: CONNECTION,
  externalId: (record) => `flx_${String(record.id).slice(4, 12)}`,
  accountIbans: new Map([
    ['acc_mr3dahcl26htwksmeok3', 'ES4199990001489273558680'],
    ['acc_noiban0000000000000', null],
  ]),
};
const noExternal: FlanksRecordContext = { ...context, externalId: () => null };

// ---- native records, as the sandbox serves them: the products only Flanks maps (the others are
// in ../api/openapi/record-examples.ts)

const liability: NativeRecord = {
  id: 'lia_koz2t54xofh2gqvzny6c',
  connection_id: CONNECTION,
  external_id: 'end-user-42',
  name: 'Hipoteca Vivienda Habitual',
  type: 'Loan',
  subtype: 'mortgage',
  balance: '161234.56',
  currency: 'EUR',
  available_balance: null,
  limit: null,
  initial_capital: 180000,
  initial_capital_currency: 'EUR',
  monthly_payment: '881.84',
  opening_date: '2022-08-02',
  expiration_date: '2047-08-02',
  periodicity: 'monthly',
  interest: { rate: 3.29, benchmark: 'EURIBOR 12M', spread: '0.89', type: 'variable' },
  contract_number: 'HIP-90042',
  ...stamps,
};

const liabilityTransaction: NativeRecord = {
  id: 'ltx_ptmslivnxt3vwboq65t2',
  connection_id: CONNECTION,
  external_id: 'end-user-42',
  liability_id: 'lia_koz2t54xofh2gqvzny6c',
  amount: -296.66,
  currency_amount: 'EUR',
  balance: 11949.85,
  currency_balance: 'EUR',
  description: 'CUOTA 14/60 PRÉSTAMO PERSONAL COCHE',
  operation_date: '2026-12-02',
  value_date: '2026-12-02',
  credit_account: 'ES4199990001489273558680',
  interest: 70.52,
  principal: 226.14,
  commission: 0,
  type: 'instalment',
  transaction_id: null,
  order_id: null,
  pair_transaction_id: null,
  pending: false,
  pending_transaction_id: null,
  ...stamps,
};

const holder: NativeRecord = {
  id: 'hld_36f4exgtvsnatnvzo3ac',
  connection_id: CONNECTION,
  external_id: 'end-user-42',
  product_id: 'lia_koz2t54xofh2gqvzny6c',
  product_type: 'liabilities',
  product_name: 'Hipoteca Vivienda Habitual',
  name: 'CARMEN DÍAZ FERNÁNDEZ',
  rel: 'titular',
  identity_document: '77739362Y',
  ...stamps,
};

const mifid: NativeRecord = {
  id: 'mfd_6c7ijf4etpilalms4g33',
  connection_id: BROKER_CONNECTION,
  external_id: null,
  question_id: 3,
  question: '¿Con qué productos ha operado en los últimos 3 años?',
  answer: ['Fondos de inversión', 'Acciones', 'ETF'],
  ...stamps,
};

const samples: Record<FlanksProduct, NativeRecord> = {
  portfolio,
  investment,
  investment_transaction: investmentTransaction,
  account,
  transaction,
  liability,
  liability_transaction: liabilityTransaction,
  mifid,
  auth: identity,
  card,
  card_transaction: cardTransaction,
  holder,
};

// ---- every product, field by field

describe('records', () => {
  test('portfolio', () => {
    assert.deepEqual(toFlanksRecord('portfolio', portfolio, context), {
      name: 'Cartera de Valores',
      type: 'securities',
      currency: 'EUR',
      _id: 'pfl_6jpn2hb3x5zmjbo4nhey',
      refValores: 'VAL-479291',
      refAccount: 'ES8999980001305017600825',
      refAccounts: ['ES8999980001305017600825'],
      owners: ['CARMEN DÍAZ FERNÁNDEZ'],
      balance: 48213.07,
      entity: 'ins_sandbox_bank',
      external_id: 'flx_6jpn2hb3',
      updated_at_timestamp: UPDATED_SECONDS,
    });
  });

  test('investment', () => {
    assert.deepEqual(toFlanksRecord('investment', investment, context), {
      _id: 'inv_5ayoloka6vfzpy4zjnfw',
      external_id: 'flx_5ayoloka',
      name: 'Sandbox Renta Variable Europa FI',
      isin: 'ES0SBX000016',
      cusip: null,
      symbol: null,
      entity: 'ins_sandbox_bank',
      type: 'F',
      sybtype: 'equity_europe',
      subtype: 'equity_europe',
      amount: 152,
      balance: 21860.64,
      currency: 'EUR',
      portfolio_id: 'pfl_6jpn2hb3x5zmjbo4nhey',
      detail: { morningstar_rating: '4' },
      cost: 18370.63,
      is_nominal: false,
      cnmv: {
        isin: 'ES0SBX000016',
        gestora: 'Sandbox Gestión SGIIC',
        cif_gestora: 'A00000001',
        depositaria: 'Sandbox Depositaria SA',
        cif_depositaria: 'A00000003',
        num_registro_gestora: '999',
        num_registro_depositaria: '888',
      },
      dgs: null,
      initial_date: '2025-02-25',
      performance: 0.19,
      performance_detail: {
        MTD: 0.012,
        QTD: 0.031,
        HalfYear: 0.05,
        YTD: 0.11,
        Yearly: 0.14,
        InitialToDate: null,
        InitialToDateYearly: null,
      },
      valuation_date: '2026-12-01',
      expiration_date: null,
      analytics: {
        risk: 4,
        sharpe_ratio: 0.85,
        beta_ratio: null,
        tracking_error_ratio: null,
        volatility: 0.13,
        PER: null,
        ROE: null,
        PES: null,
        EPS: null,
        ROA: null,
      },
      interest: null,
      market: null,
      operating_market: null,
      capital_gain: 3490.01,
      accrued_interest: null,
      price_ex_cupon: null,
      leverage: null,
      country_model: [],
      placing_bank: null,
      updated_at_timestamp: UPDATED_SECONDS,
    });
  });

  test('investment transaction', () => {
    assert.deepEqual(toFlanksRecord('investment_transaction', investmentTransaction, context), {
      accountDest: null,
      accrued_interest: null,
      amount: 10,
      amountDest: null,
      balance: 49,
      commission: 15.62,
      commissionDest: null,
      commission_detail: { ITF: 0, broker: 0, canon: 0, entity: 5, fx: 10.62 },
      currency: 'USD',
      currencyDest: null,
      description: 'COMPRA APPLE INC',
      entity: 'ins_sandbox_bank',
      exchange: 0.92,
      exchangeToPaymentCurrency: null,
      exchangeToTransactionCurrency: null,
      expenses: null,
      expenses_detail: null,
      external_id: 'flx_aiirtl3b',
      investment_id: 'inv_d4g4jxf27pom7mghrxnw',
      isin: 'US0378331005',
      isinDest: null,
      leverage: null,
      netCash: -2140.62,
      netCashDest: null,
      operationDate: '2026-10-28',
      order_id: null,
      origin_gain: { date: '2026-10-28', value: 12.5 },
      origin_gain_detail: [{ date: '2026-10-28', value: 12.5 }],
      originalCurrency: null,
      pair_transaction_id: null,
      paymentCurrency: null,
      refAccountIBAN: 'ES8999980001305017600825',
      refValos: 'VAL-479291',
      referenceCurrency: 'EUR',
      retention: 0,
      retention_detail: null,
      reversal_type: null,
      symb: '+',
      symbDest: null,
      transaction_id: 'OP000048',
      transactionCurrency: null,
      type: '1',
      unitPrice: 212.4,
      unitPriceDest: null,
      valueDate: '2026-10-30',
      valueDateDest: null,
      _id: 'itx_aiirtl3bngdu7qftb3oq',
      country_model: [{ country: 'MX', emisora: 'AAPL', serie: '*', bmv: '1ASP' }],
    });
  });

  test('account', () => {
    assert.deepEqual(toFlanksRecord('account', account, context), {
      iban: 'ES4199990001489273558680',
      entity: 'ins_sandbox_bank',
      alias: 'Cuenta Sandbox Nómina',
      balance: 22213.41,
      currency: 'EUR',
      description: 'Cuenta Sandbox Nómina',
      isOwner: true,
      numOwners: 1,
      owners: ['CARMEN DÍAZ FERNÁNDEZ'],
      _id: 'acc_mr3dahcl26htwksmeok3',
      external_id: 'flx_mr3dahcl',
      updated_at_timestamp: UPDATED_SECONDS,
    });
  });

  test('transaction (POST /data)', () => {
    assert.deepEqual(toFlanksRecord('transaction', transaction, context), {
      _id: 'txn_2ozc543iolcvhzskcrfv',
      external_id: 'flx_2ozc543i',
      entity: 'ins_sandbox_bank',
      account_id: 'ES4199990001489273558680',
      tesoro_account_id: 'acc_mr3dahcl26htwksmeok3',
      amount: -850,
      balance: 22213.41,
      cardNumber: null,
      category: 'Alquiler',
      flanks_category: 'housing',
      type: 'rent',
      currency: 'EUR',
      operationDate: '2026-12-01',
      valueDate: '2026-12-01',
      description: 'TRANSFERENCIA A FAVOR DE INMOBILIARIA SOL SL ALQUILER VIVIENDA',
      productDescription: 'Cuenta Sandbox Nómina',
      transaction_id: 'F-rent-2026-12',
      transfer: {
        beneficiary: 'INMOBILIARIA SOL SL',
        ibanBeneficiary: null,
        ibanOrdenant: 'ES4199990001489273558680',
        ordenant: 'CARMEN DÍAZ FERNÁNDEZ',
      },
      norma43: '04',
      order_id: null,
      pair_transaction_id: null,
    });
  });

  test('liability', () => {
    assert.deepEqual(toFlanksRecord('liability', liability, context), {
      name: 'Hipoteca Vivienda Habitual',
      type: 'Loan',
      balance: 161234.56,
      currency: 'EUR',
      availableBalance: null,
      initialCapital: 180000,
      initialCapitalCurrency: 'EUR',
      openingDate: '2022-08-02',
      expirationDate: '2047-08-02',
      entity: 'ins_sandbox_bank',
      _id: 'lia_koz2t54xofh2gqvzny6c',
      external_id: 'flx_koz2t54x',
      limit: null,
      periodicity: 'monthly',
      subtype: 'mortgage',
      interest: { rate: 3.29, benchmark: 'EURIBOR 12M', spread: '0.89', type: 'variable' },
      contractNumber: 'HIP-90042',
      updated_at_timestamp: UPDATED_SECONDS,
      monthly_payment: 881.84,
    });
  });

  test('liability transaction', () => {
    assert.deepEqual(toFlanksRecord('liability_transaction', liabilityTransaction, context), {
      amount: -296.66,
      currencyAmount: 'EUR',
      balance: 11949.85,
      currencyBalance: 'EUR',
      description: 'CUOTA 14/60 PRÉSTAMO PERSONAL COCHE',
      operationDate: '2026-12-02',
      valueDate: '2026-12-02',
      liability_id: 'lia_koz2t54xofh2gqvzny6c',
      credit_account: 'ES4199990001489273558680',
      interest: 70.52,
      commission: 0,
      external_id: 'flx_ptmslivn',
      _id: 'ltx_ptmslivnxt3vwboq65t2',
      type: 'instalment',
      entity: 'ins_sandbox_bank',
      transaction_id: null,
      pair_transaction_id: null,
      order_id: null,
      principal: 226.14,
    });
  });

  test('mifid', () => {
    assert.deepEqual(toFlanksRecord('mifid', mifid, context), {
      _id: 3,
      question: '¿Con qué productos ha operado en los últimos 3 años?',
      answer: ['Fondos de inversión', 'Acciones', 'ETF'],
    });
  });

  test('identity (auth)', () => {
    assert.deepEqual(toFlanksRecord('auth', identity, context), {
      _id: CONNECTION,
      name: 'Carmen',
      fullName: 'Carmen Díaz Fernández',
      surname1: 'Díaz',
      surname2: 'Fernández',
      birthDate: '1987-04-20',
      address: {
        streetType: 'Paseo',
        streetName: 'de Gracia',
        streetNumber: '126',
        city: 'Sevilla',
        zipCode: '41004',
        state: 'Sevilla',
        country: 'ES',
      },
      contactInfo: [
        { type: 'email', value: 'user.good@example.com' },
        { type: 'phone', value: '+34 615 868 654' },
      ],
      identityDocument: '77739362Y',
      gender: 'female',
      occupation: 'Ingeniera de software',
      sector: 'Tecnología',
    });
  });

  test('card', () => {
    assert.deepEqual(toFlanksRecord('card', card, context), {
      _id: 'crd_ncs7ltifww4zkf6wkaeq',
      external_id: 'flx_ncs7ltif',
      product: 'Tarjeta Crédito Oro',
      contractNumber: 'C87167310',
      pan: '************7310',
      emissionDate: '2024-06-14',
      expirationDate: '2029-12-28',
      availableBalance: 2350,
      cardType: 'credit',
      entity: 'ins_sandbox_bank',
      updated_at_timestamp: UPDATED_SECONDS,
      credit_limit: 3000,
      currency: 'EUR',
      account_iban: 'ES4199990001489273558680',
    });
  });

  test('card transaction', () => {
    assert.deepEqual(toFlanksRecord('card_transaction', cardTransaction, context), {
      _id: 'ctx_7u34lu2zpqjom53quf6h',
      card_id: 'crd_ncs7ltifww4zkf6wkaeq',
      operationDate: '2026-11-29',
      valueDate: '2026-11-29',
      amount: -6.44,
      commission: 0,
      currency: 'EUR',
      shop: 'CARREFOUR EXPRESS',
      category: 'Supermercados',
      external_id: 'flx_7u34lu2z',
      entity: 'ins_sandbox_bank',
    });
  });

  test('holder', () => {
    assert.deepEqual(toFlanksRecord('holder', holder, context), {
      _id: 'hld_36f4exgtvsnatnvzo3ac',
      product_name: 'Hipoteca Vivienda Habitual',
      name: 'CARMEN DÍAZ FERNÁNDEZ',
      rel: 'titular',
      product_id: 'lia_koz2t54xofh2gqvzny6c',
      external_id: 'flx_36f4exgt',
    });
  });
});

// ---- one test per rule

describe('record rules', () => {
  test('native internals are never emitted under their names', () => {
    const internals = ['id', 'connection_id', 'first_seen_at', 'created_at', 'updated_at', 'raw', 'pending'];
    for (const [product, record] of Object.entries(samples) as Array<[FlanksProduct, NativeRecord]>) {
      const mapped = toFlanksRecord(product, { ...record, raw: { x: 1 }, created_at: UPDATED }, context);
      for (const key of internals) assert.equal(key in mapped, false, `${product}.${key}`);
      assert.equal('pending_transaction_id' in mapped, false, product);
    }
    const mapped = toFlanksRecord('transaction', transaction, context);
    for (const key of ['counterparty', 'merchant_name', 'mcc', 'subcategory', 'bank_category'])
      assert.equal(key in mapped, false, key);
  });

  test('external_id is the caller’s Flanks id, never the end user’s id; null without one', () => {
    assert.equal(toFlanksRecord('account', account, context).external_id, 'flx_mr3dahcl');
    assert.equal(toFlanksRecord('account', account, noExternal).external_id, null);
    assert.notEqual(toFlanksRecord('card', card, context).external_id, 'end-user-42');
  });

  test('updated_at_timestamp is the epoch in whole seconds', () => {
    for (const product of ['portfolio', 'investment', 'account', 'liability', 'card'] as const) {
      const value = toFlanksRecord(product, samples[product], context).updated_at_timestamp;
      assert.equal(value, UPDATED_SECONDS, product);
      assert.ok(Number.isInteger(value));
    }
    assert.equal(
      toFlanksRecord('account', { ...account, updated_at: '2026-11-30T09:05:59.999Z' }, context)
        .updated_at_timestamp,
      1796029559,
    );
    assert.equal(
      toFlanksRecord('account', { ...account, updated_at: undefined }, context).updated_at_timestamp,
      null,
    );
  });

  test('money is a JSON number in major units, decimal text included, its sign kept', () => {
    assert.equal(toFlanksRecord('investment_transaction', investmentTransaction, context).netCash, -2140.62);
    assert.equal(toFlanksRecord('liability', liability, context).balance, 161234.56);
    assert.equal(toFlanksRecord('transaction', { ...transaction, amount: '-12.30' }, context).amount, -12.3);
    assert.equal(toFlanksRecord('transaction', { ...transaction, amount: '1500.00' }, context).amount, 1500);
    assert.equal(toFlanksRecord('transaction', { ...transaction, amount: -0.01 }, context).amount, -0.01);
    assert.equal(toFlanksRecord('transaction', { ...transaction, amount: 'n/a' }, context).amount, null);
    assert.equal(toFlanksRecord('card', card, context).availableBalance, 2350);
  });

  test('nulls where the source has none', () => {
    const empty: NativeRecord = { id: 'acc_empty000000000000000', ...stamps };
    assert.deepEqual(toFlanksRecord('account', empty, noExternal), {
      iban: null,
      entity: 'ins_sandbox_bank',
      alias: null,
      balance: null,
      currency: null,
      description: null,
      isOwner: null,
      numOwners: null,
      owners: null,
      _id: 'acc_empty000000000000000',
      external_id: null,
      updated_at_timestamp: UPDATED_SECONDS,
    });
    assert.equal(toFlanksRecord('transaction', { ...transaction, transfer: null }, context).transfer, null);
    assert.equal(toFlanksRecord('liability', { ...liability, interest: null }, context).interest, null);
  });

  test('investment: both sybtype and subtype', () => {
    const mapped = toFlanksRecord('investment', investment, context);
    assert.equal(mapped.sybtype, 'equity_europe');
    assert.equal(mapped.subtype, 'equity_europe');
    const none = toFlanksRecord('investment', { ...investment, subtype: null }, context);
    assert.equal(none.sybtype, null);
    assert.equal(none.subtype, null);
  });

  test('country_model is [] when null, the list otherwise', () => {
    assert.deepEqual(toFlanksRecord('investment', investment, context).country_model, []);
    assert.deepEqual(
      toFlanksRecord('investment_transaction', { ...investmentTransaction, country_model: null }, context)
        .country_model,
      [],
    );
    assert.deepEqual(
      toFlanksRecord(
        'investment',
        { ...investment, country_model: [{ country: 'BR', issuer: 'X', code: 'Y' }] },
        context,
      ).country_model,
      [{ country: 'BR', issuer: 'X', code: 'Y' }],
    );
  });

  test('nested objects have exactly Flanks’ keys, their numbers as numbers', () => {
    const mapped = toFlanksRecord('investment_transaction', investmentTransaction, context);
    assert.deepEqual(mapped.commission_detail, { ITF: 0, broker: 0, canon: 0, entity: 5, fx: 10.62 });
    const withExtra = toFlanksRecord(
      'investment',
      { ...investment, interest: { rate: '3.45', benchmark: null, internal: 1 } },
      context,
    );
    assert.deepEqual(withExtra.interest, { rate: 3.45, benchmark: null });
  });

  test('card pan: every character but the last four digits masked, same length', () => {
    assert.equal(toFlanksRecord('card', card, context).pan, '************7310');
    assert.equal(maskPan('4548811234567310'), '************7310');
    assert.equal(maskPan('454881******7310'), '************7310');
    assert.equal(maskPan('*******1234'), '*******1234');
    assert.equal(maskPan('4548 81** **** 7310'), '**** **** **** 7310');
    assert.equal(maskPan('1234'), '1234');
    assert.equal(maskPan(null), null);
    assert.equal(toFlanksRecord('card', { ...card, pan: null }, context).pan, null);
    const pan = toFlanksRecord('card', card, context).pan!;
    assert.equal(pan.length, String(card.pan).length);
  });

  test('mifid: _id is the question number (an integer), answer always a list', () => {
    const mapped = toFlanksRecord('mifid', mifid, context);
    assert.equal(mapped._id, 3);
    assert.equal(typeof mapped._id, 'number');
    assert.deepEqual(toFlanksRecord('mifid', { ...mifid, question_id: '7' }, context)._id, 7);
    assert.deepEqual(toFlanksRecord('mifid', { ...mifid, answer: null }, context).answer, []);
    assert.deepEqual(toFlanksRecord('mifid', { ...mifid, answer: 'No' }, context).answer, ['No']);
    assert.deepEqual(toFlanksRecord('mifid', { ...mifid, answer: [] }, context).answer, []);
  });

  test('identity: one object whose _id is the credentials token, nested keys renamed', () => {
    const mapped = toFlanksRecord('auth', identity, context);
    assert.equal(mapped._id, CONNECTION);
    assert.equal(Array.isArray(mapped), false);
    assert.equal(mapped.address?.streetType, 'Paseo');
    assert.equal(mapped.address?.zipCode, '41004');
    assert.equal('contact_info' in mapped || 'identity_document' in mapped || 'full_name' in mapped, false);
    // No identity stored: the object with its token and nulls.
    assert.deepEqual(toFlanksRecord('auth', {}, context), {
      _id: CONNECTION,
      name: null,
      fullName: null,
      surname1: null,
      surname2: null,
      birthDate: null,
      address: null,
      contactInfo: null,
      identityDocument: null,
      gender: null,
      occupation: null,
      sector: null,
    });
  });

  test('transaction account_id: the account’s IBAN, else its native id; tesoro_account_id the native id', () => {
    assert.equal(toFlanksRecord('transaction', transaction, context).account_id, 'ES4199990001489273558680');
    const noMap = { ...context, accountIbans: undefined };
    assert.equal(toFlanksRecord('transaction', transaction, noMap).account_id, 'acc_mr3dahcl26htwksmeok3');
    const noIban = toFlanksRecord(
      'transaction',
      { ...transaction, account_id: 'acc_noiban0000000000000' },
      context,
    );
    assert.equal(noIban.account_id, 'acc_noiban0000000000000');
    assert.equal(noIban.tesoro_account_id, 'acc_noiban0000000000000');
    const unknown = toFlanksRecord(
      'transaction',
      { ...transaction, account_id: 'acc_other00000000000000' },
      context,
    );
    assert.equal(unknown.account_id, 'acc_other00000000000000');
    assert.equal(
      toFlanksRecord('transaction', transaction, context).tesoro_account_id,
      'acc_mr3dahcl26htwksmeok3',
    );
  });

  test('transaction categories: category ← bank_category, flanks_category ← category, type ← subcategory', () => {
    const mapped = toFlanksRecord('transaction', transaction, context);
    assert.equal(mapped.category, 'Alquiler');
    assert.equal(mapped.flanks_category, 'housing');
    assert.equal(mapped.type, 'rent');
    assert.equal(toFlanksRecord('card_transaction', cardTransaction, context).category, 'Supermercados');
  });

  test('transfer keys: iban_beneficiary → ibanBeneficiary, iban_ordenant → ibanOrdenant', () => {
    const mapped = toFlanksRecord(
      'transaction',
      {
        ...transaction,
        transfer: { beneficiary: 'A', iban_beneficiary: 'ES01', ordenant: 'B', iban_ordenant: 'ES02' },
      },
      context,
    );
    assert.deepEqual(mapped.transfer, {
      beneficiary: 'A',
      ibanBeneficiary: 'ES01',
      ibanOrdenant: 'ES02',
      ordenant: 'B',
    });
  });

  test('the camelCase renames of an investment transaction', () => {
    const mapped = toFlanksRecord(
      'investment_transaction',
      {
        ...investmentTransaction,
        account_dest: 'VAL-1',
        amount_dest: 3,
        commission_dest: '1.5',
        currency_dest: 'EUR',
        isin_dest: 'ES0SBX000024',
        net_cash_dest: '100.25',
        symb_dest: '+',
        unit_price_dest: '33.4',
        value_date_dest: '2026-11-02',
        payment_currency: 'EUR',
        transaction_currency: 'USD',
        exchange_to_payment_currency: 0.92,
        exchange_to_transaction_currency: 1,
        original_currency: 'USD',
      },
      context,
    );
    assert.deepEqual(
      {
        accountDest: mapped.accountDest,
        amountDest: mapped.amountDest,
        commissionDest: mapped.commissionDest,
        currencyDest: mapped.currencyDest,
        isinDest: mapped.isinDest,
        netCashDest: mapped.netCashDest,
        symbDest: mapped.symbDest,
        unitPriceDest: mapped.unitPriceDest,
        valueDateDest: mapped.valueDateDest,
        paymentCurrency: mapped.paymentCurrency,
        transactionCurrency: mapped.transactionCurrency,
        exchangeToPaymentCurrency: mapped.exchangeToPaymentCurrency,
        exchangeToTransactionCurrency: mapped.exchangeToTransactionCurrency,
        originalCurrency: mapped.originalCurrency,
      },
      {
        accountDest: 'VAL-1',
        amountDest: 3,
        commissionDest: 1.5,
        currencyDest: 'EUR',
        isinDest: 'ES0SBX000024',
        netCashDest: 100.25,
        symbDest: '+',
        unitPriceDest: 33.4,
        valueDateDest: '2026-11-02',
        paymentCurrency: 'EUR',
        transactionCurrency: 'USD',
        exchangeToPaymentCurrency: 0.92,
        exchangeToTransactionCurrency: 1,
        originalCurrency: 'USD',
      },
    );
  });

  test('the extras Flanks answers carry: monthly_payment, principal, credit_limit, currency, account_iban', () => {
    assert.equal(toFlanksRecord('liability', liability, context).monthly_payment, 881.84);
    assert.equal(toFlanksRecord('liability_transaction', liabilityTransaction, context).principal, 226.14);
    const mapped = toFlanksRecord('card', card, context);
    assert.deepEqual(
      [mapped.credit_limit, mapped.currency, mapped.account_iban],
      [3000, 'EUR', 'ES4199990001489273558680'],
    );
  });
});

// ---- the credentials status

const noTokens = { sca_token: null, reset_token: null, transaction_token: null };
const bankProducts = [
  'accounts',
  'transactions',
  'cards',
  'card_transactions',
  'liabilities',
  'liability_transactions',
  'identity',
  'holders',
];
const states = (state: { created: boolean; errored: boolean; error?: string | null }) =>
  Object.fromEntries(bankProducts.map((p) => [p, { error: null, count: 0, ...state }]));

function view(overrides: Partial<StatusSource> = {}): StatusSource {
  return {
    institution_id: 'ins_sandbox_bank',
    status: 'ok',
    products: bankProducts,
    product_status: states({ created: true, errored: false }),
    refresh: null,
    last_refresh_at: '2026-12-01T14:19:00.000Z',
    last_transaction_date: '2026-11-30',
    created_at: '2026-12-01T14:18:57.456Z',
    ...overrides,
  };
}

const running = {
  id: 'ref_1',
  connection_id: CONNECTION,
  trigger: 'initial',
  status: 'running',
  added: 0,
  modified: 0,
  removed: 0,
  error_code: null,
  error_detail: null,
  created_at: '2026-12-01T14:18:57.500Z',
  started_at: '2026-12-01T14:18:57.600Z',
  logged_in_at: '2026-12-01T14:18:57.900Z',
  finished_at: null,
  duration_ms: null,
};

const flags = (product: Record<string, boolean>, transaction: Record<string, boolean>) => ({
  product,
  transaction,
  transactions: transaction,
});
const allProducts = (value: boolean, notHeld = true) => ({
  auth: value,
  account: value,
  card: value,
  portfolio: notHeld,
  investment: notHeld,
  liability: value,
  holders: value,
  mifid: notHeld,
});
const allTransactions = (value: boolean, notHeld = true) => ({
  account: value,
  card: value,
  investment: notHeld,
  investmentincome: notHeld,
  liability: value,
});

describe('status', () => {
  test('a settled connection', () => {
    assert.deepEqual(toFlanksStatus(view(), noTokens), {
      pending: false,
      blocked: false,
      reset_token: null,
      sca_token: null,
      transaction_token: null,
      last_transaction_date: '2026-11-30',
      name: 'ins_sandbox_bank',
      last_update: '2026-12-01',
      time: '14:19',
      last_update_timestamp: 1796134740,
      created_at_timestamp: 1796134737,
      errored: flags(allProducts(false, false), allTransactions(false, false)),
      created: flags(allProducts(true), allTransactions(true)),
    });
  });

  test('a pending connection (first extraction running): last_update and time null before the first refresh', () => {
    const status = toFlanksStatus(
      view({
        status: 'pending',
        product_status: states({ created: false, errored: false }),
        refresh: running,
        last_refresh_at: null,
        last_transaction_date: null,
      }),
      noTokens,
    );
    assert.equal(status.pending, true);
    assert.equal(status.blocked, false);
    assert.equal(status.last_update, null);
    assert.equal(status.time, null);
    assert.equal(status.last_update_timestamp, null);
    assert.equal(status.last_transaction_date, null);
    assert.equal(status.created_at_timestamp, 1796134737);
    // Products the connection does not have are created, not errored.
    assert.deepEqual(status.created, flags(allProducts(false), allTransactions(false)));
    assert.deepEqual(status.errored, flags(allProducts(false, false), allTransactions(false, false)));
  });

  test('pending stays true while one product is still being extracted', () => {
    const productStatus = states({ created: true, errored: false });
    productStatus.card_transactions = { created: false, errored: false, error: null, count: 0 };
    const status = toFlanksStatus(
      view({ status: 'pending', product_status: productStatus, refresh: running }),
      noTokens,
    );
    assert.equal(status.pending, true);
    assert.equal(status.created.product.card, true);
    assert.equal(status.created.transaction.card, false);
    assert.equal(status.created.transactions.card, false);
  });

  test('an errored product: created and errored, the others created; not pending', () => {
    const productStatus = states({ created: true, errored: false });
    productStatus.cards = { created: true, errored: true, error: 'product_unavailable', count: 0 };
    const status = toFlanksStatus(view({ product_status: productStatus }), noTokens);
    assert.equal(status.pending, false);
    assert.equal(status.blocked, false);
    assert.deepEqual(status.created, flags(allProducts(true), allTransactions(true)));
    assert.deepEqual(
      status.errored,
      flags({ ...allProducts(false, false), card: true }, allTransactions(false, false)),
    );
  });

  test('a locked connection whose login failed: blocked, not pending, every product created and errored', () => {
    const status = toFlanksStatus(
      view({
        status: 'locked',
        product_status: states({ created: false, errored: false }),
        last_refresh_at: null,
        last_transaction_date: null,
      }),
      { ...noTokens, reset_token: 'reset_abc' },
    );
    assert.equal(status.blocked, true);
    assert.equal(status.pending, false);
    assert.equal(status.reset_token, 'reset_abc');
    assert.equal(status.last_update, null);
    assert.deepEqual(status.created, flags(allProducts(true), allTransactions(true)));
    assert.deepEqual(status.errored, flags(allProducts(true, false), allTransactions(true, false)));
  });

  test('a connection locked on a later refresh keeps its products’ states', () => {
    const status = toFlanksStatus(view({ status: 'locked' }), noTokens);
    assert.equal(status.blocked, true);
    assert.equal(status.pending, false);
    assert.deepEqual(status.errored, flags(allProducts(false, false), allTransactions(false, false)));
  });

  test('blocked for credentials_invalid, password_expired, locked, action_needed only', () => {
    for (const status of ['credentials_invalid', 'password_expired', 'locked', 'action_needed'])
      assert.equal(toFlanksStatus(view({ status }), noTokens).blocked, true, status);
    for (const status of [
      'ok',
      'pending',
      'challenge_required',
      'rate_limited',
      'institution_down',
      'disabled',
    ])
      assert.equal(toFlanksStatus(view({ status }), noTokens).blocked, false, status);
  });

  test('a login waiting for an SCA is pending, with the caller’s sca_token', () => {
    const status = toFlanksStatus(
      view({
        status: 'challenge_required',
        product_status: states({ created: false, errored: false }),
        refresh: { ...running, status: 'waiting_user' },
        last_refresh_at: null,
      }),
      { ...noTokens, sca_token: 'sca_123' },
    );
    assert.equal(status.pending, true);
    assert.equal(status.blocked, false);
    assert.equal(status.sca_token, 'sca_123');
  });

  test('the tokens are copied as given', () => {
    const tokens = { sca_token: 'sca_1', reset_token: 'reset_2', transaction_token: 'transaction_3' };
    const status = toFlanksStatus(view(), tokens);
    assert.deepEqual(
      [status.sca_token, status.reset_token, status.transaction_token],
      ['sca_1', 'reset_2', 'transaction_3'],
    );
  });

  test('transaction and transactions carry the same flags; investmentincome follows investment_transactions', () => {
    const products = ['portfolios', 'investments', 'investment_transactions', 'mifid', 'holders', 'accounts'];
    const productStatus = Object.fromEntries(
      products.map((p) => [
        p,
        { created: true, errored: p === 'investment_transactions', error: null, count: 1 },
      ]),
    );
    const status = toFlanksStatus(view({ products, product_status: productStatus }), noTokens);
    assert.deepEqual(status.errored.transaction, status.errored.transactions);
    assert.deepEqual(status.created.transaction, status.created.transactions);
    assert.equal(status.errored.transaction.investment, true);
    assert.equal(status.errored.transaction.investmentincome, true);
    assert.notEqual(status.errored.transaction, status.errored.transactions);
  });

  test('name is the entity: the institution id, or its Flanks alias', () => {
    assert.equal(toFlanksStatus(view(), noTokens).name, 'ins_sandbox_bank');
    assert.equal(toFlanksStatus(view({ institution_id: 'ins_sandbox_testbank' }), noTokens).name, 'testbank');
  });

  test('last_update and time are UTC', () => {
    const status = toFlanksStatus(view({ last_refresh_at: '2026-11-30T23:59:59.999Z' }), noTokens);
    assert.deepEqual([status.last_update, status.time], ['2026-11-30', '23:59']);
    assert.equal(status.last_update_timestamp, 1796083199);
  });
});

// ---- entities, ALL DATA groups, queries

describe('entities', () => {
  test('an institution as a Flanks entity', () => {
    assert.deepEqual(
      toFlanksEntity({
        id: 'ins_sandbox_bank',
        name: 'Banco Sandbox',
        cif: null,
        always_manual_refresh: false,
      }),
      { id: 'ins_sandbox_bank', name: 'Banco Sandbox', cif: null, alwaysManualRefresh: false },
    );
    assert.deepEqual(
      toFlanksEntity({ id: 'testbank', name: 'TestBank', cif: 'A12345678', always_manual_refresh: true }),
      {
        id: 'testbank',
        name: 'TestBank',
        cif: 'A12345678',
        alwaysManualRefresh: true,
      },
    );
    assert.deepEqual(toFlanksEntity({ id: 'x', name: 'X' }), {
      id: 'x',
      name: 'X',
      cif: null,
      alwaysManualRefresh: false,
    });
  });
});

describe('ALL DATA groups', () => {
  const flanksKeys = [...new Set(flanksAllGroups.map(([, key]) => key))];

  test('Flanks’ keys, in Flanks’ order, are the ALL DATA schema’s', () => {
    assert.deepEqual(flanksKeys, [
      'cards',
      'accounts',
      'portfolios',
      'fixedIncome',
      'funds',
      'liabilities',
      'pensionPlans',
      'stocks',
      'etfs',
      'deposits',
      'others',
      'identity',
      'liquidity',
      'cryptoCurrencies',
      'contractForDifferences',
      'derivatives',
      'bankProducts',
      'alternativeEmergingProducts',
    ]);
    assert.deepEqual(flanksKeys, Object.keys(AllData.properties));
  });

  test('every native group has a Flanks key; native deposits go to bankProducts; Flanks deposits has none', () => {
    const nativeToFlanks = new Map(flanksAllGroups.filter(([native]) => native !== ''));
    for (const group of [
      ...Object.values(investmentGroups),
      'accounts',
      'cards',
      'portfolios',
      'liabilities',
      'identity',
    ])
      assert.ok(nativeToFlanks.has(group), group);
    assert.equal(nativeToFlanks.get('deposits'), 'bankProducts');
    assert.equal(nativeToFlanks.get('bank_products'), 'bankProducts');
    assert.equal(nativeToFlanks.get('fixed_income'), 'fixedIncome');
    assert.deepEqual(
      flanksAllGroups.filter(([, key]) => key === 'deposits'),
      [['', 'deposits']],
    );
  });
});

describe('query objects', () => {
  test('category → bank_category, flanks_category → category, nested operators untouched', () => {
    assert.deepEqual(
      toFlanksQuery({
        category: { $in: ['Alquiler', 'Supermercados'] },
        flanks_category: 'housing',
        operationDate: { $gte: '2026-01-01' },
        amount: { $lt: -50 },
      }),
      {
        bank_category: { $in: ['Alquiler', 'Supermercados'] },
        category: 'housing',
        operationDate: { $gte: '2026-01-01' },
        amount: { $lt: -50 },
      },
    );
  });

  test('other keys are left as they are', () => {
    const query = { _id: 'txn_1', card_id: 'crd_1', valueDate: { $lte: '2026-02-01' } };
    assert.deepEqual(toFlanksQuery(query), query);
    assert.deepEqual(toFlanksQuery({}), {});
  });

  test('the input is not changed', () => {
    const query = { category: 'Alquiler' };
    toFlanksQuery(query);
    assert.deepEqual(query, { category: 'Alquiler' });
  });

  test('a Flanks key renamed onto a native one it meets is merged with it, never dropped', () => {
    assert.deepEqual(toFlanksQuery({ category: 'Alquiler', bank_category: { $ne: 'Cajeros' } }), {
      bank_category: { $ne: 'Cajeros', $eq: 'Alquiler' },
    });
  });

  test('with the product: its Flanks-only names', () => {
    assert.deepEqual(
      toFlanksQuery({ type: 'rent', tesoro_account_id: 'acc_1' }, { product: 'transaction' }),
      {
        subcategory: 'rent',
        account_id: 'acc_1',
      },
    );
    assert.deepEqual(toFlanksQuery({ type: 'rent' }), { type: 'rent' });
    assert.deepEqual(toFlanksQuery({ sybtype: 'x', type: 'F' }, { product: 'investment' }), {
      subtype: 'x',
      type: 'F',
    });
    assert.deepEqual(toFlanksQuery({ refAccountIBAN: 'ES89' }, { product: 'investment_transaction' }), {
      ref_account_iban: 'ES89',
    });
    assert.deepEqual(toFlanksQuery({ _id: { $in: [1, 2] } }, { product: 'mifid' }), {
      question_id: { $in: [1, 2] },
    });
  });

  test('a transaction’s account_id given as an IBAN becomes the account’s id', () => {
    const accountIdOfIban = new Map([['ES4199990001489273558680', 'acc_mr3dahcl26htwksmeok3']]);
    const options = { product: 'transaction' as const, accountIdOfIban };
    assert.deepEqual(toFlanksQuery({ account_id: 'ES4199990001489273558680' }, options), {
      account_id: 'acc_mr3dahcl26htwksmeok3',
    });
    assert.deepEqual(toFlanksQuery({ account_id: { $in: ['ES4199990001489273558680', 'acc_x'] } }, options), {
      account_id: { $in: ['acc_mr3dahcl26htwksmeok3', 'acc_x'] },
    });
  });
});

// ---- every output against its schema

describe('schemas', () => {
  test('every record validates against its Flanks schema', () => {
    for (const [product, record] of Object.entries(samples) as Array<[FlanksProduct, NativeRecord]>) {
      assertValid(flanksRecordSchemas[product], toFlanksRecord(product, record, context));
      assertValid(flanksRecordSchemas[product], toFlanksRecord(product, record, noExternal));
      // A record with nothing but its id and timestamps.
      assertValid(
        flanksRecordSchemas[product],
        toFlanksRecord(product, { id: 'x_1', ...stamps }, noExternal),
      );
    }
    assertValid(flanksRecordSchemas.auth, toFlanksRecord('auth', {}, context));
  });

  test('the schemas are strict: an unknown field is refused', () => {
    for (const [product, record] of Object.entries(samples) as Array<[FlanksProduct, NativeRecord]>)
      assert.equal(
        Value.Check(flanksRecordSchemas[product], { ...toFlanksRecord(product, record, context), nope: 1 }),
        false,
        product,
      );
  });

  test('the status schema is strict too: both transaction keys, HH:MM, real days', () => {
    const status = toFlanksStatus(view(), noTokens);
    const { transactions: _, ...withoutTransactions } = status.errored;
    assert.equal(Value.Check(CredentialsStatus, { ...status, errored: withoutTransactions }), false);
    assert.equal(
      Value.Check(CredentialsStatus, {
        ...status,
        created: { ...status.created, product: { ...status.created.product, extra: true } },
      }),
      false,
    );
    assert.equal(Value.Check(CredentialsStatus, { ...status, time: '1419' }), false);
    assert.equal(Value.Check(CredentialsStatus, { ...status, last_update: '2026-13-45' }), false);
    const mapped = toFlanksRecord('investment_transaction', investmentTransaction, context);
    assert.equal(
      Value.Check(flanksRecordSchemas.investment_transaction, {
        ...mapped,
        commission_detail: { ...mapped.commission_detail, vat: 1 },
      }),
      false,
    );
  });

  test('every status validates, alone and in the credentials list', () => {
    const statuses = [
      toFlanksStatus(view(), noTokens),
      toFlanksStatus(
        view({ status: 'locked', product_status: states({ created: false, errored: false }) }),
        noTokens,
      ),
      toFlanksStatus(
        view({ status: 'pending', refresh: running, last_refresh_at: null, last_transaction_date: null }),
        {
          sca_token: 'sca_1',
          reset_token: null,
          transaction_token: 'transaction_1',
        },
      ),
    ];
    for (const status of statuses) assertValid(CredentialsStatus, status);
    assertValid(CredentialsListResponse, {
      items: statuses.map((status, n) => ({
        credentials_token: `con_${n}`,
        external_id: n === 0 ? 'end-user-42' : null,
        bank: 'ins_sandbox_bank',
        status,
      })),
      page: 1,
      pages: 1,
    });
  });

  test('an entity validates', () => {
    assertValid(
      Entity,
      toFlanksEntity({ id: 'ins_sandbox_bank', name: 'Banco Sandbox', always_manual_refresh: false }),
    );
  });

  test('ALL DATA validates, and its deposits are always empty', () => {
    const withTransactions = (
      product: FlanksProduct,
      record: NativeRecord,
      movement: FlanksProduct,
      child: NativeRecord,
    ) => ({
      ...toFlanksRecord(product, record, context),
      transaction: [toFlanksRecord(movement, child, context)],
    });
    const fund = withTransactions('investment', investment, 'investment_transaction', investmentTransaction);
    const all: Record<string, unknown[]> = Object.fromEntries(
      Object.keys(AllData.properties).map((key) => [key, []]),
    );
    all.cards = [withTransactions('card', card, 'card_transaction', cardTransaction)];
    all.accounts = [withTransactions('account', account, 'transaction', transaction)];
    all.portfolios = [toFlanksRecord('portfolio', portfolio, context)];
    all.liabilities = [
      withTransactions('liability', liability, 'liability_transaction', liabilityTransaction),
    ];
    all.funds = [fund];
    all.bankProducts = [{ ...fund, transaction: [] }];
    all.identity = [toFlanksRecord('auth', identity, context)];
    assertValid(AllData, all);
    assert.equal(Value.Check(AllData, { ...all, deposits: [fund] }), false);
  });

  test('request bodies are lenient: fields Tesoro ignores are accepted', () => {
    assertValid(CredentialsTokenBody, { credentials_token: CONNECTION, webhook: 'https://x', extra: 1 });
    assertValid(CredentialsTokenBody, {
      credentials_token: CONNECTION,
      query: { amount: { $lt: 0 } },
      ignore_data_error: true,
    });
    assert.equal(Value.Check(CredentialsTokenBody, {}), false);
    assertValid(AllBody, { credentials_token: CONNECTION });
    assertValid(AllBody, { credentials_token: [CONNECTION, 'con_2'] });
    assertValid(StatusPutBody, { credentials_token: CONNECTION, force: 'sca' });
    assertValid(StatusPutBody, { credentials_token: CONNECTION, action: 'force_reset' });
    assert.equal(Value.Check(StatusPutBody, { credentials_token: CONNECTION, force: 'other' }), false);
  });

  test('every schema is named Flanks…, and describes itself as Flanks’', () => {
    const named = Object.entries(schemas).filter(
      ([, value]) => value !== null && typeof value === 'object' && 'type' in (value as object),
    ) as Array<[string, TSchema & { $id?: string; description?: string }]>;
    assert.ok(named.length >= 30, String(named.length));
    for (const [name, schema] of named) {
      assert.match(String(schema.$id), /^Flanks[A-Z]/, name);
      assert.match(String(schema.description), /Flanks/, name);
      assert.doesNotMatch(JSON.stringify(schema), /seed/i, name);
    }
  });
});
