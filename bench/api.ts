// npm run bench:api — GET /v1/transactions?connection_id=…&page_size=100 under load (autocannon,
// 20 connections, in a process of its own) on a connection holding 1,000,000 transactions
// (user_good_1000000), at the first page and at a cursor 90 % deep, on PGlite and (with
// BENCH_DATABASE_URL or TEST_DATABASE_URL) PostgreSQL. The ceiling in the same run: a bare Fastify
// route returning the same 100 rows from memory, serialised per request; and the same first page
// through the Flanks facade (POST /compat/flanks/v0/bank/credentials/data?page=1&page_size=100),
// whose records are mapped to Flanks' fields one by one. Beside req/s, the CPU per
// request of each party: the server process (PGlite inside it), the PostgreSQL cluster (when it
// runs on this machine) and the load generator. Also prints the list query's plan (an index scan).
import '../src/heap-growth.ts'; // the GC setting every tesoro process runs with (src/main.ts)
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import Fastify from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { defaultRegistry } from '../src/connectors/registry.ts';
import { createLogger } from '../src/logger.ts';
import { generateMasterKeyText, parseMasterKeyring } from '../src/security/envelope.ts';
import { createClient } from '../src/services/clients.ts';
import { KeyStore } from '../src/services/keys.ts';
import { issueAccessToken } from '../src/services/tokens.ts';
import {
  type Database,
  databaseFromPglite,
  databaseFromUrl,
  migrateToLatest,
  pgliteParsers,
} from '../src/store/database.ts';
import { ingestOptionsFor, publishChanges, upsertRecords } from '../src/store/records.ts';
import { clusterCpuSeconds, localPostmaster, machine, processCpuSeconds, table } from './measure.ts';
import { sandboxBatches } from './sandbox-rows.ts';
import { benchEngines } from './server-process.ts';

const ROWS = Number(process.env.BENCH_API_ROWS ?? 1_000_000);
const SECONDS = Number(process.env.BENCH_API_SECONDS ?? 10);
const CONNECTIONS = 20;

interface Engine {
  name: string;
  database: Database;
  /** The PostgreSQL cluster's postmaster, when it runs on this machine (its CPU is read). */
  postmaster?: number | undefined;
  version: string;
  close(): Promise<void>;
}

/** The engines measured; BENCH_API_ONLY=PGlite or PostgreSQL opens one alone (to profile it, say). */
async function engines(): Promise<Engine[]> {
  const list: Engine[] = [];
  const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const names = benchEngines(adminUrl, process.env.BENCH_API_ONLY);
  if (names.length === 0)
    throw new Error(`BENCH_API_ONLY=${process.env.BENCH_API_ONLY}: no such engine here`);
  if (names.includes('PGlite')) {
    const pglite = new PGlite({ parsers: pgliteParsers });
    const pgliteDb = databaseFromPglite(pglite);
    list.push({
      name: 'PGlite',
      database: pgliteDb,
      version: (await pglite.query<{ server_version: string }>('show server_version')).rows[0]!
        .server_version,
      close: () => pgliteDb.close(),
    });
  }
  if (adminUrl && names.includes('PostgreSQL')) {
    const name = `tesoro_bench_api_${process.pid}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    const version = (await admin.query('show server_version')).rows[0].server_version;
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const database = databaseFromUrl(url.toString(), 20);
    list.push({
      name: 'PostgreSQL',
      database,
      postmaster: await localPostmaster(url.toString()),
      version,
      async close() {
        await database.close();
        const drop = new pg.Client({ connectionString: adminUrl });
        await drop.connect();
        await drop.query(`drop database ${name} with (force)`);
        await drop.end();
      },
    });
  }
  return list;
}

/** Streams user_good_<ROWS>'s transactions into a new connection, as a refresh would store them. */
async function load(database: Database, clientId: string): Promise<string> {
  const connectionId = 'con_benchapi'; // a well-formed id: the list route checks its filter's shape
  await database.db
    .insertInto('connections')
    .values({
      id: connectionId,
      client_id: clientId,
      institution_id: 'ins_sandbox_bank',
      connector: 'sandbox',
      access_mode: 'recurrent',
      refresh_interval: '24h',
      products: ['transactions'],
      history_days: 730,
      external_id: 'bench-user',
      status: 'ok',
      status_detail: 'bench',
      product_status: JSON.stringify({ transactions: { created: true, errored: false, count: ROWS } }),
      credentials_sealed: null,
      session_sealed: null,
    })
    .execute();
  const ingest = ingestOptionsFor(database);
  const context = { clientId, connectionId };
  for await (const batch of sandboxBatches(ROWS)) {
    await upsertRecords(database.db, ingest, context, 'transactions', batch);
  }
  await publishChanges(database.db, connectionId);
  await sql`analyze transactions`.execute(database.db);
  return connectionId;
}

const generator = path.join(path.dirname(fileURLToPath(import.meta.url)), 'load-generator.ts');

/** Load from a separate process; the CPU each party spent, per request. */
async function hammer(engine: Engine, url: string, headers: Record<string, string>) {
  const dbBefore = engine.postmaster === undefined ? undefined : clusterCpuSeconds(engine.postmaster);
  const serverBefore = processCpuSeconds();
  const { stdout } = await promisify(execFile)(process.execPath, [
    generator,
    url,
    String(CONNECTIONS),
    String(SECONDS),
    ...Object.entries(headers).map(([name, value]) => `${name}=${value}`),
  ]);
  const server = processCpuSeconds() - serverBefore;
  const db = dbBefore === undefined ? undefined : clusterCpuSeconds(engine.postmaster!) - dbBefore;
  const result = JSON.parse(stdout) as {
    requests: number;
    rps: number;
    p50: number;
    p99: number;
    bad: number;
    cpuSeconds: number;
  };
  if (result.bad > 0) throw new Error(`${url}: ${result.bad} failed requests`);
  const perRequest = (seconds: number) => (seconds * 1000) / result.requests;
  return {
    rps: Math.round(result.rps),
    p50: result.p50,
    p99: result.p99,
    serverMs: perRequest(server),
    dbMs: db === undefined ? undefined : perRequest(db),
    generatorMs: perRequest(result.cpuSeconds),
  };
}

async function main() {
  const rows: string[][] = [];
  const plans: string[] = [];
  for (const engine of await engines()) {
    const { database } = engine;
    await migrateToLatest(database);
    const { client } = await createClient(database.db, { name: 'bench api' });
    process.stdout.write(`${engine.name}: loading ${ROWS.toLocaleString('en')} transactions…\n`);
    const loadStart = performance.now();
    const connectionId = await load(database, client.id);
    process.stdout.write(`  loaded in ${Math.round((performance.now() - loadStart) / 1000)} s\n`);

    const logger = createLogger('silent');
    const keyring = parseMasterKeyring(generateMasterKeyText());
    const keys = new KeyStore(database.db, keyring);
    await keys.start();
    const registry = defaultRegistry();
    const app = await buildApp({
      engine: {
        db: database.db,
        keyring,
        registry,
        jobs: { send: async () => null } as never,
        logger,
        now: () => new Date(),
        ingest: ingestOptionsFor(database),
        webhookPolicy: { allowPrivate: true },
        webhookFormats: new Map(),
        publicUrl: 'http://localhost',
      },
      database,
      keys,
      registry,
      logger,
      publicUrl: 'http://bench',
      rateLimitPerMinute: 1_000_000_000,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const { access_token: token } = await issueAccessToken(keys, 'http://bench', client.id, ['data:read']);
    const headers = { authorization: `Bearer ${token}` };
    const first = `${base}/v1/transactions?connection_id=${connectionId}&page_size=100`;
    const firstPage = (await (await fetch(first, { headers })).json()) as { data: unknown[] };
    // A cursor 90 % of the way down: the sort key of the row at that depth.
    const deep = await sql<{ operation_date: string; id: string }>`
      select operation_date::text, id from transactions where connection_id = ${connectionId} and removed_at is null
      order by operation_date desc, id desc offset ${Math.floor(ROWS * 0.9)} limit 1`.execute(database.db);
    const cursor = Buffer.from(JSON.stringify([deep.rows[0]!.operation_date, deep.rows[0]!.id])).toString(
      'base64url',
    );
    const explain = await sql<{ 'QUERY PLAN': string }>`explain
      select r.operation_date::text, r.id, r.connection_id, r.api_tail from transactions r
      where r.client_id = ${client.id} and r.removed_at is null and r.connection_id = ${connectionId}
        and (r.operation_date, r.id) < (${deep.rows[0]!.operation_date}::date, ${deep.rows[0]!.id})
      order by r.operation_date desc, r.id desc limit 101`.execute(database.db);
    plans.push(`${engine.name}:\n${explain.rows.map((r) => `    ${r['QUERY PLAN']}`).join('\n')}`);

    const bare = Fastify();
    bare.get('/rows', async () => ({ data: firstPage.data, has_more: true, next_cursor: 'x' }));
    await bare.listen({ port: 0, host: '127.0.0.1' });
    const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/rows`;

    const label = `${engine.name} ${engine.version.split(' ')[0]}`;
    const measured: Record<string, Awaited<ReturnType<typeof hammer>>> = {};
    const flanks = {
      url: `${base}/compat/flanks/v0/bank/credentials/data?page=1&page_size=100`,
      headers: {
        ...headers,
        'content-type': 'application/json',
        '@method': 'POST',
        '@body': JSON.stringify({ credentials_token: connectionId }),
      },
    };
    for (const [what, url, extra] of [
      ['bare Fastify, same 100 rows from memory (ceiling)', bareUrl, headers],
      ['first page', first, headers],
      ['page 90 % deep (cursor)', `${first}&cursor=${cursor}`, headers],
      ['first page through the Flanks facade', flanks.url, flanks.headers],
    ] as const) {
      const r = await hammer(engine, url, extra);
      measured[what] = r;
      const bareRun = measured['bare Fastify, same 100 rows from memory (ceiling)']!;
      const total = (x: typeof r) => x.serverMs + (x.dbMs ?? 0) + x.generatorMs;
      rows.push([
        label,
        what,
        r.rps.toLocaleString('en'),
        (r.rps / bareRun.rps).toFixed(2),
        `${r.p50} ms`,
        `${r.p99} ms`,
        r.serverMs.toFixed(2),
        r.dbMs === undefined ? '—' : r.dbMs.toFixed(2),
        r.generatorMs.toFixed(2),
        (total(r) / total(bareRun)).toFixed(1),
      ]);
    }
    const firstRps = measured['first page']!.rps;
    process.stdout.write(
      `  deep page ÷ first page: ${(measured['page 90 % deep (cursor)']!.rps / firstRps).toFixed(2)}\n`,
    );
    await bare.close();
    await app.close();
    await engine.close();
  }
  process.stdout.write(`\nMachine: ${machine()}\n`);
  process.stdout.write(
    `GET /v1/transactions?connection_id=…&page_size=100 over ${ROWS.toLocaleString('en')} transactions; autocannon in its own process, ${CONNECTIONS} connections, ${SECONDS} s each\n\n`,
  );
  const header = [
    'engine',
    'request',
    'req/s',
    '× bare',
    'p50',
    'p99',
    'server CPU ms/req',
    'PostgreSQL CPU ms/req',
    'load generator CPU ms/req',
    'all CPU ÷ bare',
  ];
  process.stdout.write(`${table(header, rows)}\n`);
  process.stdout.write(`\nQuery plans of the deep page:\n${plans.join('\n')}\n`);
}

await main();
