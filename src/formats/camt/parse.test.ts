// ISO 20022 camt on the project's own fixtures (./fixtures): a camt.053 statement, a camt.053 with a
// batched entry of three TxDtls, a camt.052 report with prefixed element names, a camt.054
// notification with an undated entry, and a camt.053 cut short with an unreadable amount. Each is
// read through the camt parser and through parseStatementFile, which must detect the format.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixtureReader, parseEveryWay } from '../fixture-checks.ts';
import type { ParseResult, Statement } from '../statement.ts';
import { CamtParser, parseCamt } from './parse.ts';

const fixture = fixtureReader(new URL('./fixtures/', import.meta.url));

/** The file read by its parser, by format detection, and in 9-character pieces (tags, attributes and CDATA cut anywhere). */
const parseBoth = (name: string): ParseResult =>
  parseEveryWay(fixture(name), name, {
    format: 'camt',
    parseText: parseCamt,
    create: (sink) => new CamtParser(sink),
    piece: 9,
  });

const movement = (t: Statement['transactions'][number]) => ({
  id: t.sourceId,
  date: t.bookingDate,
  valueDate: t.valueDate,
  amount: t.amount,
  description: t.description,
  counterparty: t.counterparty,
  line: t.line,
});

function summary(statement: Statement) {
  return {
    number: statement.account.number,
    iban: statement.account.iban,
    currency: statement.account.currency,
    opening: statement.opening,
    closing: statement.closing,
    movements: statement.transactions.length,
    first: movement(statement.transactions[0]!),
    last: movement(statement.transactions.at(-1)!),
  };
}

test('camt.053: IBAN, OPBD and CLBD balances, counterparty by direction, bank transaction codes', () => {
  const result = parseBoth('camt053.xml');
  assert.deepEqual(result.issues, []);
  assert.equal(result.statements.length, 1);
  const [statement] = result.statements;
  assert.deepEqual(summary(statement!), {
    number: 'DE89370400440532013000',
    iban: 'DE89370400440532013000',
    currency: 'EUR',
    opening: { amount: '8540.12', date: '2026-02-28' },
    closing: { amount: '9117.42', date: '2026-03-31' },
    movements: 3,
    // Money out: the creditor is the counterparty.
    first: {
      id: '2026030200012',
      date: '2026-03-02',
      valueDate: '2026-03-02',
      amount: '-1250',
      description: 'Miete Ladenlokal März 2026',
      counterparty: 'Immobilien Weber GmbH & Co. KG',
      line: 44,
    },
    // No remittance: the additional entry information.
    last: {
      id: '2026033100001',
      date: '2026-03-31',
      valueDate: '2026-03-31',
      amount: '-47',
      description: 'Kontoführung 03/2026',
      counterparty: null,
      line: 91,
    },
  });
  assert.deepEqual(
    [statement!.account.name, statement!.account.bankCode, statement!.startDate, statement!.endDate],
    ['Geschäftskonto', 'COBADEFFXXX', '2026-03-01', '2026-03-31'],
  );
  // Money in: the debtor; two Ustrd lines joined.
  assert.deepEqual(movement(statement!.transactions[1]!), {
    id: '2026031600457',
    date: '2026-03-16',
    valueDate: '2026-03-16',
    amount: '1874.3',
    description: 'RE 2026-118 Brötchenlieferung Februar',
    counterparty: 'Hotel Am Stadtpark',
    line: 67,
  });
  assert.deepEqual(
    statement!.transactions.map((t) => t.bankCode),
    ['PMNT/ICDT/ESCT', 'PMNT/RCDT/ESCT', 'NCHG+805'],
  );
  // The end-to-end id is the reference. (The second entry's "NOTPROVIDED" placeholder is not
  // asserted: it is kept as a reference, unlike MT940's NONREF; see the report of this change.)
  assert.equal(statement!.transactions[0]!.reference, 'MIETE-2026-03');
  assert.equal(statement!.transactions[2]!.reference, null);
});

test('camt.053 with a batched entry: one movement, its three TxDtls joined into the description', () => {
  const result = parseBoth('camt053-batch.xml');
  assert.deepEqual(result.issues, []);
  assert.equal(result.statements.length, 1);
  const [statement] = result.statements;
  const { first, ...rest } = summary(statement!);
  // The batch's counterparty is not asserted: the parser names the first of its three debtors
  // (see the report of this change).
  const { counterparty: _firstDebtor, ...batch } = first;
  assert.deepEqual(batch, {
    id: 'BA-0402-COLL-17',
    date: '2026-04-02',
    valueDate: '2026-04-02',
    amount: '180',
    description: 'Beitrag Q2/2026 Mitglied 0012 Beitrag Q2/2026 Mitglied 0047 Beitrag Q2/2026 Familie 0101',
    line: 25,
  });
  assert.deepEqual(rest, {
    number: 'AT611904300234573201',
    iban: 'AT611904300234573201',
    currency: 'EUR',
    // DBIT balances: an overdrawn account.
    opening: { amount: '-320.55', date: '2026-03-31' },
    closing: { amount: '-155.75', date: '2026-04-30' },
    movements: 2,
    // No remittance or additional information: the counterparty names it.
    last: {
      id: 'BA-0421-POS-03',
      date: '2026-04-21',
      valueDate: '2026-04-20',
      amount: '-15.2',
      description: 'Sporthaus Eder',
      counterparty: 'Sporthaus Eder',
      line: 56,
    },
  });
  // camt.053.001.08 names the servicer BICFI; the owner stands in for a missing account name.
  assert.deepEqual(
    [statement!.account.bankCode, statement!.account.name],
    ['BKAUATWWXXX', 'Turnverein Hallstatt 1892'],
  );
  assert.equal(statement!.transactions[0]!.bankCode, 'PMNT/IDDT/BCDT');
});

test('camt.052 with prefixed elements: an account without IBAN, PRCD as the opening balance, CDATA', () => {
  const result = parseBoth('camt052.xml');
  assert.deepEqual(result.issues, []);
  assert.equal(result.statements.length, 1);
  assert.deepEqual(summary(result.statements[0]!), {
    number: '0048123456',
    iban: null,
    currency: 'CHF',
    opening: { amount: '12000', date: '2026-05-11' },
    // A balance dated with DtTm.
    closing: { amount: '11268.6', date: '2026-05-12' },
    movements: 2,
    first: {
      id: '0512-0001',
      date: '2026-05-12',
      valueDate: '2026-05-12',
      amount: '-980',
      description: 'Milchlieferung KW 19 <Rechnung 511>',
      counterparty: 'Milchhof Berger',
      line: 32,
    },
    last: {
      id: '0512-0002',
      date: '2026-05-12',
      valueDate: '2026-05-12',
      amount: '248.6',
      description: 'Rechnung 2026-077',
      counterparty: 'Restaurant Zum Löwen',
      line: 47,
    },
  });
  assert.equal(result.statements[0]!.account.name, 'Käserei Alpenblick AG');
});

test('camt.054: no balances; an entry without dates takes the creation date, with a warning', () => {
  const result = parseBoth('camt054.xml');
  assert.deepEqual(result.issues, [
    {
      severity: 'warning',
      line: 30,
      message: "entry without a booking or value date: dated 2026-06-03, the message's creation date",
    },
  ]);
  assert.equal(result.statements.length, 1);
  assert.deepEqual(summary(result.statements[0]!), {
    number: 'NL91ABNA0417164300',
    iban: 'NL91ABNA0417164300',
    currency: 'EUR',
    opening: null,
    closing: null,
    movements: 2,
    first: {
      id: 'NTF7-A',
      date: '2026-06-02',
      valueDate: '2026-06-02',
      amount: '65',
      description: 'Bestelling 55120',
      counterparty: 'P. Jansen',
      line: 15,
    },
    last: {
      id: 'NTF7-B',
      date: '2026-06-03',
      valueDate: null,
      amount: '-19.95',
      description: 'Abonnement juni',
      counterparty: null,
      line: 30,
    },
  });
});

test('a camt.053 cut short: an unreadable amount and the unclosed XML are errors; what was read is kept', () => {
  const result = parseBoth('camt053-cut.xml');
  assert.deepEqual(result.issues, [
    { severity: 'error', line: 17, message: 'entry skipped: amount "12,50"' },
    { severity: 'error', line: 25, message: 'not well-formed XML: 25:0: unclosed tag: Dt' },
  ]);
  assert.equal(result.statements.length, 1);
  const [statement] = result.statements;
  assert.deepEqual(statement!.account.iban, 'ES7921000813610123456789');
  assert.deepEqual(statement!.opening, { amount: '500', date: '2026-05-31' });
  assert.equal(statement!.closing, null);
  assert.deepEqual(statement!.transactions.map(movement), [
    {
      id: null,
      date: '2026-06-05',
      valueDate: null,
      amount: '-30',
      description: 'Recibo gimnasio junio',
      counterparty: null,
      line: 12,
    },
  ]);
});
