// Every file of the shared statement corpus (../shared/statements, never copied into the project)
// parsed and checked against what EXPECTED.json says it must give: statement and transaction
// counts, balances, currency, first and last transaction. Formats whose parser is not written yet
// are listed, not tested. Set STATEMENTS_DIR when the corpus lives elsewhere.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parseCamt } from '../src/formats/camt/parse.ts';
import { decodeStatementBytes } from '../src/formats/decode.ts';
import { parseMt940 } from '../src/formats/mt940/parse.ts';
import { parseNorma43 } from '../src/formats/norma43/parse.ts';
import { investmentTransactionCounts, parseOfx } from '../src/formats/ofx/parse.ts';
import { parseQif } from '../src/formats/qif/parse.ts';
import { type ParseResult, sumAmounts } from '../src/formats/statement.ts';

const candidates = [
  process.env.STATEMENTS_DIR,
  path.resolve('../shared/statements'),
  '/work/shared/statements',
];
const corpus = candidates.find((dir) => dir && fs.existsSync(path.join(dir, 'EXPECTED.json')));

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
  first_transaction?: { date?: string | null; date_raw?: string; amount: string };
  last_transaction?: { date?: string | null; date_raw?: string; amount: string };
  per_statement?: Array<{ transactions?: number; opening_balance?: string; closing_balance?: string | null }>;
  /** Broken on purpose: `transactions` is what a lenient parser keeps, `discarded_entries` what it drops. */
  malformed?: boolean;
  discarded_entries?: number;
  /** A server error response (OFX STATUS / signon). */
  status?: { code: number };
  signon?: { code: number };
  investment_transactions?: number;
  counted_values_where_different?: Partial<Expected>;
  /** QIF: one date the peer asserts (the file's own dates are given raw, their order unknown). */
  asserted_line?: { date?: string };
}

const same = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && sumAmounts([a, `-${b}`.replace('--', '')]) === '0';

function check(result: ParseResult, expected: Expected, bytes?: Uint8Array): void {
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
  if (expected.investment_transactions !== undefined && bytes)
    assert.equal(
      investmentTransactionCounts(decodeStatementBytes(bytes).text).reduce((a, b) => a + b, 0),
      expected.investment_transactions,
      'investment transactions',
    );
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
  }
  expected.per_statement?.forEach((want, index) => {
    const statement = statements[index]!;
    if (want.transactions !== undefined) assert.equal(statement.transactions.length, want.transactions);
    if (want.opening_balance !== undefined) assert.ok(same(statement.opening?.amount, want.opening_balance));
    if (want.closing_balance === null) assert.equal(statement.closing, null);
    else if (want.closing_balance !== undefined)
      assert.ok(same(statement.closing?.amount, want.closing_balance));
  });
}

describe('the shared statement corpus', { skip: corpus ? false : 'no corpus: set STATEMENTS_DIR' }, () => {
  const expected = corpus
    ? (JSON.parse(fs.readFileSync(path.join(corpus, 'EXPECTED.json'), 'utf8')).files as Record<
        string,
        Expected
      >)
    : {};
  for (const [file, want] of Object.entries(expected)) {
    const parse = parsers[want.format];
    if (!parse) continue;
    const difference = differences[file];
    test(file + (difference ? ` (differs from the peer: ${difference.why})` : ''), () =>
      check(parse(new Uint8Array(fs.readFileSync(path.join(corpus!, file)))), {
        ...want,
        ...difference?.expected,
      }),
    );
  }
  test('formats covered so far', () => {
    const formats = [...new Set(Object.values(expected).map((e) => e.format))].sort();
    const covered = formats.filter((format) => parsers[format]);
    assert.ok(covered.length > 0);
    process.stdout.write(
      `# statement formats parsed: ${covered.join(', ')}; not yet: ${formats.filter((f) => !parsers[f]).join(', ')}\n`,
    );
  });
});
