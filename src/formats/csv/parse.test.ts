// The CSV reader on the shapes bank exports take: cell formats, balances in either row order,
// streaming in pieces giving the same result as reading whole.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collector, withBalanceCheck } from '../stream.ts';
import { CsvParser, parseCsv } from './parse.ts';
import { csvAmount, csvDate } from './values.ts';

test('cells: dates in every common shape, amounts with any separators and signs', () => {
  assert.equal(csvDate('22.02.18', 'dmy'), '2018-02-22');
  assert.equal(csvDate('9/4/2018', 'mdy'), '2018-09-04');
  assert.equal(csvDate('27 Feb 2018', 'mdy'), '2018-02-27');
  assert.equal(csvDate('23-Jan-15', 'dmy'), '2015-01-23');
  assert.equal(csvDate('2019.04.19.', 'dmy'), '2019-04-19');
  assert.equal(csvDate('2018-02-25 12:34:56 +0000', 'dmy'), '2018-02-25');
  assert.equal(csvDate('31/02/2026', 'dmy'), null);
  assert.equal(csvAmount('1.234,56', ','), '1234.56');
  assert.equal(csvAmount("11'373.94", '.'), '11373.94');
  assert.equal(csvAmount('- $220.00', '.'), '-220');
  assert.equal(csvAmount('+ £1,100.00', '.'), '1100');
  assert.equal(csvAmount('(12.50)', '.'), '-12.5');
  assert.equal(csvAmount('12,00-', ','), '-12');
  assert.equal(csvAmount('1.234 EUR', ','), '1234');
  assert.equal(csvAmount('abc', '.'), null);
});

test('balances: the row order that makes them agree with the movements, newest first or oldest first', () => {
  const newestFirst = parseCsv(
    'Date,Description,Amount,Balance\n2026-03-02,Rent,-800.00,200.00\n2026-03-02,Salary,1000.00,1000.00\n',
  );
  assert.deepEqual(
    [newestFirst.statements[0]!.opening?.amount, newestFirst.statements[0]!.closing?.amount],
    ['0', '200'],
  );
  assert.deepEqual(
    newestFirst.issues.filter((i) => i.message.includes('balance')),
    [],
  );
  const oldestFirst = parseCsv(
    'Date,Description,Amount,Balance\n2026-03-01,Salary,1000.00,1000.00\n2026-03-02,Rent,-800.00,200.00\n',
  );
  assert.deepEqual(
    [oldestFirst.statements[0]!.opening?.amount, oldestFirst.statements[0]!.closing?.amount],
    ['0', '200'],
  );
});

test('written in small pieces (quotes and CRLF cut anywhere) it reads the same as whole', () => {
  const rows = Array.from(
    { length: 3000 },
    (_, i) => `${String((i % 28) + 1).padStart(2, '0')}.03.2026;"Pago ${i}; ""tienda""\r\nlínea 2";-${i},50`,
  );
  const text = `Fecha;Concepto;Importe\r\n${rows.join('\r\n')}\r\n`;
  const whole = parseCsv(text);
  const { sink, result } = collector('csv');
  const parser = new CsvParser(withBalanceCheck(sink));
  for (let i = 0; i < text.length; i += 777) parser.write(text.slice(i, i + 777));
  parser.close();
  assert.equal(whole.statements[0]!.transactions.length, 3000);
  assert.deepEqual(result.statements, whole.statements);
  assert.equal(result.statements[0]!.transactions[5]!.description, 'Pago 5; "tienda"\r\nlínea 2');
  assert.equal(result.statements[0]!.transactions[5]!.amount, '-5.5');
});

test('rows with quotes inside unquoted cells (read by csv-parse) stream the same as whole', () => {
  const rows = Array.from(
    { length: 2000 },
    (_, i) => `${String((i % 28) + 1).padStart(2, '0')}.03.2026;Pago "raro" ${i};"Tienda ""${i}""";-${i},25`,
  );
  const text = `Fecha;Concepto;Payee;Importe\n${rows.join('\n')}\n`;
  const whole = parseCsv(text);
  const { sink, result } = collector('csv');
  const parser = new CsvParser(withBalanceCheck(sink));
  for (let i = 0; i < text.length; i += 1000) parser.write(text.slice(i, i + 1000));
  parser.close();
  assert.equal(whole.statements[0]!.transactions.length, 2000);
  assert.deepEqual(result.statements, whole.statements);
  assert.equal(whole.statements[0]!.transactions[7]!.description, 'Pago "raro" 7');
  assert.equal(whole.statements[0]!.transactions[7]!.counterparty, 'Tienda "7"');
  assert.equal(whole.statements[0]!.transactions[7]!.line, 9);
});

test('the date order is read from more rows when the first 64 KB leave it open, up to 4 MB', () => {
  // Rows dated on days 1–12 fit day-first and month-first; one row dated the 25th settles it.
  const rows = (count: number) =>
    Array.from(
      { length: count },
      (_, i) => `${String((i % 12) + 1).padStart(2, '0')}/03/2026,Shop ${i},-1.50`,
    );
  const file = (count: number) =>
    `Date,Description,Amount\n${rows(count).join('\n')}\n25/03/2026,Rent,-800.00\n`;
  const settled = file(5000); // ≈ 150 KB before the 25th
  for (const pieces of [1, 40]) {
    const { sink, result } = collector('csv');
    const parser = new CsvParser(withBalanceCheck(sink));
    const size = Math.ceil(settled.length / pieces);
    for (let i = 0; i < settled.length; i += size) parser.write(settled.slice(i, i + size));
    parser.close();
    assert.equal(parser.layout?.ok && parser.layout.layout.dateOrder, 'dmy', `${pieces} pieces`);
    assert.equal(result.statements[0]!.transactions.length, 5001);
    assert.equal(result.statements[0]!.transactions[1]!.bookingDate, '2026-03-02');
  }
  // Beyond 4 MB of rows the import asks instead of reading further.
  const open = parseCsv(file(150_000));
  assert.equal(open.statements.length, 0);
  assert.match(open.issues[0]!.message, /csv_mapping\.date_order/);
});
