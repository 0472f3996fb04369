// Enable Banking's records as Tesoro's, and the PSD2 helpers they use: one test per sign, key
// rule, balance choice and account kind.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isPositionalReference, MovementKeys, pickBalances, signedAmount } from '../psd2/movements.ts';
import { institutionIdOf, institutionsOf, toInstitution } from './institutions.ts';
import {
  type EbTransaction,
  MovementMapper,
  productsOf,
  type SessionAccount,
  toAccountRecord,
} from './map.ts';

const NOW = new Date('2026-12-02T10:00:00Z');

const current: SessionAccount = {
  uid: 'uid-1',
  identification_hash: 'hash-current',
  cash_account_type: 'CACC',
  name: 'MARÍA GARCÍA LÓPEZ',
  product: 'Cuenta Corriente',
  currency: 'EUR',
  account_id: { iban: 'ES9121000418450200051332' },
};

const tx = (over: Partial<EbTransaction> = {}): EbTransaction => ({
  entry_reference: 'REF-1',
  transaction_amount: { currency: 'EUR', amount: '25.99' },
  credit_debit_indicator: 'DBIT',
  status: 'BOOK',
  booking_date: '2026-11-30',
  value_date: '2026-11-30',
  creditor: { name: 'SUPERMERCADO SOL' },
  remittance_information: ['COMPRA TARJETA', 'SUPERMERCADO SOL'],
  ...over,
});

describe('amount signs come from the credit/debit indicator', () => {
  test('an unsigned debit becomes negative, an already signed one stays negative once', () => {
    assert.equal(signedAmount('25.99', 'DBIT'), '-25.99');
    assert.equal(signedAmount('-25.99', 'DBIT'), '-25.99');
  });
  test('a credit is positive, whatever sign the bank wrote', () => {
    assert.equal(signedAmount('100.00', 'CRDT'), '100.00');
    assert.equal(signedAmount('-100.00', 'CRDT'), '100.00');
  });
  test('a zero debit has no minus sign', () => {
    assert.equal(signedAmount('0.00', 'DBIT'), '0.00');
  });
});

describe('natural keys', () => {
  test('a non-positional entry_reference is the key, scoped to the account', () => {
    const keys = new MovementKeys();
    const identity = {
      accountKey: 'h1',
      date: '2026-11-30',
      amount: '-1',
      currency: 'EUR',
      counterparty: null,
      description: null,
      pending: false,
    };
    assert.equal(keys.keyOf({ ...identity, reference: 'ABC' }), 'h1:ref:ABC');
    assert.equal(keys.keyOf({ ...identity, accountKey: 'h2', reference: 'ABC' }), 'h2:ref:ABC');
  });
  test('positional references are not ids: identical movements of a day get ordinals', () => {
    assert.ok(isPositionalReference('2026-11-30.3'));
    assert.ok(!isPositionalReference('2026-11-30-3'));
    const keys = new MovementKeys();
    const movement = {
      accountKey: 'h1',
      reference: '2026-11-30.1',
      date: '2026-11-30',
      amount: '-2.50',
      currency: 'EUR',
      counterparty: 'CAFE',
      description: 'CAFE',
      pending: false,
    };
    const first = keys.keyOf(movement);
    const second = keys.keyOf({ ...movement, reference: '2026-11-30.2' });
    assert.match(first, /^h1:syn:.+#1$/);
    assert.equal(second, first.replace('#1', '#2'));
    // The same listing read again gives the same keys.
    const again = new MovementKeys();
    assert.equal(again.keyOf({ ...movement, reference: null }), first);
  });
  test('pending movements have keys apart from booked ones', () => {
    const keys = new MovementKeys();
    const movement = {
      accountKey: 'h1',
      reference: null,
      date: '2026-11-30',
      amount: '-9',
      currency: 'EUR',
      counterparty: null,
      description: 'X',
      pending: true,
    };
    assert.match(keys.keyOf(movement), /^h1:pending:syn:/);
  });
});

describe('balances', () => {
  const balances = [
    { type: 'CLBD', amount: '90.00', currency: 'EUR' },
    { type: 'ITAV', amount: '80.00', currency: 'EUR' },
    { type: 'ITBD', amount: '100.00', currency: 'EUR' },
    { type: 'ITBD', amount: '5.00', currency: 'USD' },
  ];
  test('interim booked first, available from the interim available, in the account currency', () => {
    assert.deepEqual(pickBalances(balances, 'EUR'), {
      balance: '100.00',
      available: '80.00',
      currency: 'EUR',
    });
  });
  test('an account in XXX takes what the bank sends', () => {
    assert.deepEqual(pickBalances(balances.slice(3), 'XXX'), {
      balance: '5.00',
      available: null,
      currency: 'USD',
    });
  });
});

describe('accounts, cards and loans', () => {
  test('a current account keyed by its identification hash, never its uid; its holder an owner', () => {
    const record = toAccountRecord(current, [
      { balance_type: 'ITBD', balance_amount: { currency: 'EUR', amount: '1500.10' } },
    ]);
    assert.equal(record.product, 'accounts');
    assert.equal(record.naturalKey, 'hash-current');
    assert.deepEqual(record.data, {
      iban: 'ES9121000418450200051332',
      name: 'Cuenta Corriente',
      type: 'current',
      balance: '1500.10',
      available_balance: null,
      currency: 'EUR',
      description: 'Cuenta Corriente',
      owners: ['MARÍA GARCÍA LÓPEZ'],
    });
  });
  test('CARD accounts are cards, LOAN accounts liabilities, with their movements', () => {
    const card = { ...current, cash_account_type: 'CARD', credit_limit: { currency: 'EUR', amount: '3000' } };
    assert.deepEqual(productsOf(card), { record: 'cards', movements: 'card_transactions' });
    assert.equal(toAccountRecord(card, []).data.credit_limit, '3000');
    const loan = { ...current, cash_account_type: 'LOAN' };
    assert.deepEqual(productsOf(loan), { record: 'liabilities', movements: 'liability_transactions' });
    assert.equal(toAccountRecord(loan, []).data.type, 'loan');
  });
});

describe('movements', () => {
  test('a booked debit: signed, dated, described, with the creditor as counterparty', () => {
    const [record] = new MovementMapper(current, NOW).map([tx()]);
    assert.equal(record!.naturalKey, 'hash-current:ref:REF-1');
    assert.equal(record!.parentKey, 'hash-current');
    assert.equal(record!.data.amount, '-25.99');
    assert.equal(record!.data.operation_date, '2026-11-30');
    assert.equal(record!.data.description, 'COMPRA TARJETA SUPERMERCADO SOL');
    assert.equal(record!.data.counterparty, 'SUPERMERCADO SOL');
    assert.equal(record!.data.pending, false);
  });
  test('a credit names the debtor; a name only in the postal address is found there', () => {
    const [record] = new MovementMapper(current, NOW).map([
      tx({
        credit_debit_indicator: 'CRDT',
        creditor: null,
        debtor: { name: null, postal_address: { address_line: ['EMPRESA', 'SL'] } },
      }),
    ]);
    assert.equal(record!.data.amount, '25.99');
    assert.equal(record!.data.counterparty, 'EMPRESA SL');
  });
  test('cancelled and rejected movements are left out; pending ones kept as pending', () => {
    const records = new MovementMapper(current, NOW).map([
      tx({ status: 'CNCL' }),
      tx({ status: 'RJCT' }),
      tx({ status: 'PDNG', entry_reference: null, booking_date: null, value_date: null }),
    ]);
    assert.equal(records.length, 1);
    assert.equal(records[0]!.data.pending, true);
    // No date at all: today's, until the bank says otherwise.
    assert.equal(records[0]!.data.operation_date, '2026-12-02');
  });
  test('a card movement names the shop', () => {
    const card = { ...current, cash_account_type: 'CARD' };
    const [record] = new MovementMapper(card, NOW).map([tx()]);
    assert.equal(record!.product, 'card_transactions');
    assert.equal(record!.data.shop, 'SUPERMERCADO SOL');
  });
});

describe('institutions', () => {
  test('ids are stable from the country and the name, accents and spaces folded', () => {
    assert.equal(institutionIdOf({ name: 'Banco Simulado', country: 'ES' }), 'ins_eb_es_banco_simulado');
    assert.equal(institutionIdOf({ name: 'Crédit Agricole', country: 'FR' }), 'ins_eb_fr_credit_agricole');
  });
  test('a redirect consent with no login form; business-only banks left out; a repeat kept once', () => {
    const bank = toInstitution({
      name: 'Banco Simulado',
      country: 'es',
      maximum_consent_validity: 15_552_000,
    });
    assert.deepEqual([bank?.country, bank?.fields, bank?.mfa], ['ES', [], ['redirect']]);
    assert.match(bank!.description.en, /180 days/);
    assert.equal(toInstitution({ name: 'Corp', country: 'FI', psu_types: ['business'] }), undefined);
    assert.equal(
      institutionsOf([
        { name: 'A', country: 'ES' },
        { name: 'A', country: 'ES' },
      ]).length,
      1,
    );
  });
});
