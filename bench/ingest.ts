// npm run bench:ingest — how fast normalised transactions are stored with dedupe, against a raw
// COPY of the same rows into the same table, and how long a 10,000-transaction sandbox connection
// takes from POST /v1/connections to status ok. PGlite always; PostgreSQL too when
// BENCH_DATABASE_URL (or TEST_DATABASE_URL) names a server where databases can be created.
import { once } from 'node:events';
import http from 'node:http';
import os from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { buildApp } from '../src/app.ts';
import { defaultRegistry } from '../src/connectors/registry.ts';
import type { NormalizedRecord } from '../src/domain/records.ts';
import { jobSender } from '../src/jobs/sender.ts';
import { startQueue, startWorkers } from '../src/jobs/workers.ts';
import { createLogger } from '../src/logger.ts';
import { generateMasterKeyText, parseMasterKeyring } from '../src/security/envelope.ts';
import { createClient } from '../src/services/clients.ts';
import { KeyStore } from '../src/services/keys.ts';
import { issueAccessToken } from '../src/services/tokens.ts';
import { createEndpoint } from '../src/services/webhooks.ts';
import {
  type Database,
  databaseFromPglite,
  databaseFromUrl,
  migrateToLatest,
  pgliteParsers,
} from '../src/store/database.ts';
import {
  contentHash,
  ingestOptionsFor,
  publishChanges,
  recordId,
  upsertRecords,
} from '../src/store/records.ts';
import { sandboxTransactions } from './sandbox-rows.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const csvField = (value: unknown) => {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** The same rows upsertRecords would write, as CSV for COPY. */
function toCsv(batches: NormalizedRecord[][], clientId: string, connectionId: string): string {
  const lines: string[] = [];
  let seq = 1;
  for (const batch of batches) {
    for (const r of batch) {
      lines.push(
        [
          recordId(connectionId, 'transactions', r.naturalKey),
          clientId,
          connectionId,
          r.naturalKey,
          recordId(connectionId, 'accounts', r.parentKey!),
          JSON.stringify(r.data),
          JSON.stringify(r.raw),
          contentHash(r),
          seq,
          seq++,
          r.data.operation_date,
          r.data.value_date,
          r.data.amount,
          r.data.currency,
          r.data.pending === true,
          typeof r.data.pending_natural_key === 'string'
            ? recordId(connectionId, 'transactions', r.data.pending_natural_key)
            : null,
        ]
          .map(csvField)
          .join(','),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

const COPY_SQL = `copy transactions (id, client_id, connection_id, natural_key, parent_id, data, raw, hash, change_seq, created_seq, operation_date, value_date, amount, currency, pending, pending_transaction_id) from stdin with (format csv)`;

async function copyRows(engine: Engine, csv: string): Promise<void> {
  if (engine.pglite) {
    await engine.pglite.query(COPY_SQL.replace('from stdin', "from '/dev/blob'"), [], {
      blob: new Blob([csv]),
    });
    return;
  }
  const client = new pg.Client({ connectionString: engine.url });
  await client.connect();
  await pipeline(Readable.from([csv]), client.query(copyFrom(COPY_SQL)));
  await client.end();
}

interface Engine {
  name: string;
  database: Database;
  pglite?: PGlite;
  url?: string;
  version: string;
  close(): Promise<void>;
}

async function openEngines(): Promise<Engine[]> {
  const engines: Engine[] = [];
  const pglite = new PGlite({ parsers: pgliteParsers });
  await pglite.waitReady;
  const pgliteDb = databaseFromPglite(pglite);
  engines.push({
    name: 'PGlite',
    database: pgliteDb,
    pglite,
    version: (await pglite.query<{ server_version: string }>('show server_version')).rows[0]!.server_version,
    close: () => pgliteDb.close(),
  });
  const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (adminUrl) {
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

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function timeIt(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
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

async function main() {
  process.stdout.write(`Generating ${ROWS.toLocaleString('en')} sandbox transactions…\n`);
  const batches = await sandboxTransactions(ROWS);
  const engines = await openEngines();
  const rows: string[][] = [];
  for (const engine of engines) {
    const db = engine.database.db;
    const { client } = await createClient(db, { name: 'bench' });
    const insert: number[] = [];
    const dedupe: number[] = [];
    const copy: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const connectionId = `con_bench_${run}`;
      await newConnection(db, client.id, connectionId);
      const context = { clientId: client.id, connectionId };
      const ingest = ingestOptionsFor(engine.database);
      const store = async () => {
        for (const batch of batches) {
          await upsertRecords(db, ingest, context, 'transactions', batch);
          await publishChanges(db, connectionId);
        }
      };
      insert.push(await timeIt(store));
      dedupe.push(await timeIt(store));
      const copyId = `con_copy_${run}`;
      await newConnection(db, client.id, copyId);
      const csv = toCsv(batches, client.id, copyId);
      copy.push(await timeIt(() => copyRows(engine, csv)));
    }
    const perSecond = (ms: number) => Math.round((ROWS / ms) * 1000);
    const e2e = await connectionToOk(engine);
    rows.push([
      `${engine.name} ${engine.version}`,
      perSecond(median(insert)).toLocaleString('en'),
      perSecond(median(dedupe)).toLocaleString('en'),
      perSecond(median(copy)).toLocaleString('en'),
      `${(median(copy) / median(insert)).toFixed(2)}`,
      `${Math.round(e2e.toOk).toLocaleString('en')} ms`,
      `${Math.round(e2e.toWebhook).toLocaleString('en')} ms`,
      `${Math.round(e2e.webhookLag)} ms`,
    ]);
    await engine.close();
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  process.stdout.write(
    `\nMachine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}; Node ${process.version}\n`,
  );
  process.stdout.write(
    `${ROWS.toLocaleString('en')} transactions in batches of 5,000; median of ${RUNS} runs\n\n`,
  );
  const header = [
    'engine',
    'Tesoro upsert rows/s (new)',
    'upsert rows/s (unchanged, dedupe)',
    'raw COPY rows/s (baseline)',
    'COPY time ÷ upsert time',
    'user_good_10000: POST → ok',
    'POST → historical webhook received',
    'event written → received',
  ];
  process.stdout.write(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|\n`);
  for (const row of rows) process.stdout.write(`| ${row.join(' | ')} |\n`);
}

await main();
