// Every file of the shared statement corpus parsed and checked against what EXPECTED.json says it
// must give: statement and transaction counts, balances, currency, first and last transaction.
// Formats whose parser is not written yet are listed, not tested. The corpus is never copied into
// the project (its files carry other licences; each parser has fixtures of its own beside it): it
// is STATEMENTS_DIR when that is set, else `shared/statements` beside the repository. `npm test`
// runs this file as a suite of its own when it finds the corpus; without one this file declares a
// single skipped test, and with a STATEMENTS_DIR that holds no EXPECTED.json, a failing one.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { CamtParser, parseCamt } from '../../src/formats/camt/parse.ts';
import type { CsvMapping } from '../../src/formats/csv/layout.ts';
import { CsvParser, parseCsv } from '../../src/formats/csv/parse.ts';
import { decodeStatementBytes } from '../../src/formats/decode.ts';
import { Mt940Parser, parseMt940 } from '../../src/formats/mt940/parse.ts';
import { Norma43Parser, parseNorma43 } from '../../src/formats/norma43/parse.ts';
import { OfxParser, parseOfx } from '../../src/formats/ofx/parse.ts';
import { parseQif, QifParser } from '../../src/formats/qif/parse.ts';
import { type ParseResult, sumAmounts } from '../../src/formats/statement.ts';
import { collector, type ParserFactory, parseWhole, withBalanceCheck } from '../../src/formats/stream.ts';
import { corpusFiles, corpusLocation } from './location.ts';

const { corpus, given, place } = corpusLocation();

if (!corpus && given)
  test('the shared statement corpus', () =>
    assert.fail(`STATEMENTS_DIR=${given} holds no EXPECTED.json: it is not the statement corpus`));
else if (!corpus)
  test('the shared statement corpus', {
    skip: `no corpus at ${place}: set STATEMENTS_DIR to run it`,
  }, () => {});

/** A suite over the corpus, declared only when there is one (never a run of skipped or empty tests). */
function corpusSuite(name: string, body: (dir: string, files: Record<string, unknown>) => void): void {
  if (!corpus) return;
  describe(name, () => body(corpus, corpusFiles(corpus)));
}

/**
 * Where Tesoro deliberately differs from the value EXPECTED.json took from a peer library, and why.
 * The test then asserts Tesoro's value instead.
 */
const differences: Record<
  string,
  { expected: Partial<Expected> & { closing_balance?: string | null }; why: string }
> = {
  'n43/sequra-norma43_parser/example2.n43': {
    expected: { closing_balance: null },
    why:
      'the file ends after its last movement, with no 33 record; the peer reports the opening balance as ' +
      'the closing one, but the movements add 342.78, so Tesoro reports it unknown (with a warning)',
  },
  'ofx/reubano-csv2ofx/converted/default_w_splits.ofx': {
    expected: { statements: 16, transactions: 16 },
    why:
      'the file holds only 8 intrabank transfer responses (INTRARS), which the peer counts as transfers; ' +
      'Tesoro reads each as a movement out of its from-account and one into its to-account (docs/imports.md)',
  },
  'mt940/wolph-mt940/ASNB/mt940_with_spaces_for_entry_date.txt': {
    expected: {
      transactions: 8,
      per_statement: [{ transactions: 1, opening_balance: '444.29', closing_balance: '379.29' }],
      first_transaction: { date: '2020-01-01', amount: '-65.00' },
      last_transaction: { date: '2020-01-31', amount: '-903.76' },
    },
    why:
      'two :61: lines have four spaces instead of an entry date; the peer drops them, Tesoro keeps them, ' +
      'and only then do the statements balance (444.29 − 65.00 = 379.29)',
  },
  'mt940/wolph-mt940/betterplace/amount_formats.sta': {
    expected: { opening_balance: '380115.12' },
    why:
      'six :60F: lines in one statement; the peer keeps the last, Tesoro the first, as the corpus ' +
      'own counting rule says (opening = first :60F:)',
  },
  'mt940/wolph-mt940/citi/mt940.txt': {
    expected: { transactions: 5 },
    why:
      'the count of 0 comes from a peer that rejects the "DD" mark with a funds code; the five movements ' +
      'take the opening 17,376.67 to the closing 16,233.92 exactly',
  },
  'qif/OCA-bank-statement-import/16.0/account_statement_import_qif/test_qif.qif': {
    expected: { closing_balance: null },
    why: 'QIF has no balances; the peer reports the sum of the lines as the closing balance, Tesoro reports none',
  },
  'ofx/asgrim-ofxparser/ofxdata-banking-xml200.ofx': {
    expected: { malformed: true, discarded_entries: 1, transactions: 0 },
    why:
      'its only transaction has an empty DTPOSTED; the peer keeps it undated, Tesoro reports it as an ' +
      'error (a movement without a date cannot be placed), so the file is refused rather than half-read',
  },
};

/** The parser of each corpus format written so far. */
const parsers: Record<string, (bytes: Uint8Array) => ParseResult> = {
  n43: (bytes) => parseNorma43(decodeStatementBytes(bytes).text),
  ofx: (bytes) => parseOfx(decodeStatementBytes(bytes).text),
  mt940: (bytes) => parseMt940(decodeStatementBytes(bytes).text),
  mt942: (bytes) => parseMt940(decodeStatementBytes(bytes).text),
  camt052: (bytes) => parseCamt(decodeStatementBytes(bytes).text),
  camt053: (bytes) => parseCamt(decodeStatementBytes(bytes).text),
  camt054: (bytes) => parseCamt(decodeStatementBytes(bytes).text),
  qif: (bytes) => parseQif(decodeStatementBytes(bytes).text),
};

interface Expected {
  format: string;
  statements?: number;
  transactions?: number;
  opening_balance?: string;
  closing_balance?: string | null;
  currency?: string;
  first_transaction?: ExpectedTransaction;
  last_transaction?: ExpectedTransaction;
  per_statement?: Array<{
    transactions?: number;
    invtran?: number;
    opening_balance?: string;
    closing_balance?: string | null;
  }>;
  /** Broken on purpose: `transactions` is what a lenient parser keeps, `discarded_entries` what it drops. */
  malformed?: boolean;
  discarded_entries?: number;
  /** A server error response (OFX STATUS / signon). */
  status?: { code: number };
  signon?: { code: number };
  investment_transactions?: number;
  positions?: number;
  securities?: number;
  counted_values_where_different?: Partial<Expected>;
  /** QIF: one date the peer asserts (the file's own dates are given raw, their order unknown). */
  asserted_line?: { date?: string };
}

/** A movement, or (OFX investment statements) a trade: id, action or type, total, units, trade date. */
interface ExpectedTransaction {
  date?: string | null;
  date_raw?: string;
  amount: string;
  id?: string;
  action?: string;
  type?: string;
  total?: string;
  units?: string;
  trade_date?: string;
  tferaction?: string;
  fitid?: string;
}

const same = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && sumAmounts([a, `-${b}`.replace('--', '')]) === '0';

function check(result: ParseResult, expected: Expected): void {
  const statements = result.statements;
  const transactions = statements.flatMap((s) => s.transactions);
  const errors = result.issues.filter((i) => i.severity === 'error');
  const refused = (expected.status?.code ?? 0) !== 0 || (expected.signon?.code ?? 0) !== 0;
  if (expected.malformed)
    assert.equal(errors.length, expected.discarded_entries ?? 0, 'each bad entry is an error');
  else if (refused) assert.ok(errors.length > 0, 'a refusal by the server is an error');
  else assert.deepEqual(errors, [], 'no errors');
  if (expected.statements !== undefined) assert.equal(statements.length, expected.statements, 'statements');
  if (expected.transactions !== undefined)
    assert.equal(transactions.length, expected.transactions, 'transactions');
  // The corpus gives camt files the currency of their entries (an account may be kept in another).
  const currency =
    result.format === 'camt'
      ? (transactions[0]?.currency ?? statements[0]?.account.currency)
      : statements[0]?.account.currency;
  if (expected.currency) assert.equal(currency, expected.currency, 'currency');
  // With several statements, per_statement (counted) is the reference; top-level balances are a peer's.
  if (expected.opening_balance !== undefined && !expected.per_statement)
    assert.ok(
      same(statements[0]?.opening?.amount, expected.opening_balance),
      `opening ${statements[0]?.opening?.amount}`,
    );
  if (expected.closing_balance === null) assert.equal(statements.at(-1)?.closing, null, 'closing unknown');
  else if (expected.closing_balance !== undefined)
    assert.ok(
      same(statements.at(-1)?.closing?.amount, expected.closing_balance),
      `closing ${statements.at(-1)?.closing?.amount}`,
    );
  checkInvestments(result, expected);
  if (expected.asserted_line?.date && result.format === 'qif')
    assert.equal(
      transactions[0]?.bookingDate,
      expected.asserted_line.date,
      'date order worked out from the whole file',
    );
  // A malformed file's first/last entries are the raw (rejected) ones.
  if (expected.malformed) return;
  for (const [which, t] of [
    ['first', transactions[0]],
    ['last', transactions.at(-1)],
  ] as const) {
    const want = which === 'first' ? expected.first_transaction : expected.last_transaction;
    // Investment files name their first trade instead (id, total): nothing dated to compare. QIF
    // dates come raw (date_raw): only the amount is compared, the order is checked by asserted_line.
    if (!want?.date && !want?.date_raw) continue;
    if (want.date) {
      // The corpus dates an MT940 movement by its :61: value date, the others by their booking date.
      const date = result.format === 'mt940' ? t?.valueDate : t?.bookingDate;
      assert.equal(date, want.date, `${which} transaction date`);
    }
    const amount = want.amount.replaceAll(',', '');
    assert.ok(same(t?.amount, amount), `${which} transaction amount ${t?.amount} ≠ ${amount}`);
    if (want.fitid) assert.equal(t?.sourceId, want.fitid, `${which} transaction FITID`);
    if (want.type && result.format === 'ofx' && !expected.investment_transactions)
      assert.equal(t?.bankCode?.toLowerCase(), want.type.toLowerCase(), `${which} transaction TRNTYPE`);
  }
  expected.per_statement?.forEach((want, index) => {
    const statement = statements[index]!;
    if (want.transactions !== undefined) assert.equal(statement.transactions.length, want.transactions);
    if (want.invtran !== undefined) assert.equal(statement.investmentTransactions?.length ?? 0, want.invtran);
    if (want.opening_balance !== undefined) assert.ok(same(statement.opening?.amount, want.opening_balance));
    if (want.closing_balance === null) assert.equal(statement.closing, null);
    else if (want.closing_balance !== undefined)
      assert.ok(same(statement.closing?.amount, want.closing_balance));
  });
}

/** OFX investment statements: trades, positions and securities, and the first and last trade. */
function checkInvestments(result: ParseResult, expected: Expected): void {
  const trades = result.statements.flatMap((s) => s.investmentTransactions ?? []);
  if (expected.investment_transactions !== undefined)
    assert.equal(trades.length, expected.investment_transactions, 'investment transactions');
  if (expected.positions !== undefined)
    assert.equal(result.statements.flatMap((s) => s.positions ?? []).length, expected.positions, 'positions');
  if (expected.securities !== undefined)
    assert.equal(result.securities?.length ?? 0, expected.securities, 'securities');
  for (const [which, trade] of [
    ['first', trades[0]],
    ['last', trades.at(-1)],
  ] as const) {
    const want = which === 'first' ? expected.first_transaction : expected.last_transaction;
    if (!want || !expected.investment_transactions) continue;
    assert.ok(trade, `a ${which} investment transaction`);
    if (want.id) assert.equal(trade.sourceId, want.id, `${which} trade id`);
    if (want.action) assert.equal(trade.type, want.action, `${which} trade action`);
    if (want.type) assert.equal(trade.type.toLowerCase(), want.type, `${which} trade type`);
    if (want.total)
      assert.ok(same(trade.total ?? undefined, want.total), `${which} trade total ${trade.total}`);
    if (want.units)
      assert.ok(same(trade.units ?? undefined, want.units), `${which} trade units ${trade.units}`);
    // The peer gives the trade time in UTC; the statement's day is what Tesoro keeps.
    if (want.trade_date) assert.equal(trade.tradeDate, want.trade_date.slice(0, 10), `${which} trade date`);
    if (want.tferaction) assert.equal(trade.transferAction, want.tferaction, `${which} transfer direction`);
  }
}

corpusSuite('the shared statement corpus', (dir, files) => {
  const expected = files as Record<string, Expected>;
  for (const [file, want] of Object.entries(expected)) {
    const parse = parsers[want.format];
    if (!parse) continue;
    const difference = differences[file];
    test(file + (difference ? ` (differs from the peer: ${difference.why})` : ''), () =>
      check(parse(new Uint8Array(fs.readFileSync(path.join(dir, file)))), {
        ...want,
        ...difference?.expected,
      }),
    );
  }
  test('formats covered so far (csv is tested below)', () => {
    const formats = [...new Set(Object.values(expected).map((e) => e.format))].sort();
    const covered = formats.filter((format) => parsers[format]);
    assert.ok(covered.length > 0);
    process.stdout.write(
      `# statement formats parsed: ${covered.join(', ')}; not yet: ${formats.filter((f) => !parsers[f]).join(', ')}\n`,
    );
  });
});

/**
 * CSV files whose layout a bank would have to state (no header and two amount columns, dates that
 * read both day-first and month-first, a preamble wider than the table): the mapping a user gives.
 * Without it the parser refuses the file and says what it needs (tested below).
 */
const csvMappings: Record<string, CsvMapping> = {
  'csv/OCA-bank-statement-import/16.0/account_statement_import_sheet_file/original_currency_no_header.csv': {
    amount: 3,
    currency: 2,
    date_order: 'mdy',
  },
  'csv/OCA-bank-statement-import/16.0/account_statement_import_sheet_file/meta_data_separated_credit_debit.csv':
    { skip_rows: 4 },
  'csv/bank2ynab-bank2ynab/20180226_12345678.csv': { date_order: 'dmy' },
  'csv/bank2ynab-bank2ynab/Movements_1234512345_201805271848.csv': { amount: 13 },
  'csv/bank2ynab-bank2ynab/test_delimiter_tab.csv': { debit: 4, credit: 3 },
  'csv/bank2ynab-bank2ynab/test_row_format_default.csv': { debit: 4, credit: 3 },
  'csv/reubano-csv2ofx/test/payoneer.csv': { date_order: 'mdy' },
  // A card export with purchases positive: nothing in the file says so; the user does.
  'csv/reubano-csv2ofx/test/pcmastercard.csv': { negate: true },
};

/** CSV files where the corpus' plain row count includes rows that are not movements. */
const csvDifferences: Record<string, { transactions: number; why: string }> = {
  'csv/OCA-bank-statement-import/16.0/account_statement_import_sheet_file/meta_data_separated_credit_debit.csv':
    {
      transactions: 4,
      why: 'the count includes four preamble rows and the two balance rows, which have the table width',
    },
  'csv/bank2ynab-bank2ynab/test_row_format_CD_flag.csv': {
    transactions: 73,
    why: 'one row is "A null transaction, just to confuse things" with no date or amount',
  },
  'csv/bank2ynab-bank2ynab/test_row_format_neg_inflow.csv': {
    transactions: 73,
    why: 'one row is "A null transaction, just to confuse things" with no date or amount',
  },
  'csv/bank2ynab-bank2ynab/test_row_format_default.csv': {
    transactions: 73,
    why: 'one row is "A null transaction, just to confuse things" with no date or amount',
  },
  'csv/bank2ynab-bank2ynab/test_delimiter_tab.csv': {
    transactions: 73,
    why: 'one row is "A null transaction, just to confuse things" with no date or amount',
  },
  'csv/redstreet-beancount_reds_importers/importers/fidelity/fidelity_cma_csv_examples/History_for_Account_X8YYYYYYY.csv':
    {
      transactions: 11,
      why: 'the count includes nine rows of the legal notice under the table, padded to its width',
    },
};

interface CsvExpected {
  format: 'csv';
  transactions?: number;
  header_row?: boolean;
  delimiter?: string;
  encoding_guess?: string;
  peer_converted_first_transaction?: { date?: string; amount: string };
  peer_converted_last_transaction?: { date?: string; amount: string };
  peer_converted_currency?: string;
}

corpusSuite('the shared statement corpus: CSV', (dir, files) => {
  const expected = files as Record<string, CsvExpected>;
  for (const [file, want] of Object.entries(expected)) {
    if (want.format !== 'csv') continue;
    const difference = csvDifferences[file];
    const mapping = csvMappings[file];
    test(file + (mapping ? ' (with a csv_mapping)' : '') + (difference ? ` (${difference.why})` : ''), () => {
      const decoded = decodeStatementBytes(new Uint8Array(fs.readFileSync(path.join(dir, file))));
      if (want.encoding_guess)
        assert.equal(decoded.encoding === 'windows-1252', want.encoding_guess === 'cp1252', 'encoding');
      if (mapping && !mapping.negate) {
        const unmapped = parseCsv(decoded.text);
        const refusal = unmapped.issues.find((issue) => issue.csv);
        assert.ok(refusal && refusal.severity === 'error', 'without a mapping the file is refused');
        assert.match(refusal.message, /csv_mapping/);
      }
      const result = parseCsv(decoded.text, mapping);
      assert.ok(result.layout?.ok, 'a layout');
      const layout = result.layout.layout;
      if (want.delimiter) assert.equal(layout.delimiter, want.delimiter, 'delimiter');
      if (want.header_row !== undefined && !mapping?.skip_rows)
        assert.equal(layout.header !== null, want.header_row, 'header row');
      assert.deepEqual(
        result.issues.filter((i) => i.severity === 'error'),
        [],
        'no errors',
      );
      const transactions = result.statements.flatMap((s) => s.transactions);
      const count = difference?.transactions ?? want.transactions;
      if (count !== undefined) assert.equal(transactions.length, count, 'transactions');
      // csv2ofx's expected output: the first and last movement it converted, where it kept the file's order.
      for (const [which, peer, t] of [
        ['first', want.peer_converted_first_transaction, transactions[0]],
        ['last', want.peer_converted_last_transaction, transactions.at(-1)],
      ] as const) {
        if (!peer?.date) continue;
        assert.equal(t?.bookingDate, peer.date, `${which} date`);
        assert.ok(
          same(t?.amount, peer.amount.replaceAll(',', '')),
          `${which} amount ${t?.amount} ≠ ${peer.amount}`,
        );
      }
      if (want.peer_converted_currency && transactions[0]?.currency !== 'XXX')
        assert.equal(transactions[0]?.currency, want.peer_converted_currency);
    });
  }
});

/** Each format's streaming parser, to feed the corpus in pieces. */
const streamingParsers: Record<string, ParserFactory> = {
  n43: (sink) => new Norma43Parser(sink),
  ofx: (sink) => new OfxParser(sink),
  mt940: (sink) => new Mt940Parser(sink),
  mt942: (sink) => new Mt940Parser(sink),
  camt052: (sink) => new CamtParser(sink),
  camt053: (sink) => new CamtParser(sink),
  camt054: (sink) => new CamtParser(sink),
  qif: (sink) => new QifParser(sink),
  csv: (sink) => new CsvParser(sink, csvMappings[currentFile] ?? {}),
};
let currentFile = '';

corpusSuite('the shared statement corpus, read in 61-character pieces', (dir, files) => {
  const expected = files as Record<string, { format: string }>;
  test('every file gives exactly what it gives read whole (tags, quotes and line ends cut anywhere)', () => {
    for (const [file, want] of Object.entries(expected)) {
      currentFile = file;
      const factory = streamingParsers[want.format]!;
      const { text } = decodeStatementBytes(new Uint8Array(fs.readFileSync(path.join(dir, file))));
      const whole = parseWhole('csv', factory, text);
      const { sink, result } = collector('csv');
      const parser = factory(withBalanceCheck(sink));
      for (let i = 0; i < text.length; i += 61) parser.write(text.slice(i, i + 61));
      parser.close();
      assert.deepEqual(result, whole, file);
    }
  });
});
