// npm run bench:api — GET /v1/transactions?connection_id=…&page_size=100 under load (autocannon,
// 20 connections) on a connection holding 1,000,000 transactions (user_good_1000000), at the first
// page and at a cursor 90 % deep, on PGlite and (with BENCH_DATABASE_URL or TEST_DATABASE_URL)
// PostgreSQL. The ceiling in the same run: a bare Fastify route returning the same 100 rows from
// memory. Also prints the query plan of the list query, which must be an index scan.
import os from 'node:os';
import { PGlite } from '@electric-sql/pglite';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { defaultRegistry } from '../src/connectors/registry.ts';
import { sandboxConnector } from '../src/connectors/sandbox/index.ts';
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

const ROWS = Number(process.env.BENCH_API_ROWS ?? 1_000_000);
const SECONDS = Number(process.env.BENCH_API_SECONDS ?? 10);
const CONNECTIONS = 20;

interface Engine {
  name: string;
  database: Database;
  version: string;
  close(): Promise<void>;
}

async function engines(): Promise<Engine[]> {
  const list: Engine[] = [];
  const pglite = new PGlite({ parsers: pgliteParsers });
  const pgliteDb = databaseFromPglite(pglite);
  list.push({
    name: 'PGlite',
    database: pgliteDb,
    version: (await pglite.query<{ server_version: string }>('show server_version')).rows[0]!.server_version,
    close: () => pgliteDb.close(),
  });
  const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (adminUrl) {
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
  const connectionId = 'con_bench_api';
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
  const now = new Date('2026-11-01T10:00:00Z');
  const login = await sandboxConnector.login({
    institutionId: 'ins_sandbox_bank',
    credentials: { username: `user_good_${ROWS}`, password: 'pass_good' },
    session: {},
    refreshNumber: 0,
    now,
  });
  if (login.status !== 'ok') throw new Error('login failed');
  const ingest = ingestOptionsFor(database);
  const context = { clientId, connectionId };
  for await (const batch of sandboxConnector.extract({
    institutionId: 'ins_sandbox_bank',
    session: login.session,
    product: 'transactions',
    since: new Date(0),
    refreshNumber: 0,
    now,
  })) {
    await upsertRecords(database.db, ingest, context, 'transactions', batch);
  }
  await publishChanges(database.db, connectionId);
  await sql`analyze transactions`.execute(database.db);
  return connectionId;
}

async function hammer(url: string, headers: Record<string, string>) {
  // The load generator runs in a worker thread, not on the event loop of the server it measures.
  const result = await autocannon({ url, headers, connections: CONNECTIONS, duration: SECONDS, workers: 1 });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99 };
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
      select r.id, r.data::text from transactions r
      where r.client_id = ${client.id} and r.removed_at is null and r.connection_id = ${connectionId}
        and (r.operation_date, r.id) < (${deep.rows[0]!.operation_date}::date, ${deep.rows[0]!.id})
      order by r.operation_date desc, r.id desc limit 101`.execute(database.db);
    plans.push(`${engine.name}:\n${explain.rows.map((r) => `    ${r['QUERY PLAN']}`).join('\n')}`);

    const bare = Fastify();
    bare.get('/rows', async () => ({ data: firstPage.data, has_more: true, next_cursor: 'x' }));
    await bare.listen({ port: 0, host: '127.0.0.1' });
    const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/rows`;

    const label = `${engine.name} ${engine.version.split(' ')[0]}`;
    for (const [what, url] of [
      ['first page', first],
      ['page 90 % deep (cursor)', `${first}&cursor=${cursor}`],
      ['bare Fastify, same 100 rows from memory (ceiling)', bareUrl],
    ] as const) {
      const r = await hammer(url, headers);
      rows.push([label, what, r.rps.toLocaleString('en'), `${r.p50} ms`, `${r.p99} ms`]);
    }
    await bare.close();
    await app.close();
    await engine.close();
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  process.stdout.write(
    `\nMachine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}; Node ${process.version}\n`,
  );
  process.stdout.write(
    `GET /v1/transactions?connection_id=…&page_size=100 over ${ROWS.toLocaleString('en')} transactions; autocannon, ${CONNECTIONS} connections, ${SECONDS} s each\n\n`,
  );
  const header = ['engine', 'request', 'req/s', 'p50', 'p99'];
  process.stdout.write(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|\n`);
  for (const row of rows) process.stdout.write(`| ${row.join(' | ')} |\n`);
  process.stdout.write(`\nQuery plans of the deep page:\n${plans.join('\n')}\n`);
}

await main();
