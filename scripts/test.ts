// `npm test`: lint, type check, then the whole suite on embedded PGlite and, when
// TEST_DATABASE_URL points at a PostgreSQL server, again on PostgreSQL; then, when the shared
// statement corpus is there (STATEMENTS_DIR, else shared/statements beside the repository), the
// corpus suite (test/corpus/). Ends with one line `N passed, N failed` (lint and type check count
// as one check each).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = (name: string) => path.join('node_modules', '.bin', name);
let passed = 0;
let failed = 0;
const failures: string[] = [];

function check(name: string, command: string, args: string[]): void {
  process.stdout.write(`\n== ${name}\n`);
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status === 0) passed++;
  else {
    failed++;
    failures.push(name);
  }
}

function suite(
  name: string,
  engine: 'pglite' | 'postgres',
  patterns: string[],
  env: Record<string, string> = {},
): void {
  process.stdout.write(`\n== tests on ${name}\n`);
  const tap = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tesoro-tap-')), 'report.tap');
  const result = spawnSync(
    process.execPath,
    [
      '--test',
      '--test-concurrency=2',
      '--test-timeout=180000',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      ...patterns,
    ],
    { stdio: 'inherit', env: { ...process.env, ...env, TESORO_TEST_ENGINE: engine } },
  );
  const report = fs.existsSync(tap) ? fs.readFileSync(tap, 'utf8') : '';
  const count = (label: string) => Number(new RegExp(`^# ${label} (\\d+)$`, 'm').exec(report)?.[1] ?? 0);
  const pass = count('pass');
  const fail = count('fail') + count('cancelled');
  passed += pass;
  failed += fail;
  if (fail > 0 || result.status !== 0 || pass === 0) {
    failures.push(`tests on ${name}`);
    if (fail === 0) failed++; // the runner itself failed (crash, no tests found)
  }
}

/**
 * The shared statement corpus, never copied into the project: STATEMENTS_DIR when set, else
 * shared/statements beside the repository. `reason` says why there is none.
 */
function findCorpus(): { dir: string | null; reason: string; misconfigured: boolean } {
  const given = process.env.STATEMENTS_DIR;
  const repository = fileURLToPath(new URL('..', import.meta.url));
  const dir = given ? path.resolve(given) : path.resolve(repository, '..', 'shared', 'statements');
  if (fs.existsSync(path.join(dir, 'EXPECTED.json'))) return { dir, reason: '', misconfigured: false };
  return given
    ? { dir: null, misconfigured: true, reason: `STATEMENTS_DIR=${given} holds no EXPECTED.json` }
    : {
        dir: null,
        misconfigured: false,
        reason: `no STATEMENTS_DIR and no ${path.join('..', 'shared', 'statements')} beside the repository`,
      };
}

check('lint (biome)', bin('biome'), ['check', '.']);
check('type check (tsc)', bin('tsc'), ['--noEmit', '-p', '.']);
// Everything but the corpus suite (test/corpus/), which needs files from outside the repository.
suite('PGlite (embedded)', 'pglite', ['src/**/*.test.ts', 'test/*.test.ts', 'test/!(corpus)/**/*.test.ts']);
if (process.env.TEST_DATABASE_URL) {
  // Pure unit tests and embedded-only tests (test/embedded/) need no second run.
  suite('PostgreSQL', 'postgres', ['test/*.test.ts', 'test/compat/*.test.ts']);
} else {
  process.stdout.write(
    '\nPostgreSQL run not done: set TEST_DATABASE_URL=postgres://… to run the suite on PostgreSQL too.\n',
  );
}
const corpus = findCorpus();
if (corpus.dir)
  suite('the shared statement corpus', 'pglite', ['test/corpus/*.test.ts'], { STATEMENTS_DIR: corpus.dir });
else if (corpus.misconfigured) {
  // Asked for and not there: a failure, not a silent skip.
  process.stdout.write(`\n== statement corpus suite not run: ${corpus.reason}\n`);
  failed++;
  failures.push('statement corpus (STATEMENTS_DIR)');
} else
  process.stdout.write(
    `\nStatement corpus suite not run: ${corpus.reason} (set STATEMENTS_DIR to run it).\n`,
  );

if (failures.length > 0) process.stdout.write(`\nFailed: ${failures.join(', ')}\n`);
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 ? 1 : 0);
