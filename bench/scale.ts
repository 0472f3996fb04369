// npm run bench:scale — 10,000 connections on scheduled refreshes against one PostgreSQL, drained
// by 1, 2 and 4 `tesoro worker` processes. For each worker count, in a fresh database:
//   1. 10,000 recurrent sandbox connections are written straight into the database (status ok,
//      sealed credentials of `user_good_<TXNS>`, a small extraction: the bank's products with
//      TXNS current-account movements), every one due now: the backlog a first start, or an
//      outage, leaves;
//   2. the workers start and the bench sends the schedule's job once (rather than waiting for the
//      minute): the pass queues the due refreshes in batches of 500, the workers take them;
//   3. after a warm-up, a window of WINDOW seconds is measured: refreshes finished in it (per
//      hour), the queue wait (queued → started) of the refreshes started in it, p50 and p99, CPU of
//      the workers and of the database cluster (when it runs on this machine), failed refreshes.
// Draining all 10,000 takes far longer than a window with one worker, so each configuration is
// measured over its window, not to the end (the table says how many were done).
//
//   BENCH_DATABASE_URL=postgres://user@host/postgres node bench/scale.ts
//   env: BENCH_CONNECTIONS (10000), BENCH_TXNS (50), BENCH_WORKERS (1,2,4), BENCH_WINDOW (120 s),
//        BENCH_WARMUP (15 s)
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import pg from 'pg';
import { sandboxInstitutions } from '../src/connectors/sandbox/institutions.ts';
import { statusDetails } from '../src/domain/connection-status.ts';
import { newId } from '../src/domain/ids.ts';
import { SCHEDULE_REFRESHES } from '../src/jobs/definitions.ts';
import { startQueue } from '../src/jobs/workers.ts';
import { createLogger } from '../src/logger.ts';
import { generateMasterKeyText, parseMasterKeyring, seal } from '../src/security/envelope.ts';
import { createClient } from '../src/services/clients.ts';
import { sealContext } from '../src/services/deps.ts';
import { databaseFromUrl } from '../src/store/database.ts';
import { clusterCpuSeconds, cpuSeconds, localPostmaster, machine, table } from './measure.ts';
import { adminQuery, databaseUrlFor } from './server-process.ts';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10_000);
const TXNS = Number(process.env.BENCH_TXNS ?? 50);
const WORKERS = (process.env.BENCH_WORKERS ?? '1,2,4').split(',').map(Number);
const WINDOW_S = Number(process.env.BENCH_WINDOW ?? 120);
const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 15);
const TREE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const INSTITUTION = 'ins_sandbox_bank';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Outcome {
  workers: number;
  perHour: number;
  finished: number;
  failed: number;
  doneAtEnd: number;
  waitP50: number;
  waitP99: number;
  refreshP50: number;
  workerCpu: number;
  databaseCpu: number | undefined;
  window: number;
  queuedIn: number;
}

const databaseUrl = (name: string) => databaseUrlFor(ADMIN_URL!, name);
const admin = (statement: string) => adminQuery(ADMIN_URL, statement);

/** The connections, written in statements of 1,000: status ok, credentials sealed, due now. */
async function seed(url: string, masterKey: string): Promise<void> {
  const database = databaseFromUrl(url, 4);
  try {
    const keyring = parseMasterKeyring(masterKey);
    const { client } = await createClient(database.db, { name: 'bench scale' });
    const institution = sandboxInstitutions.find((i) => i.id === INSTITUTION)!;
    const products = [...institution.products];
    const credentials = JSON.stringify({ username: `user_good_${TXNS}`, password: 'pass_good' });
    const dueAt = new Date(Date.now() - 3600_000);
    const lastAt = new Date(Date.now() - 86_400_000);
    for (let start = 0; start < CONNECTIONS; start += 1000) {
      const ids = Array.from({ length: Math.min(1000, CONNECTIONS - start) }, () => newId('connection'));
      const sealed = ids.map((id) => seal(keyring, credentials, sealContext.credentials(id)));
      // Due a millisecond apart: the schedule takes the longest overdue first.
      const due = ids.map((_, i) => new Date(dueAt.getTime() + start + i).toISOString());
      await sql`
        insert into connections (id, client_id, institution_id, connector, access_mode, refresh_interval,
          products, history_days, status, status_detail, credentials_sealed, refresh_count,
          last_refresh_at, next_refresh_at)
        select id, ${client.id}, ${INSTITUTION}, 'sandbox', 'recurrent', '24h', ${products}::text[], 730,
          'ok', ${statusDetails.ok}, sealed, 1, ${lastAt}, due
        from unnest(${ids}::text[], ${sealed}::text[], ${due}::timestamptz[]) as c(id, sealed, due)`.execute(
        database.db,
      );
    }
  } finally {
    await database.close();
  }
}

function startWorker(url: string, masterKey: string): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(process.execPath, ['src/main.ts', 'worker'], {
    cwd: TREE,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.tmpdir(),
      DATABASE_URL: url,
      TESORO_MASTER_KEY: masterKey,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      tail = `${tail}${text}`.slice(-5000);
      if (text.includes('"msg":"worker started"')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited (${code}):\n${tail}`)));
  });
  ready.catch(() => {});
  return { child, ready };
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
  await exited;
  clearTimeout(timer);
}

async function measure(workers: number, postmaster: number | undefined): Promise<Outcome> {
  const name = `tesoro_bench_scale_${process.pid}_${workers}`;
  await admin(`drop database if exists ${name} with (force)`);
  await admin(`create database ${name}`);
  const url = databaseUrl(name);
  const masterKey = generateMasterKeyText();
  const children: ChildProcess[] = [];
  const client = new pg.Client({ connectionString: url });
  try {
    execFileSync(process.execPath, ['src/main.ts', 'migrate'], {
      cwd: TREE,
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: url,
        TESORO_MASTER_KEY: masterKey,
        LOG_LEVEL: 'warn',
      },
    });
    await seed(url, masterKey);
    const started = Array.from({ length: workers }, () => startWorker(url, masterKey));
    children.push(...started.map((w) => w.child));
    await Promise.all(started.map((w) => w.ready));
    await client.connect();
    const query = async <R>(text: string, values: unknown[] = []) =>
      (await client.query(text, values)).rows as R[];
    // The schedule's pass, now rather than at the next minute.
    const database = databaseFromUrl(url, 2);
    const boss = await startQueue(database, createLogger('silent'), false);
    const sentAt = Date.now();
    await boss.send(SCHEDULE_REFRESHES, {});
    await boss.stop({ graceful: false, close: true });
    await database.close();
    // Warm-up: from the first refresh that started.
    for (;;) {
      const [row] = await query<{ n: string }>(
        `select count(*) as n from refreshes where started_at is not null`,
      );
      if (Number(row!.n) > 0) break;
      if (Date.now() - sentAt > 120_000) throw new Error('no refresh started');
      await sleep(200);
    }
    await sleep(WARMUP_S * 1000);
    const cpuNow = () => ({
      workers: children.reduce((sum, child) => sum + cpuSeconds(child.pid!), 0),
      database: postmaster === undefined ? undefined : clusterCpuSeconds(postmaster),
    });
    const [{ now: windowStart }] = (await query<{ now: Date }>('select now()')) as [{ now: Date }];
    const cpuStart = cpuNow();
    await sleep(WINDOW_S * 1000);
    const [{ now: windowEnd }] = (await query<{ now: Date }>('select now()')) as [{ now: Date }];
    const cpuEnd = cpuNow();
    const [stats] = await query<Record<string, string | number | null>>(
      `select
         count(*) filter (where finished_at >= $1 and finished_at < $2) as finished,
         count(*) filter (where finished_at >= $1 and finished_at < $2 and status = 'failed') as failed,
         count(*) filter (where finished_at is not null) as done,
         percentile_cont(0.5) within group (order by extract(epoch from started_at - created_at))
           filter (where started_at >= $1 and started_at < $2) as wait_p50,
         percentile_cont(0.99) within group (order by extract(epoch from started_at - created_at))
           filter (where started_at >= $1 and started_at < $2) as wait_p99,
         percentile_cont(0.5) within group (order by extract(epoch from finished_at - started_at))
           filter (where finished_at >= $1 and finished_at < $2) as run_p50,
         extract(epoch from max(created_at) - min(created_at)) as queued_in
       from refreshes where trigger = 'scheduled'`,
      [windowStart, windowEnd],
    );
    const window = (windowEnd.getTime() - windowStart.getTime()) / 1000;
    const finished = Number(stats!.finished);
    return {
      workers,
      perHour: (finished / window) * 3600,
      finished,
      failed: Number(stats!.failed),
      doneAtEnd: Number(stats!.done),
      waitP50: Number(stats!.wait_p50),
      waitP99: Number(stats!.wait_p99),
      refreshP50: Number(stats!.run_p50),
      workerCpu: cpuEnd.workers - cpuStart.workers,
      databaseCpu: cpuStart.database === undefined ? undefined : (cpuEnd.database ?? 0) - cpuStart.database,
      window,
      queuedIn: Number(stats!.queued_in),
    };
  } finally {
    await Promise.all(children.map(stopWorker));
    await client.end().catch(() => {});
    await admin(`drop database if exists ${name} with (force)`);
  }
}

async function main(): Promise<void> {
  if (!ADMIN_URL)
    throw new Error(
      'set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to a server where databases can be created',
    );
  const postmaster = await localPostmaster(ADMIN_URL);
  const versionClient = new pg.Client({ connectionString: ADMIN_URL });
  await versionClient.connect();
  const version = (await versionClient.query('show server_version')).rows[0].server_version as string;
  await versionClient.end();
  process.stdout.write(
    `Machine: ${machine()}; PostgreSQL ${version}${postmaster ? ' on this machine' : ''}\n`,
  );
  process.stdout.write(
    `${CONNECTIONS.toLocaleString('en')} connections (user_good_${TXNS}, every product of ${INSTITUTION}), all due; ` +
      `warm-up ${WARMUP_S} s, window ${WINDOW_S} s\n\n`,
  );
  const outcomes: Outcome[] = [];
  for (const workers of WORKERS) {
    process.stdout.write(`${workers} worker${workers === 1 ? '' : 's'}…\n`);
    const outcome = await measure(workers, postmaster);
    outcomes.push(outcome);
    process.stdout.write(`  ${JSON.stringify(outcome)}\n`);
  }
  const base = outcomes.find((o) => o.workers === 1)?.perHour ?? outcomes[0]!.perHour;
  const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
  process.stdout.write(
    `\n${table(
      [
        '`tesoro worker` processes',
        'refreshes per hour',
        '× 1 worker',
        'queue wait p50 / p99',
        'refresh p50',
        'worker CPU-s per refresh',
        'database CPU (cores busy)',
        'database CPU-ms per refresh',
        'done / failed in the window',
      ],
      outcomes.map((o) => [
        String(o.workers),
        Math.round(o.perHour).toLocaleString('en'),
        `${fixed(o.perHour / base, 2)}×`,
        `${fixed(o.waitP50)} s / ${fixed(o.waitP99)} s`,
        `${Math.round(o.refreshP50 * 1000)} ms`,
        fixed(o.workerCpu / Math.max(1, o.finished), 3),
        o.databaseCpu === undefined ? '–' : fixed(o.databaseCpu / o.window, 2),
        o.databaseCpu === undefined ? '–' : fixed((o.databaseCpu * 1000) / Math.max(1, o.finished), 0),
        `${o.finished.toLocaleString('en')} / ${o.failed}`,
      ]),
    )}\n\nAll ${CONNECTIONS.toLocaleString('en')} refreshes were queued within ${outcomes
      .map((o) => `${fixed(o.queuedIn)} s`)
      .join(', ')} of the schedule's pass.\n`,
  );
}

await main();
