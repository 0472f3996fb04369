// QIF investment sections: trades become investment transactions with their direction taken from
// the action (QIF amounts are unsigned), cash-only actions stay movements, and "!Type:Security"
// gives the securities list. Bank sections are covered by the shared corpus.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseQif } from './parse.ts';

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
