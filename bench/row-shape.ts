// npm run bench:row-shape — why ingest is slow: the same 20,000 sandbox transactions inserted
// into three table shapes on PostgreSQL (BENCH_DATABASE_URL or TEST_DATABASE_URL), each with only
// its primary key, in statements of 1,000 rows. The evidence behind the plan in bench/README.md.
import pg from 'pg';
import type { NormalizedRecord } from '../src/domain/records.ts';
import { sandboxTransactions } from './sandbox-rows.ts';

const N = Number(process.env.BENCH_ROWS ?? 20_000);
const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
if (!url) throw new Error('Set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to a PostgreSQL server');

const records = (await sandboxTransactions(N)).flat();
const ids = records.map((_, i) => `txn_${i.toString(36).padStart(20, '0')}`);

const client = new pg.Client({ connectionString: url });
await client.connect();
const table = `bench_shape_${process.pid}`;

async function variant(
  name: string,
  columns: string,
  types: string[],
  values: (r: NormalizedRecord) => unknown[],
) {
  await client.query(`drop table if exists ${table}`);
  await client.query(`create table ${table} (id text primary key, ${columns})`);
  const start = performance.now();
  for (let i = 0; i < records.length; i += 1000) {
    const chunk = records.slice(i, i + 1000);
    const arrays = [chunk.map((_, j) => ids[i + j]), ...types.map((_, k) => chunk.map((r) => values(r)[k]))];
    const params = ['$1::text[]', ...types.map((type, k) => `$${k + 2}::${type}[]`)].join(', ');
    await client.query(
      `insert into ${table} select * from unnest(${params}) on conflict (id) do nothing`,
      arrays,
    );
  }
  const ms = performance.now() - start;
  process.stdout.write(`| ${name} | ${Math.round((N / ms) * 1000).toLocaleString('en')} |\n`);
}

const d = (r: NormalizedRecord) => r.data as Record<string, unknown>;
process.stdout.write(
  `PostgreSQL ${(await client.query('show server_version')).rows[0].server_version}, ${N.toLocaleString('en')} rows\n\n| table shape | rows/s |\n|---|---|\n`,
);
await variant(
  'normalised fields as jsonb + raw as text',
  'data jsonb, raw text, amount numeric, d date',
  ['jsonb', 'text', 'numeric', 'date'],
  (r) => [JSON.stringify(r.data), JSON.stringify(r.raw), d(r).amount, d(r).operation_date],
);
await variant(
  'normalised fields as text + raw as text',
  'data text, raw text, amount numeric, d date',
  ['text', 'text', 'numeric', 'date'],
  (r) => [JSON.stringify(r.data), JSON.stringify(r.raw), d(r).amount, d(r).operation_date],
);
await variant(
  'typed columns only',
  'description text, amount numeric, balance numeric, d date, category text, norma43 text',
  ['text', 'numeric', 'numeric', 'date', 'text', 'text'],
  (r) => [d(r).description, d(r).amount, d(r).balance, d(r).operation_date, d(r).bank_category, d(r).norma43],
);
await client.query(`drop table ${table}`);
await client.end();
