// Tesoro's parsers against independent ones, over the shared corpus and the repository's own
// fixtures: ofxparse (Debian's python3-ofxparse) and libofx's ofxdump (Debian's `ofx`) for OFX,
// Finance::QIF (Debian's libfinance-qif-perl) for QIF. For every file each oracle reads, the
// number of transactions (and, for ofxparse, the sum of the bank movements) must agree with what
// Tesoro reads, or the difference must be explained in oracles/allow-list.json; an explained
// difference that no longer happens fails too, so the list stays true. An oracle that is not
// installed is reported as not run (a skipped test, never a pass).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseStatementFile } from '../../src/formats/index.ts';
import { sumAmounts } from '../../src/formats/statement.ts';
import { corpusFiles, corpusLocation } from './location.ts';

const repository = fileURLToPath(new URL('../../', import.meta.url));
const oracles = fileURLToPath(new URL('./oracles/', import.meta.url));
const allowList: Record<string, string> = JSON.parse(
  fs.readFileSync(path.join(oracles, 'allow-list.json'), 'utf8'),
).differences;

interface Reading {
  transactions?: number;
  sum?: string;
  error?: string;
}

/** The files of one format: the corpus's (by EXPECTED.json) and the repository's fixtures. */
function filesOf(format: 'ofx' | 'qif'): Array<{ key: string; file: string }> {
  const own = path.join(repository, 'src', 'formats', format, 'fixtures');
  const files = fs
    .readdirSync(own)
    .filter((name) => !name.endsWith('.md'))
    .map((name) => ({ key: `repo:src/formats/${format}/fixtures/${name}`, file: path.join(own, name) }));
  const { corpus } = corpusLocation();
  if (corpus)
    for (const [name, want] of Object.entries(corpusFiles(corpus)))
      if ((want as { format: string }).format === format)
        files.push({ key: `corpus:${name}`, file: path.join(corpus, name) });
  return files;
}

/** What Tesoro reads: movements and trades, and the sum of the movements. */
function tesoroReading(file: string): Reading {
  const result = parseStatementFile(new Uint8Array(fs.readFileSync(file)));
  if (!result) return { error: 'not a format Tesoro reads' };
  const errors = result.issues.filter((issue) => issue.severity === 'error');
  if (errors.length > 0) return { error: errors.map((issue) => issue.message).join('; ') };
  const movements = result.statements.flatMap((s) => s.transactions.map((t) => t.amount));
  const trades = result.statements.reduce((n, s) => n + (s.investmentTransactions?.length ?? 0), 0);
  return { transactions: movements.length + trades, sum: movements.length ? sumAmounts(movements) : '0' };
}

const available = (command: string, args: string[]) => {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

interface Oracle {
  name: string;
  format: 'ofx' | 'qif';
  installed: () => boolean;
  /** Each file's reading, keyed by path. */
  read: (files: string[]) => Record<string, Reading>;
  /** What is compared: the sum too when the oracle gives it. */
  compareSum: boolean;
}

const json = (command: string, args: string[]) =>
  JSON.parse(execFileSync(command, args, { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }));

const ORACLES: Oracle[] = [
  {
    name: 'ofxparse',
    format: 'ofx',
    installed: () => available('/usr/bin/python3', ['-c', 'import ofxparse']),
    read: (files) => json('/usr/bin/python3', [path.join(oracles, 'ofxparse-count.py'), ...files]),
    compareSum: true,
  },
  {
    name: 'ofxdump',
    format: 'ofx',
    installed: () => available('ofxdump', ['--version']),
    read: (files) =>
      Object.fromEntries(
        files.map((file) => {
          // ofxdump exits non-zero on what it only warns about: its output is what it read.
          const run = spawnSync('ofxdump', [file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
          if (run.error || !run.stdout.includes('ofx_proc_status():'))
            return [file, { error: (run.stderr || String(run.error)).slice(0, 200) }];
          return [file, { transactions: run.stdout.split('ofx_proc_transaction():').length - 1 }];
        }),
      ),
    compareSum: false,
  },
  {
    name: 'Finance::QIF',
    format: 'qif',
    installed: () => available('perl', ['-MFinance::QIF', '-MJSON::PP', '-e', '1']),
    read: (files) => json('perl', [path.join(oracles, 'qif-count.pl'), ...files]),
    compareSum: false,
  },
];

for (const oracle of ORACLES)
  describe(`Tesoro and ${oracle.name} read the same`, () => {
    if (!oracle.installed()) {
      test(`${oracle.name} is not installed`, { skip: `install it to run this comparison` }, () => {});
      return;
    }
    const files = filesOf(oracle.format);
    const readings = oracle.read(files.map((f) => f.file));
    // A file the oracle itself cannot read (its own limits: empty ledger balances, UTF-8, several
    // statements) compares nothing; the others are each a test.
    const comparable = files.filter(({ file }) => readings[file]?.error === undefined);
    test(`${oracle.name} reads files to compare with`, () => {
      assert.ok(comparable.length > 0, `${oracle.name} read none of the ${files.length} files`);
    });
    for (const { key, file } of comparable)
      test(key, () => {
        const theirs = readings[file]!;
        const ours = tesoroReading(file);
        const disagreement =
          ours.error !== undefined
            ? theirs.transactions === 0
              ? null // nothing to read, for either: Tesoro says why (a refused statement)
              : `${oracle.name} reads ${theirs.transactions} transactions; Tesoro refuses: ${ours.error}`
            : theirs.transactions !== ours.transactions
              ? `${oracle.name} reads ${theirs.transactions} transactions, Tesoro ${ours.transactions}`
              : oracle.compareSum && theirs.sum !== undefined && Number(theirs.sum) !== Number(ours.sum)
                ? `${oracle.name} sums ${theirs.sum}, Tesoro ${ours.sum}`
                : null;
        const explained = allowList[`${oracle.name}|${key}`];
        if (explained)
          assert.ok(disagreement, `no longer differs: remove "${oracle.name}|${key}" from the allow-list`);
        else
          assert.equal(
            disagreement,
            null,
            `${disagreement} (fix it, or explain it in oracles/allow-list.json)`,
          );
      });
  });
