// The benchmarks still run. They are not part of the suite's timing (nothing here reads a rate),
// but a benchmark that stopped working goes unnoticed until someone needs its figures: session 14
// made the list route check its filter's id shape, and `bench:api`, whose connection id had an
// underscore, answered every request 400 until session 15 ran it. Tiny sizes, embedded PGlite only.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { outputOf } from './helpers/processes.ts';

/** Runs a bench file with the environment given (no database URL: PGlite only). */
async function bench(file: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [file], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const result = await outputOf(child);
  assert.equal(result.code, 0, `${file} failed:\n${result.stderr}\n${result.stdout}`);
  return result.stdout;
}

/** The table rows of a Markdown table whose second cell (or first) starts with `label`. */
const rowOf = (output: string, label: string) =>
  output.split('\n').find((line) => line.startsWith('|') && line.includes(`| ${label}`));

test('bench:api serves every request it measures, on each route it reports', async () => {
  const output = await bench('bench/api.ts', { BENCH_API_ROWS: '300', BENCH_API_SECONDS: '1' });
  for (const request of [
    'bare Fastify',
    'first page',
    'page 90 % deep (cursor)',
    'first page through the Flanks facade',
  ]) {
    const row = rowOf(output, request);
    assert.ok(row, `no line for ${request}:\n${output}`);
    const rate = Number(row.split('|')[3]!.trim().replaceAll(',', ''));
    assert.ok(rate > 0, `${request}: ${row}`);
  }
  assert.match(output, /Index Scan Backward using transactions_by_connection/);
});

test('bench:ingest BENCH_JS_ONLY=1 prints the JavaScript per row of each step', async () => {
  const output = await bench('bench/ingest.ts', { BENCH_JS_ONLY: '1', BENCH_ROWS: '2000' });
  for (const step of [
    'previous store',
    'row builder, unchanged record',
    'row builder, new record',
    'categoriser',
  ]) {
    const row = rowOf(output, step);
    assert.ok(row, `no line for ${step}:\n${output}`);
    assert.ok(Number(row.split('|')[2]!.trim()) > 0, row);
  }
});
