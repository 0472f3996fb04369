// OFX on the project's own fixtures (./fixtures): a 1.02 SGML checking statement, a 2.1.1 XML
// credit-card statement with CDATA, an investment statement (trades, positions, cash, SECLIST),
// three statements of three accounts in one file, and a file with a refused statement and
// unreadable movements. Each is read through the OFX parser and through parseStatementFile, which
// must detect the format.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixtureReader, parseEveryWay } from '../fixture-checks.ts';
import type { ParseResult, Statement } from '../statement.ts';
import { OfxParser, parseOfx } from './parse.ts';

const fixture = fixtureReader(new URL('./fixtures/', import.meta.url));

/** The file read by its parser, by format detection, and in 5-character pieces (tags, entities and CDATA cut anywhere). */
const parseBoth = (name: string): ParseResult =>
  parseEveryWay(fixture(name), name, {
    format: 'ofx',
    parseText: parseOfx,
    create: (sink) => new OfxParser(sink),
    piece: 5,
  });

const movement = (t: Statement['transactions'][number]) => ({
  id: t.sourceId,
  date: t.bookingDate,
  amount: t.amount,
  currency: t.currency,
  description: t.description,
  line: t.line,
});

function summary(statement: Statement) {
  return {
    number: statement.account.number,
    iban: statement.account.iban,
    type: statement.account.name,
    currency: statement.account.currency,
    period: [statement.startDate, statement.endDate],
    opening: statement.opening,
    closing: statement.closing,
    movements: statement.transactions.length,
    first: movement(statement.transactions[0]!),
    last: movement(statement.transactions.at(-1)!),
  };
}

test('OFX 1.02 SGML checking statement: ledger balance, entities, check number, DTUSER as value date', () => {
  const result = parseBoth('checking-sgml-102.ofx');
  assert.deepEqual(result.issues, []);
  assert.equal(result.statements.length, 1);
  const [statement] = result.statements;
  assert.deepEqual(summary(statement!), {
    number: '4417220093',
    iban: null,
    type: 'CHECKING',
    currency: 'USD',
    period: ['2026-03-01', '2026-03-31'],
    // OFX bank statements state no opening balance.
    opening: null,
    closing: { amount: '3542.17', date: '2026-03-31' },
    movements: 4,
    // "2,310.45": a thousands separator.
    first: {
      id: '202603020001',
      date: '2026-03-02',
      amount: '2310.45',
      currency: 'USD',
      description: 'NORTHWIND TRADERS PAYROLL — Direct deposit',
      line: 43,
    },
    last: {
      id: '202603310004',
      date: '2026-03-31',
      amount: '-4.95',
      currency: 'USD',
      description: 'Monthly maintenance fee',
      line: 68,
    },
  });
  const [payroll, check, pos] = statement!.transactions;
  assert.equal(statement!.account.bankCode, '021000021');
  assert.equal(payroll!.valueDate, '2026-03-01');
  assert.deepEqual([check!.amount, check!.reference, check!.bankCode], ['-150', '1042', 'CHECK']);
  assert.equal(pos!.description, 'BARNES & NOBLE #2291 — Card purchase <contactless>');
  assert.equal(pos!.counterparty, 'BARNES & NOBLE #2291');
});

test('OFX 2.1.1 XML credit-card statement: CDATA, a movement in another currency', () => {
  const result = parseBoth('creditcard-xml-211.ofx');
  assert.deepEqual(result.issues, []);
  assert.equal(result.statements.length, 1);
  const [statement] = result.statements;
  assert.deepEqual(summary(statement!), {
    number: '4548812345677310',
    iban: null,
    type: 'CREDITCARD',
    currency: 'EUR',
    period: ['2026-03-01', '2026-03-31'],
    opening: null,
    closing: { amount: '0', date: '2026-03-31' },
    movements: 3,
    first: {
      id: 'CC-20260303-01',
      date: '2026-03-03',
      amount: '-38.6',
      currency: 'EUR',
      description: 'Librería & Papelería "El Sol" — Compra <online> ref. 99812',
      line: 21,
    },
    last: {
      id: 'CC-20260325-03',
      date: '2026-03-25',
      amount: '158.6',
      currency: 'EUR',
      description: 'PAGO RECIBIDO - GRACIAS',
      line: 37,
    },
  });
  // CURRENCY/CURSYM: this movement's amount is in dollars.
  assert.deepEqual(movement(statement!.transactions[1]!), {
    id: 'CC-20260317-02',
    date: '2026-03-17',
    amount: '-120',
    currency: 'USD',
    description: 'Vuelos Ibéricos S.A.',
    line: 29,
  });
});

test('an investment statement: trades with signed units and totals, positions, cash movements, SECLIST', () => {
  const result = parseBoth('investment-sgml.ofx');
  assert.deepEqual(result.issues, []);
  assert.equal(result.statements.length, 1);
  const [statement] = result.statements;
  assert.deepEqual(statement!.account, {
    number: 'Z77-410223',
    iban: null,
    currency: 'USD',
    name: 'INVESTMENT',
    bankCode: 'harborbrokerage.example',
    branchCode: null,
  });
  assert.deepEqual(statement!.investment, {
    brokerId: 'harborbrokerage.example',
    availableCash: '1034.85',
    asOf: '2026-03-31',
  });
  assert.deepEqual([statement!.startDate, statement!.endDate], ['2026-03-01', '2026-03-31']);
  assert.equal(statement!.closing, null);
  // INVBANKTRAN: the cash account's movements.
  assert.deepEqual(statement!.transactions.map(movement), [
    {
      id: 'C-0302-1',
      date: '2026-03-02',
      amount: '1000',
      currency: 'USD',
      description: 'ACH DEPOSIT FROM CHECKING',
      line: 91,
    },
    {
      id: 'C-0331-2',
      date: '2026-03-31',
      amount: '-2.5',
      currency: 'USD',
      description: 'ACCOUNT FEE',
      line: 101,
    },
  ]);
  assert.deepEqual(
    statement!.investmentTransactions!.map((t) => [
      t.sourceId,
      t.type,
      t.action,
      t.tradeDate,
      t.settleDate,
      t.security?.uniqueId,
      t.units,
      t.unitPrice,
      t.total,
      t.incomeType,
      t.line,
    ]),
    [
      [
        'T-0303-1',
        'BUYSTOCK',
        'buy',
        '2026-03-03',
        '2026-03-05',
        '000000AC1',
        '10',
        '42.5',
        '-429.95',
        null,
        33,
      ],
      // A sale's units leave the account: negative although the file writes them positive.
      [
        'T-0318-2',
        'SELLMF',
        'sell',
        '2026-03-18',
        '2026-03-19',
        '000000HB7',
        '-25.5',
        '18.2',
        '464.1',
        null,
        51,
      ],
      ['T-0325-3', 'INCOME', 'income', '2026-03-25', null, '000000AC1', null, null, '3.2', 'DIV', 67],
      [
        'T-0330-4',
        'REINVEST',
        'reinvest',
        '2026-03-30',
        null,
        '000000HB7',
        '0.7',
        '18.2',
        '-12.74',
        'CGLONG',
        78,
      ],
    ],
  );
  assert.equal(statement!.investmentTransactions![0]!.commission, '4.95');
  assert.equal(statement!.investmentTransactions![0]!.memo, 'Bought 10 ACME');
  assert.deepEqual(
    statement!.positions!.map((p) => [
      p.security.uniqueId,
      p.security.type,
      p.kind,
      p.units,
      p.unitPrice,
      p.marketValue,
      p.priceDate,
      p.heldIn,
      p.positionType,
    ]),
    [
      ['000000AC1', 'CUSIP', 'stock', '10', '43.1', '431', '2026-03-31', 'CASH', 'LONG'],
      ['000000HB7', 'CUSIP', 'fund', '74.2', '18.35', '1361.57', '2026-03-31', 'CASH', 'LONG'],
    ],
  );
  assert.deepEqual(
    result.securities!.map((s) => [s.id.uniqueId, s.kind, s.name, s.ticker, s.subtype, s.unitPrice, s.line]),
    [
      ['000000AC1', 'stock', 'Acme Widgets Corp. Class A', 'ACMW', 'COMMON', '43.1', 148],
      ['000000HB7', 'fund', 'Harbor Balanced Fund & Income', 'HBLFX', 'OPENEND', null, 158],
    ],
  );
});

test('three statements in one file: checking and savings (IBANs) and a credit card', () => {
  const result = parseBoth('three-statements-sgml.ofx');
  assert.deepEqual(result.issues, []);
  assert.equal(result.statements.length, 3);
  assert.equal(result.statements.flatMap((s) => s.transactions).length, 6);
  const [checking, savings, card] = result.statements.map(summary);
  assert.deepEqual(checking, {
    number: 'ES9121000418450200051332',
    iban: 'ES9121000418450200051332',
    type: 'CHECKING',
    currency: 'EUR',
    period: ['2026-04-01', '2026-04-30'],
    opening: null,
    closing: { amount: '2104.15', date: '2026-04-30' },
    movements: 3,
    // A decimal comma ("-56,30"), &amp; and a numeric character reference (&#8364;).
    first: {
      id: 'A-1',
      date: '2026-04-04',
      amount: '-56.3',
      currency: 'EUR',
      description: 'Supermercados Sol & Luna — Compra tarjeta 12,50€ + 43,80€',
      line: 22,
    },
    // The name inside PAYEE.
    last: {
      id: 'A-3',
      date: '2026-04-29',
      amount: '1950',
      currency: 'EUR',
      description: 'Gestoría Ruiz & Asociados — Nómina abril',
      line: 24,
    },
  });
  assert.deepEqual(
    [result.statements[0]!.account.bankCode, result.statements[0]!.account.branchCode],
    ['2100', '0813'],
  );
  assert.deepEqual(savings, {
    number: 'ES7921000813610123456789',
    iban: 'ES7921000813610123456789',
    type: 'SAVINGS',
    currency: 'EUR',
    period: ['2026-04-01', '2026-04-30'],
    opening: null,
    closing: { amount: '5300.87', date: '2026-04-30' },
    movements: 2,
    first: {
      id: 'B-1',
      date: '2026-04-15',
      amount: '300',
      currency: 'EUR',
      description: 'Traspaso desde cuenta corriente',
      line: 37,
    },
    last: {
      id: 'B-2',
      date: '2026-04-30',
      amount: '0.87',
      currency: 'EUR',
      description: 'Intereses abril',
      line: 38,
    },
  });
  assert.deepEqual(card, {
    number: '5540XXXXXXXX0421',
    iban: null,
    type: 'CREDITCARD',
    currency: 'EUR',
    period: ['2026-04-01', '2026-04-30'],
    opening: null,
    closing: { amount: '-89.99', date: '2026-04-30' },
    movements: 1,
    first: {
      id: 'C-1',
      date: '2026-04-22',
      amount: '-89.99',
      currency: 'EUR',
      description: 'Librería Gutenberg',
      line: 53,
    },
    last: {
      id: 'C-1',
      date: '2026-04-22',
      amount: '-89.99',
      currency: 'EUR',
      description: 'Librería Gutenberg',
      line: 53,
    },
  });
});

test('a refused statement and movements without a date or amount: one error each, at its line', () => {
  const result = parseBoth('refused-and-undated.ofx');
  assert.deepEqual(result.issues, [
    { severity: 'error', line: 36, message: 'transaction M-2 skipped: DTPOSTED "" is not a date' },
    { severity: 'error', line: 43, message: 'transaction M-3 skipped: TRNAMT "12.5O" is not an amount' },
    { severity: 'error', line: 56, message: 'statement refused: ERROR 2003 (Account 88120046 not found)' },
  ]);
  // Only the readable movement of the first statement; the refused one has no statement.
  assert.equal(result.statements.length, 1);
  assert.deepEqual(summary(result.statements[0]!), {
    number: '88120045',
    iban: null,
    type: 'CHECKING',
    currency: 'CAD',
    period: ['2026-05-01', '2026-05-31'],
    opening: null,
    closing: { amount: '475', date: '2026-05-31' },
    movements: 1,
    first: {
      id: 'M-1',
      date: '2026-05-07',
      amount: '-25',
      currency: 'CAD',
      description: 'Hydro bill',
      line: 29,
    },
    last: {
      id: 'M-1',
      date: '2026-05-07',
      amount: '-25',
      currency: 'CAD',
      description: 'Hydro bill',
      line: 29,
    },
  });
});
