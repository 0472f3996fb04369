// The CSV reader on the shapes bank exports take: cell formats, balances in either row order,
// streaming in pieces giving the same result as reading whole. Then the project's own fixtures
// (./fixtures): comma-separated with month/day dates, semicolons with a decimal comma in
// Windows-1252, separate debit and credit columns, a preamble before the header, and a file that
// needs a csv_mapping. Each is read through the CSV parser and through parseStatementFile, which
// must detect the format.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { decodeStatementBytes } from '../decode.ts';
import { parseStatementFile } from '../index.ts';
import type { ParseResult, Statement } from '../statement.ts';
import { collector, withBalanceCheck } from '../stream.ts';
import type { CsvMapping } from './layout.ts';
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

// ─── the fixtures ───────────────────────────────────────────────────────────────────────────────

const fixture = (name: string) =>
  new Uint8Array(fs.readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));

/** The file read by the CSV parser and by format detection, which must agree. */
function parseBoth(name: string, mapping: CsvMapping = {}): ReturnType<typeof parseCsv> {
  const bytes = fixture(name);
  const { text } = decodeStatementBytes(bytes);
  const direct = parseCsv(text, mapping);
  const detected = parseStatementFile(bytes, { csvMapping: mapping });
  assert.equal(detected?.format, 'csv', `${name}: detected as CSV`);
  assert.deepEqual(detected.statements, direct.statements, `${name}: same statements both ways`);
  assert.deepEqual(detected.issues, direct.issues, `${name}: same issues both ways`);
  // Written in 3-character pieces (quotes and CRLFs cut anywhere) it reads the same.
  const { sink, result } = collector('csv');
  const parser = new CsvParser(withBalanceCheck(sink), mapping);
  for (let i = 0; i < text.length; i += 3) parser.write(text.slice(i, i + 3));
  parser.close();
  assert.deepEqual(result, {
    format: 'csv',
    statements: direct.statements,
    issues: direct.issues,
  } satisfies ParseResult);
  return direct;
}

const movement = (t: Statement['transactions'][number]) => ({
  date: t.bookingDate,
  amount: t.amount,
  description: t.description,
  line: t.line,
});

function summary(statement: Statement) {
  return {
    number: statement.account.number,
    currency: statement.account.currency,
    period: [statement.startDate, statement.endDate],
    opening: statement.opening,
    closing: statement.closing,
    movements: statement.transactions.length,
    first: movement(statement.transactions[0]!),
    last: movement(statement.transactions.at(-1)!),
  };
}

test('fixture: comma-separated, month/day dates, quoted cells, a balance and an id column', () => {
  const result = parseBoth('comma-us.csv');
  assert.deepEqual(result.issues, []);
  assert.ok(result.layout?.ok);
  assert.deepEqual(
    [result.layout.layout.delimiter, result.layout.layout.dateOrder, result.layout.layout.decimal],
    [',', 'mdy', '.'],
  );
  assert.equal(result.statements.length, 1);
  const [statement] = result.statements;
  assert.deepEqual(summary(statement!), {
    // No account or currency column.
    number: 'CSV',
    currency: 'XXX',
    period: ['2026-03-01', '2026-03-31'],
    // The oldest row's balance minus its movement; the newest row's balance.
    opening: { amount: '2810', date: '2026-03-01' },
    closing: { amount: '3052.32', date: '2026-03-31' },
    movements: 5,
    first: { date: '2026-03-01', amount: '2310.45', description: 'PAYROLL NORTHWIND TRADERS', line: 2 },
    last: { date: '2026-03-31', amount: '-4.95', description: 'MONTHLY MAINTENANCE FEE', line: 6 },
  });
  assert.deepEqual(
    statement!.transactions.map((t) => [t.sourceId, t.description]),
    [
      ['TX-0301-01', 'PAYROLL NORTHWIND TRADERS'],
      ['TX-0304-02', 'CHECK #1042'],
      ['TX-0314-03', 'BARNES & NOBLE #2291, SEATTLE'],
      ['TX-0320-04', 'RENT - "HARBOR VIEW" APTS'],
      ['TX-0331-05', 'MONTHLY MAINTENANCE FEE'],
    ],
  );
});

test('fixture: semicolons and a decimal comma in Windows-1252, newest row first, a currency column', () => {
  assert.equal(decodeStatementBytes(fixture('semicolon-decimal-comma.csv')).encoding, 'windows-1252');
  const result = parseBoth('semicolon-decimal-comma.csv');
  assert.deepEqual(result.issues, []);
  assert.ok(result.layout?.ok);
  assert.deepEqual(
    [result.layout.layout.delimiter, result.layout.layout.dateOrder, result.layout.layout.decimal],
    [';', 'dmy', ','],
  );
  const [statement] = result.statements;
  assert.deepEqual(summary(statement!), {
    number: 'CSV',
    currency: 'EUR',
    period: ['2026-04-03', '2026-04-30'],
    // Newest first: the opening balance comes from the last row.
    opening: { amount: '725.02', date: '2026-04-03' },
    closing: { amount: '2410.15', date: '2026-04-30' },
    movements: 4,
    first: { date: '2026-04-30', amount: '1875.4', description: 'NÓMINA ABRIL ESTUDIO SÁNCHEZ', line: 2 },
    last: { date: '2026-04-03', amount: '-60', description: 'REINTEGRO CAJERO C/ ALCALÁ 120', line: 5 },
  });
  // A value date column; a quoted semicolon.
  assert.deepEqual(
    [statement!.transactions[1]!.valueDate, statement!.transactions[2]!.description],
    ['2026-04-21', 'RECIBO LUZ; IBERDROLA'],
  );
});

test('fixture: separate paid-out and paid-in columns, named-month dates', () => {
  const result = parseBoth('debit-credit.csv');
  assert.deepEqual(result.issues, []);
  assert.ok(result.layout?.ok);
  assert.deepEqual(
    [result.layout.layout.amount, result.layout.layout.debit, result.layout.layout.credit],
    [null, 3, 4],
  );
  assert.deepEqual(summary(result.statements[0]!), {
    number: 'CSV',
    currency: 'XXX',
    period: ['2026-03-02', '2026-03-27'],
    opening: { amount: '1500', date: '2026-03-02' },
    closing: { amount: '456.61', date: '2026-03-27' },
    movements: 4,
    // Paid out is money out: negative.
    first: { date: '2026-03-02', amount: '-19.99', description: 'NORTHERN TELECOM PLC', line: 2 },
    last: { date: '2026-03-27', amount: '-1250', description: 'RENT UNIT 4', line: 5 },
  });
  assert.equal(result.statements[0]!.transactions[1]!.amount, '230');
});

test('fixture: a preamble before the header and a balance line after the table', () => {
  const result = parseBoth('preamble-semicolon.csv');
  // The preamble is skipped silently; the closing line has another width: a warning at its line.
  assert.deepEqual(result.issues, [
    {
      severity: 'warning',
      line: 14,
      message: 'row skipped: 2 fields where the table has 6 (a summary or preamble line)',
    },
  ]);
  assert.ok(result.layout?.ok);
  assert.deepEqual(
    [result.layout.layout.skipRows, result.layout.layout.header?.[0], result.layout.layout.dateOrder],
    [6, 'Buchungstag', 'dmy'],
  );
  const [statement] = result.statements;
  assert.deepEqual(summary(statement!), {
    number: 'CSV',
    currency: 'EUR',
    period: ['2026-03-02', '2026-03-31'],
    // No balance column.
    opening: null,
    closing: null,
    movements: 7,
    first: { date: '2026-03-02', amount: '-1250', description: 'Miete Ladenlokal März 2026', line: 7 },
    last: { date: '2026-03-31', amount: '-47', description: 'Kontoführung 03/2026', line: 13 },
  });
  assert.deepEqual(
    statement!.transactions.map((t) => t.counterparty),
    [
      'Immobilien Weber GmbH',
      'Mühle Schneider KG',
      'Kartenzahlungen',
      'Hotel Am Stadtpark',
      'Stadtwerke Köln GmbH',
      'Finanzamt Köln-Mitte',
      null,
    ],
  );
  assert.equal(statement!.transactions[2]!.amount, '2145.6');
});

test('fixture: no header and three amount columns: refused with a suggestion, read with a csv_mapping', () => {
  const refused = parseBoth('needs-mapping.csv');
  assert.equal(refused.statements.length, 0);
  assert.deepEqual(refused.issues, [
    {
      severity: 'error',
      line: null,
      message:
        'several columns hold amounts (2, 3, 4): say which in csv_mapping.amount, or debit and credit; pass a csv_mapping to import this file',
      csv: { suggestion: { delimiter: ';', header: false, date: 0 }, columns: null },
    },
  ]);
  const mapped = parseBoth('needs-mapping.csv', { debit: 2, credit: 3, balance: 4, currency_code: 'EUR' });
  assert.deepEqual(mapped.issues, []);
  assert.deepEqual(summary(mapped.statements[0]!), {
    number: 'CSV',
    currency: 'EUR',
    period: ['2026-05-12', '2026-05-27'],
    opening: { amount: '12000', date: '2026-05-12' },
    closing: { amount: '10916.45', date: '2026-05-27' },
    movements: 4,
    first: { date: '2026-05-12', amount: '-980', description: 'Milchhof Berger', line: 1 },
    last: { date: '2026-05-27', amount: '-42', description: 'Gemeinde Hallstatt', line: 4 },
  });
  assert.equal(mapped.statements[0]!.transactions[1]!.amount, '248.6');
});
