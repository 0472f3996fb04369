// QIF investment sections: trades become investment transactions with their direction taken from
// the action (QIF amounts are unsigned), cash-only actions stay movements, and "!Type:Security"
// gives the securities list. Then the project's own fixtures (./fixtures): a bank section with
// day/month dates and splits, a card section with month/day dates in Quicken's 3/ 2'26 form, bank
// and investment sections of two accounts in one file, and dates that fit no single order. Each is
// read through the QIF parser and through parseStatementFile, which must detect the format.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { decodeStatementBytes } from '../decode.ts';
import { parseStatementFile } from '../index.ts';
import type { ParseResult, Statement } from '../statement.ts';
import { collector, withBalanceCheck, withValueChecks } from '../stream.ts';
import { parseQif, QifParser } from './parse.ts';

const file = `!Type:Security
NVanguard 500 Index
SVFIAX
TMutual Fund
^
NApple Inc
SAAPL
TStock
^
!Account
NBrokerage
TInvst
^
!Type:Invst
D03/02/2026
NXIn
T5,000.00
PTransfer from checking
^
D03/03/2026
NBuy
YApple Inc
I225.00
Q10
T2,254.95
O4.95
^
D03/20/2026
NSell
YApple Inc
I240.00
Q4
T955.05
O4.95
^
D03/25/2026
NDiv
YApple Inc
T2.50
^
D03/28/2026
NReinvDiv
YVanguard 500 Index
I510.20
Q0.125
T63.78
^
D03/30/2026
NShrsIn
YVanguard 500 Index
Q12
^
D03/31/2026
NXOut
T100.00
PTo checking
^
`;

test('an Invst section: trades with their direction from the action, cash actions as movements', () => {
  const result = parseQif(file);
  assert.deepEqual(
    result.issues.filter((i) => i.severity === 'error'),
    [],
  );
  const [statement] = result.statements;
  assert.equal(statement!.account.number, 'Brokerage');
  assert.ok(statement!.investment, 'an investment statement');
  assert.deepEqual(
    statement!.transactions.map((t) => [t.bookingDate, t.amount, t.description]),
    [
      ['2026-03-02', '5000', 'Transfer from checking'],
      ['2026-03-31', '-100', 'To checking'],
    ],
  );
  assert.deepEqual(
    statement!.investmentTransactions!.map((t) => [
      t.type,
      t.action,
      t.tradeDate,
      t.security?.uniqueId,
      t.units,
      t.total,
      t.incomeType,
    ]),
    [
      ['Buy', 'buy', '2026-03-03', 'Apple Inc', '10', '-2254.95', null],
      ['Sell', 'sell', '2026-03-20', 'Apple Inc', '-4', '955.05', null],
      ['Div', 'income', '2026-03-25', 'Apple Inc', null, '2.5', 'DIV'],
      ['ReinvDiv', 'reinvest', '2026-03-28', 'Vanguard 500 Index', '0.125', '-63.78', 'DIV'],
      ['ShrsIn', 'transfer', '2026-03-30', 'Vanguard 500 Index', '12', null, null],
    ],
  );
  assert.equal(statement!.investmentTransactions![0]!.commission, '4.95');
  assert.deepEqual(
    result.securities!.map((s) => [s.name, s.ticker, s.kind]),
    [
      ['Vanguard 500 Index', 'VFIAX', 'fund'],
      ['Apple Inc', 'AAPL', 'stock'],
    ],
  );
});

test('a bank section is unchanged by the investment rules: the amount keeps its own sign', () => {
  const result = parseQif('!Type:Bank\nD01/05/2026\nT-12.50\nPCAFE\nNBuy\n^\n');
  assert.deepEqual(
    result.statements[0]!.transactions.map((t) => [t.amount, t.description, t.reference]),
    [['-12.5', 'CAFE', 'Buy']],
  );
  assert.equal(result.statements[0]!.investment, undefined);
});

// ─── the fixtures ───────────────────────────────────────────────────────────────────────────────

const fixture = (name: string) =>
  new Uint8Array(fs.readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));

const NO_CURRENCY = {
  severity: 'warning',
  line: null,
  message: 'QIF carries no currency and no balances (currency XXX until one is given)',
} as const;

/** The file read by the QIF parser and by format detection, which must agree. */
function parseBoth(name: string): ParseResult {
  const bytes = fixture(name);
  const { text } = decodeStatementBytes(bytes);
  const direct = parseQif(text);
  const detected = parseStatementFile(bytes);
  assert.equal(detected?.format, 'qif', `${name}: detected as QIF`);
  assert.deepEqual(detected, direct, `${name}: same result both ways`);
  // Written in 4-character pieces (lines and CRLFs cut anywhere) it reads the same.
  const { sink, result } = collector('qif');
  const parser = new QifParser(withValueChecks(withBalanceCheck(sink)));
  for (let i = 0; i < text.length; i += 4) parser.write(text.slice(i, i + 4));
  parser.close();
  assert.deepEqual(result, direct, `${name}: same result read in pieces`);
  return direct;
}

const movement = (t: Statement['transactions'][number]) => ({
  date: t.bookingDate,
  amount: t.amount,
  description: t.description,
  category: t.bankCode,
  line: t.line,
});

test('fixture: a bank section with day/month dates, thousands separators and splits', () => {
  const result = parseBoth('bank-dmy.qif');
  assert.deepEqual(result.issues, [NO_CURRENCY]);
  assert.equal(result.statements.length, 1);
  const [statement] = result.statements;
  // The !Account block names the account; QIF has no balances and no currency.
  assert.deepEqual(statement!.account, {
    number: 'Cuenta Nómina',
    iban: null,
    currency: 'XXX',
    name: 'Cuenta Nómina',
    bankCode: null,
    branchCode: null,
  });
  assert.deepEqual([statement!.opening, statement!.closing], [null, null]);
  assert.equal(statement!.investment, undefined);
  // 14/03 and 28/03 settle the order: day first.
  assert.deepEqual(statement!.transactions.map(movement), [
    {
      date: '2026-03-02',
      amount: '-1045.2',
      description: 'Comunidad de Propietarios Río Tajo — Cuota trimestral',
      category: 'Vivienda:Comunidad',
      line: 6,
    },
    {
      date: '2026-03-05',
      amount: '2480',
      description: 'Estudio Gráfico Norte SL — Nómina febrero',
      category: 'Salario',
      line: 13,
    },
    // A split record stays one movement of its total; the first category is the record's own.
    {
      date: '2026-03-14',
      amount: '-86.45',
      description: 'Hipermercado El Faro',
      category: 'Comida',
      line: 19,
    },
    {
      date: '2026-03-28',
      amount: '-9.99',
      description: 'MusicStream — Suscripción mensual',
      category: null,
      line: 28,
    },
  ]);
  // The check number.
  assert.equal(statement!.transactions[0]!.reference, '1043');
});

test("fixture: a card section with month/day dates written 3/ 2'26", () => {
  const result = parseBoth('card-mdy.qif');
  assert.deepEqual(result.issues, [NO_CURRENCY]);
  assert.equal(result.statements.length, 1);
  const [statement] = result.statements;
  // No !Account block: the account is called QIF.
  assert.equal(statement!.account.number, 'QIF');
  assert.equal(statement!.account.currency, 'XXX');
  assert.deepEqual(statement!.transactions.map(movement), [
    { date: '2026-03-02', amount: '-42.17', description: 'CORNER BAKERY #118', category: 'Dining', line: 2 },
    {
      date: '2026-03-15',
      amount: '-1299',
      description: 'ELECTRO WORLD — Laptop',
      category: 'Computer',
      line: 7,
    },
    { date: '2026-03-28', amount: '500', description: 'PAYMENT - THANK YOU', category: null, line: 13 },
    { date: '2026-04-01', amount: '-18.5', description: 'CITY PARKING', category: 'Auto:Parking', line: 17 },
  ]);
});

test('fixture: a bank and an investment account in one file, with their securities list', () => {
  const result = parseBoth('investment.qif');
  assert.deepEqual(result.issues, [NO_CURRENCY]);
  assert.equal(result.statements.length, 2);
  const [bank, broker] = result.statements;
  assert.equal(bank!.account.number, 'Cheque Account');
  assert.equal(bank!.investment, undefined);
  assert.deepEqual(bank!.transactions.map(movement), [
    {
      date: '2026-05-02',
      amount: '-2000',
      description: 'Transfer to Broker Plus',
      category: '[Broker Plus]',
      line: 24,
    },
    { date: '2026-05-20', amount: '1250.75', description: 'Invoice 2026-31', category: null, line: 29 },
  ]);
  assert.equal(broker!.account.number, 'Broker Plus');
  assert.deepEqual(broker!.investment, { brokerId: null, availableCash: null, asOf: null });
  // Cash-only actions are movements, their sign from the action (XIn in, MiscExp out).
  assert.deepEqual(broker!.transactions.map(movement), [
    {
      date: '2026-05-02',
      amount: '2000',
      description: 'Transfer from Cheque Account',
      category: '[Cheque Account]',
      line: 38,
    },
    { date: '2026-05-29', amount: '-4.5', description: 'Custody fee', category: null, line: 64 },
  ]);
  assert.deepEqual(
    broker!.investmentTransactions!.map((t) => [
      t.type,
      t.action,
      t.tradeDate,
      t.security?.uniqueId,
      t.units,
      t.unitPrice,
      t.total,
      t.commission,
      t.incomeType,
      t.line,
    ]),
    [
      ['Buy', 'buy', '2026-05-06', 'Harbor Shipping ASA', '100', '14.3', '-1439.9', '9.9', null, 44],
      ['Div', 'income', '2026-05-15', 'Harbor Shipping ASA', null, null, '35', null, 'DIV', 52],
      ['Sell', 'sell', '2026-05-22', 'Nordic Index Fund', '-2.5', '101.25', '253.13', null, null, 57],
    ],
  );
  assert.deepEqual(
    result.securities!.map((s) => [s.name, s.ticker, s.kind, s.subtype, s.line]),
    [
      ['Nordic Index Fund', 'NIF', 'fund', 'Mutual Fund', 11],
      ['Harbor Shipping ASA', 'HSHIP', 'stock', 'Stock', 15],
    ],
  );
});

test('fixture: dates that fit no single day/month order are an error at the record that breaks it', () => {
  const result = parseBoth('mixed-date-orders.qif');
  assert.deepEqual(result.issues, [
    { severity: 'error', line: 10, message: 'the dates cannot all be read in one day/month/year order' },
    NO_CURRENCY,
  ]);
  // 13/02 had settled day first; 02/14 cannot be read that way and is not imported.
  assert.deepEqual(
    result.statements[0]!.transactions.map((t) => [t.bookingDate, t.amount, t.line]),
    [
      ['2026-02-01', '-5', 2],
      ['2026-02-13', '-7.5', 6],
    ],
  );
});
