// `npm test`: lint, type check, then the whole suite on embedded PGlite and, when
// TEST_DATABASE_URL points at a PostgreSQL server, again on PostgreSQL. Ends with one line
// `N passed, N failed` (lint and type check count as one check each).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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

function suite(name: string, engine: 'pglite' | 'postgres', patterns: string[]): void {
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
    { stdio: 'inherit', env: { ...process.env, TESORO_TEST_ENGINE: engine } },
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

check('lint (biome)', bin('biome'), ['check', '.']);
check('type check (tsc)', bin('tsc'), ['--noEmit', '-p', '.']);
suite('PGlite (embedded)', 'pglite', ['src/**/*.test.ts', 'test/**/*.test.ts']);
if (process.env.TEST_DATABASE_URL) {
  // Pure unit tests and embedded-only tests (test/embedded/) need no second run.
  suite('PostgreSQL', 'postgres', ['test/*.test.ts']);
} else {
  process.stdout.write(
    '\nPostgreSQL run not done: set TEST_DATABASE_URL=postgres://… to run the suite on PostgreSQL too.\n',
  );
}

if (failures.length > 0) process.stdout.write(`\nFailed: ${failures.join(', ')}\n`);
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 ? 1 : 0);
