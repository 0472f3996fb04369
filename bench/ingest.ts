// npm run bench:ingest — how fast the store writes transactions, against a fixed reference in the
// same run: the same rows as the store wrote them before migration 0010 (bench/reference-rows.ts),
// prebuilt, loaded by COPY (PostgreSQL) or an `unnest` insert (PGlite) into a table of that
// shape. PGlite always; PostgreSQL too when BENCH_DATABASE_URL (or TEST_DATABASE_URL) names a
// server where databases can be created. Reported per engine: rows/s and CPU µs per row of this
// process and (PostgreSQL on this machine) of the database, for new rows, new rows with the
// categoriser (the refresh path), unchanged rows, and the reference; then the JavaScript per row of
// the row builders, and the time from POST /v1/connections to `ok` for user_good_10000.
// BENCH_SCALE=1 instead stores 100,000 then 1,000,000 rows into one table (rows/s at each size);
// BENCH_JS_ONLY=1 prints only the JavaScript per row.
import { once } from 'node:events';
import http from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { buildApp } from '../src/app.ts';
import { defaultRegistry } from '../src/connectors/registry.ts';
import { withCategories } from '../src/domain/categories/enrich.ts';
import type { NormalizedRecord } from '../src/domain/records.ts';
import { jobSender } from '../src/jobs/sender.ts';
import { startQueue, startWorkers } from '../src/jobs/workers.ts';
import { createLogger } from '../src/logger.ts';
import { generateMasterKeyText, parseMasterKeyring } from '../src/security/envelope.ts';
import { createClient } from '../src/services/clients.ts';
import { KeyStore } from '../src/services/keys.ts';
import { issueAccessToken } from '../src/services/tokens.ts';
import { createEndpoint } from '../src/services/webhooks.ts';
import { copyText, unnestInsert } from '../src/store/bulk-insert.ts';
import {
  type Database,
  databaseFromPglite,
  databaseFromUrl,
  migrateToLatest,
  pgliteParsers,
} from '../src/store/database.ts';
import { RowBuilder } from '../src/store/record-rows.ts';
import {
  ingestOptionsFor,
  insertRows,
  type PrepareRecords,
  publishChanges,
  upsertRecords,
} from '../src/store/records.ts';
import { clusterCpuSeconds, localPostmaster, machine, median, processCpuSeconds, table } from './measure.ts';
import {
  REFERENCE_TABLE,
  referenceColumns,
  referenceCopyText,
  referenceRow,
  referenceTableSql,
} from './reference-rows.ts';
import { sandboxBatches, sandboxTransactions } from './sandbox-rows.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SCALE = process.env.BENCH_SCALE === '1';

interface Engine {
  name: string;
  database: Database;
  url?: string;
  /** The PostgreSQL cluster's postmaster, when it runs on this machine (its CPU is read). */
  postmaster?: number | undefined;
  version: string;
  close(): Promise<void>;
}

async function openEngines(): Promise<Engine[]> {
  const engines: Engine[] = [];
  // BENCH_ENGINE=pglite or postgres runs one engine only.
  const only = process.env.BENCH_ENGINE;
  if (only !== 'postgres') {
    const pglite = new PGlite({ parsers: pgliteParsers });
    await pglite.waitReady;
    const pgliteDb = databaseFromPglite(pglite);
    engines.push({
      name: 'PGlite',
      database: pgliteDb,
      version: (await pglite.query<{ server_version: string }>('show server_version')).rows[0]!
        .server_version,
      close: () => pgliteDb.close(),
    });
  }
  const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (adminUrl && only !== 'pglite') {
    const name = `tesoro_bench_${process.pid}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    const version = (await admin.query('show server_version')).rows[0].server_version;
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const database = databaseFromUrl(url.toString(), 20);
    engines.push({
      name: 'PostgreSQL',
      database,
      url: url.toString(),
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
  for (const engine of engines) await migrateToLatest(engine.database);
  return engines;
}

async function newConnection(db: Database['db'], clientId: string, id: string) {
  await db
    .insertInto('connections')
    .values({
      id,
      client_id: clientId,
      institution_id: 'ins_sandbox_bank',
      connector: 'sandbox',
      access_mode: 'recurrent',
      refresh_interval: '24h',
      products: ['transactions'],
      history_days: 730,
      external_id: null,
      status: 'ok',
      status_detail: 'bench',
      product_status: '{}',
      credentials_sealed: null,
      session_sealed: null,
    })
    .execute();
}

/** A loopback receiver that notes when each historical webhook arrives, by connection id. */
async function startHistoricalReceiver() {
  const arrivals = new Map<string, { at: number; lagMs: number }>();
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const at = performance.now();
      const event = JSON.parse(body) as { type: string; created_at: string; data: { connection_id: string } };
      if (event.type === 'connection.historical_update')
        arrivals.set(event.data.connection_id, { at, lagMs: Date.now() - Date.parse(event.created_at) });
      response.end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks`;
  return { url, arrivals, close: () => new Promise((resolve) => server.close(resolve)) };
}

interface EndToEnd {
  toOk: number;
  toWebhook: number;
  /** From the event row being written to the receiver having it. */
  webhookLag: number;
}

async function connectionToOk(engine: Engine): Promise<EndToEnd> {
  const logger = createLogger('silent');
  const keyring = parseMasterKeyring(generateMasterKeyText());
  const keys = new KeyStore(engine.database.db, keyring);
  await keys.start();
  const boss = await startQueue(engine.database, logger, false);
  const engineDeps = {
    db: engine.database.db,
    keyring,
    registry: defaultRegistry(),
    jobs: jobSender(boss),
    logger,
    now: () => new Date(),
    ingest: ingestOptionsFor(engine.database),
    webhookPolicy: { allowPrivate: true },
    webhookFormats: new Map(),
    publicUrl: 'http://localhost',
  };
  const dispatcher = await startWorkers(boss, engine.database, logger, engineDeps);
  const app = await buildApp({
    engine: engineDeps,
    database: engine.database,
    keys,
    registry: engineDeps.registry,
    logger,
    publicUrl: 'http://bench',
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const { client } = await createClient(engine.database.db, { name: 'bench e2e' });
  const { access_token: token } = await issueAccessToken(keys, 'http://bench', client.id, [
    'connections:read',
    'connections:write',
  ]);
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const receiver = await startHistoricalReceiver();
  await createEndpoint(engineDeps, client.id, {
    url: receiver.url,
    events: ['connection.historical_update'],
  });
  const times: number[] = [];
  const webhookTimes: number[] = [];
  const lags: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    const created = await fetch(`${base}/v1/connections`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        institution_id: 'ins_sandbox_bank',
        credentials: { username: 'user_good_10000', password: 'pass_good' },
        access_mode: 'recurrent',
      }),
    });
    const { id } = (await created.json()) as { id: string };
    for (;;) {
      const c = (await (await fetch(`${base}/v1/connections/${id}`, { headers })).json()) as {
        status: string;
      };
      if (c.status !== 'pending') break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    times.push(performance.now() - start);
    while (!receiver.arrivals.has(id)) await new Promise((resolve) => setTimeout(resolve, 5));
    const arrival = receiver.arrivals.get(id)!;
    webhookTimes.push(arrival.at - start);
    lags.push(arrival.lagMs);
  }
  await receiver.close();
  await app.close();
  await dispatcher?.stop();
  await boss.stop({ graceful: false, timeout: 2000 });
  keys.stop();
  return { toOk: median(times), toWebhook: median(webhookTimes), webhookLag: median(lags) };
}

/** Wall time and CPU (this process; the cluster when local) of one step. */
interface Sample {
  ms: number;
  nodeCpu: number;
  dbCpu: number | undefined;
}

async function measured(engine: Engine, step: () => Promise<void>): Promise<Sample> {
  const dbBefore = engine.postmaster === undefined ? undefined : clusterCpuSeconds(engine.postmaster);
  const nodeBefore = processCpuSeconds();
  const start = performance.now();
  await step();
  const ms = performance.now() - start;
  const nodeCpu = processCpuSeconds() - nodeBefore;
  const dbCpu = dbBefore === undefined ? undefined : clusterCpuSeconds(engine.postmaster!) - dbBefore;
  return { ms, nodeCpu, dbCpu };
}

/** Loads prebuilt reference rows: COPY of 5,000 rows a statement (PostgreSQL), `unnest` of 1,000 (PGlite). */
async function loadReference(engine: Engine, rows: readonly (readonly unknown[])[]): Promise<void> {
  if (engine.url) {
    const client = new pg.Client({ connectionString: engine.url });
    await client.connect();
    const names = referenceColumns.map((c) => c.name).join(', ');
    for (let start = 0; start < rows.length; start += 5000)
      await pipeline(
        Readable.from([copyText(rows.slice(start, start + 5000))]),
        client.query(copyFrom(`copy ${REFERENCE_TABLE} (${names}) from stdin`)),
      );
    await client.end();
    return;
  }
  const insert = unnestInsert(engine.database.db as never);
  for (let start = 0; start < rows.length; start += 1000)
    await insert(REFERENCE_TABLE, referenceColumns, rows.slice(start, start + 1000));
}

/** Stores every batch as a refresh does (publishing the changes after each). */
async function storeAll(
  database: Database,
  context: { clientId: string; connectionId: string },
  batches: AsyncIterable<NormalizedRecord[]> | readonly NormalizedRecord[][],
  prepare?: PrepareRecords,
): Promise<number> {
  const ingest = ingestOptionsFor(database);
  let count = 0;
  for await (const batch of batches) {
    await upsertRecords(database.db, ingest, context, 'transactions', batch, prepare);
    await publishChanges(database.db, context.connectionId);
    count += batch.length;
  }
  return count;
}

const rate = (rows: number, sample: Sample) => Math.round((rows / sample.ms) * 1000);
const perRow = (seconds: number | undefined, rows: number) =>
  seconds === undefined ? '—' : `${Math.round((seconds * 1e6) / rows)}`;

/**
 * JavaScript per row: the previous store's row + COPY text, against the row builder's, both in the
 * store's chunks of 5,000 records (what one COPY statement carries on PostgreSQL).
 */
function javascriptPerRow(records: readonly NormalizedRecord[]): string[][] {
  const owner = { clientId: 'cli_bench', connectionId: 'con_bench_js' };
  const now = new Date().toISOString();
  const chunks: NormalizedRecord[][] = [];
  for (let start = 0; start < records.length; start += 5000) chunks.push(records.slice(start, start + 5000));
  const time = (fn: (chunk: readonly NormalizedRecord[]) => void) => {
    const runs: number[] = [];
    for (let run = 0; run < 5; run++) {
      const start = performance.now();
      for (const chunk of chunks) fn(chunk);
      runs.push(performance.now() - start);
    }
    return (median(runs) * 1000) / records.length;
  };
  const reference = time((chunk) => referenceCopyText(chunk, owner));
  const identify = time((chunk) => {
    const builder = new RowBuilder(owner.connectionId, 'transactions');
    for (const record of chunk) builder.identify(record);
  });
  const seqs = Array.from({ length: 5000 }, (_, i) => i + 1);
  // What storeChunk does for a chunk of new records on PostgreSQL, and the COPY text it sends.
  const lean = time((chunk) => {
    const builder = new RowBuilder(owner.connectionId, 'transactions');
    const items = chunk.map((record) => builder.identify(record));
    copyText(insertRows(builder, items, undefined, { ...owner, seqs, now }));
  });
  const categoriser = time((chunk) => withCategories('transactions', chunk));
  return [
    ['previous store: `toRow` + COPY text (the reference rows)', reference.toFixed(1)],
    ['row builder, unchanged record: id + content hash', identify.toFixed(1)],
    ['row builder, new record: id, hash, typed values, served text, COPY text', lean.toFixed(1)],
    ['categoriser (refresh path, new or changed records only)', categoriser.toFixed(1)],
  ];
}

/** Streams user_good_<count>'s transactions (generation is not timed: only the store calls are). */
async function* streamed(count: number, timer: { ms: number }): AsyncGenerator<NormalizedRecord[]> {
  for await (const batch of sandboxBatches(count)) {
    const start = performance.now();
    yield batch;
    timer.ms += performance.now() - start;
  }
}

async function scale(engines: Engine[]): Promise<void> {
  const rows: string[][] = [];
  for (const engine of engines) {
    const { client } = await createClient(engine.database.db, { name: 'bench scale' });
    for (const count of [100_000, 1_000_000]) {
      const connectionId = `con_scale_${count}`;
      await newConnection(engine.database.db, client.id, connectionId);
      const timer = { ms: 0 };
      const stored = await storeAll(
        engine.database,
        { clientId: client.id, connectionId },
        streamed(count, timer),
      );
      rows.push([
        `${engine.name} ${engine.version}`,
        stored.toLocaleString('en'),
        `${(timer.ms / 1000).toFixed(1)} s`,
        Math.round((stored / timer.ms) * 1000).toLocaleString('en'),
      ]);
      process.stdout.write(`${rows.at(-1)!.join(' · ')}\n`);
    }
    await engine.close();
  }
  process.stdout.write(`\nMachine: ${machine()}\n\n`);
  process.stdout.write(
    `${table(['engine', 'rows stored (one table, after the previous ones)', 'store time', 'rows/s'], rows)}\n`,
  );
}

async function main() {
  if (process.env.BENCH_JS_ONLY === '1') {
    const records = (await sandboxTransactions(ROWS)).flat();
    process.stdout.write(
      `Machine: ${machine()}\n\nJavaScript per row (µs, median of 5 over ${ROWS.toLocaleString('en')} rows)\n\n`,
    );
    process.stdout.write(`${table(['step', 'µs/row'], javascriptPerRow(records))}\n`);
    return;
  }
  const engines = await openEngines();
  if (SCALE) return scale(engines);
  process.stdout.write(`Generating ${ROWS.toLocaleString('en')} sandbox transactions…\n`);
  const batches = await sandboxTransactions(ROWS);
  const records = batches.flat();
  const results: string[][] = [];
  const ratios: string[][] = [];
  for (const engine of engines) {
    const db = engine.database.db;
    // One statement at a time: a prepared statement holds one command.
    for (const statement of referenceTableSql.split(';')) await sql.raw(statement).execute(db);
    const { client } = await createClient(db, { name: 'bench' });
    const samples: Record<'new' | 'categorised' | 'unchanged' | 'reference', Sample[]> = {
      new: [],
      categorised: [],
      unchanged: [],
      reference: [],
    };
    for (let run = 0; run < RUNS; run++) {
      const context = { clientId: client.id, connectionId: `con_bench_${run}` };
      await newConnection(db, client.id, context.connectionId);
      samples.new.push(
        await measured(engine, async () => void (await storeAll(engine.database, context, batches))),
      );
      samples.unchanged.push(
        await measured(engine, async () => void (await storeAll(engine.database, context, batches))),
      );
      const categorised = { clientId: client.id, connectionId: `con_categorised_${run}` };
      await newConnection(db, client.id, categorised.connectionId);
      samples.categorised.push(
        await measured(
          engine,
          async () => void (await storeAll(engine.database, categorised, batches, withCategories)),
        ),
      );
      const owner = { clientId: client.id, connectionId: `con_reference_${run}` };
      await newConnection(db, client.id, owner.connectionId);
      const prebuilt = records.map((record, i) => referenceRow(record, owner, i + 1));
      samples.reference.push(await measured(engine, () => loadReference(engine, prebuilt)));
    }
    const pick = (list: Sample[]) => list.find((s) => s.ms === median(list.map((x) => x.ms)))!;
    const reference = pick(samples.reference);
    for (const [label, list] of [
      ['Tesoro, new rows', samples.new],
      ['Tesoro, new rows + categoriser (refresh path)', samples.categorised],
      ['Tesoro, unchanged rows', samples.unchanged],
      ['reference: previous rows prebuilt, COPY / unnest', samples.reference],
    ] as const) {
      const sample = pick(list);
      results.push([
        `${engine.name} ${engine.version}`,
        label,
        rate(ROWS, sample).toLocaleString('en'),
        (reference.ms / sample.ms).toFixed(2),
        perRow(sample.nodeCpu, ROWS),
        perRow(sample.dbCpu, ROWS),
      ]);
    }
    const e2e = await connectionToOk(engine);
    ratios.push([
      `${engine.name} ${engine.version}`,
      `${Math.round(e2e.toOk).toLocaleString('en')} ms`,
      `${Math.round(e2e.toWebhook).toLocaleString('en')} ms`,
      `${Math.round(e2e.webhookLag)} ms`,
    ]);
    await engine.close();
  }
  process.stdout.write(`\nMachine: ${machine()}\n`);
  process.stdout.write(
    `${ROWS.toLocaleString('en')} transactions (user_good_${ROWS}), median of ${RUNS} runs\n\n`,
  );
  process.stdout.write(
    `${table(['engine', 'what', 'rows/s', '× reference', 'Node CPU µs/row', 'PostgreSQL CPU µs/row'], results)}\n\n`,
  );
  process.stdout.write(`JavaScript per row (µs, median of 5 over ${ROWS.toLocaleString('en')} rows)\n\n`);
  process.stdout.write(`${table(['step', 'µs/row'], javascriptPerRow(records))}\n\n`);
  process.stdout.write(
    `${table(['engine', 'user_good_10000: POST → ok', 'POST → historical webhook received', 'event written → received'], ratios)}\n`,
  );
}

await main();
