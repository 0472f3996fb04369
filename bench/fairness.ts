// npm run bench:fairness — does a large refresh hold up everyone else? Times a new `user_good`
// connection (POST /v1/connections → `ok`, the end user's wait on the Connect page) on an idle
// server, while a `user_good_<BIG>` extraction runs, and while that extraction runs again after the
// server was killed in the middle of it (resumed at the restart on PGlite; retried by pg-boss after
// its missed heartbeat on PostgreSQL).
//
// Each tree (this one, and with --baseline another checkout) runs as a real `tesoro serve` child
// process (fresh data dir or fresh PostgreSQL database, free port, LOG_LEVEL=debug so the server's
// "stored a batch" lines say how far the big extraction is):
//   1. idle: one warm-up, then PROBES user_good connections, one after the other;
//   2. running: POST the big connection; once it has stored a batch of transactions, PROBES
//      user_good connections one after the other (a second apart); once it has stored KILL_AT
//      batches, SIGKILL;
//   3. resumed: start the server again, and PROBES user_good connections one after the other (a
//      second apart) while the big one resumes, which is then left to end alone;
//   4. after the server stopped: the pg-boss jobs that ran the big refresh (how many, and how many
//      of them were active at the same time) read from the job table.
// Every probe also gives its refresh's queue wait (started_at − created_at, server clock).
//
//   node bench/fairness.ts [--baseline DIR] [--tree DIR] [--big 300000] [--kill-at 4] [--probes 5]
//                          [--only PGlite|PostgreSQL]
//
// PostgreSQL runs when DATABASE_URL (or BENCH_DATABASE_URL, TEST_DATABASE_URL) names a server where
// the bench may create databases. CPU is read from /proc: the server process and, when PostgreSQL
// runs on this machine, its whole cluster.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { clusterCpuSeconds, cpuSeconds, localPostmaster, machine, median, table } from './measure.ts';
import {
  type Api,
  apiFor,
  benchEngines,
  benchTrees,
  devClient,
  type EngineName,
  freePort,
  option,
  serverVersion,
  type Tree,
} from './server-process.ts';

const BIG = Number(option('big', '300000'));
/** Batches of 5,000 transactions the big extraction has stored when the server is killed. */
const KILL_AT = Number(option('kill-at', '4'));
const BASELINE = option('baseline', undefined);
/** The checkout measured as "this tree" (default: the one this file is in). */
const TREE = path.resolve(
  option('tree', '') || path.join(path.dirname(fileURLToPath(import.meta.url)), '..'),
);
const ONLY = option('only', undefined);
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL;
const PROBE_GAP_MS = 1000;

interface Probe {
  okMs: number;
  queueMs: number;
  /** The big refresh was in flight when the probe ended. */
  overlapped: boolean;
}
interface Result {
  idle: Probe[];
  running: Probe[];
  resumed: Probe[];
  /** Fresh POST of the big connection → killed, and restart → ok. */
  bigBeforeKillMs: number;
  bigAfterRestartMs: number;
  /** pg-boss jobs that started on the big refresh, and the most active at once. */
  bigJobs: number;
  bigJobsAtOnce: number;
  /** CPU seconds of the server process and the database cluster (PostgreSQL), and wall seconds, per phase. */
  cpu: Record<'idle' | 'running' | 'resumed', { server: number; database: number | undefined; wall: number }>;
}

/** Probes per phase (the median is reported). */
const PROBES = Number(option('probes', '5'));

/** CPU so far of a server process and the database cluster, with the wall clock. */
function cpuMark(server: { child: ChildProcess }, postmaster: number | undefined) {
  return {
    server: cpuSeconds(server.child.pid!),
    database: postmaster === undefined ? undefined : clusterCpuSeconds(postmaster),
    wall: performance.now() / 1000,
  };
}
type CpuMark = ReturnType<typeof cpuMark>;
const cpuSince = (start: CpuMark, end: CpuMark) => ({
  server: end.server - start.server,
  database: start.database === undefined ? undefined : end.database! - start.database,
  wall: end.wall - start.wall,
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Server {
  child: ChildProcess;
  baseUrl: string;
  /** Batches of transactions stored so far for `refreshId` (from the debug log). */
  batches(refreshId: string): number;
  tail(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

async function startServer(tree: Tree, env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, ['src/main.ts', 'serve'], {
    cwd: tree.dir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.tmpdir(),
      LOG_LEVEL: 'debug',
      HOST: '127.0.0.1',
      PORT: String(port),
      TESORO_PUBLIC_URL: `http://127.0.0.1:${port}`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const counts = new Map<string, number>();
  let tail = '';
  let partial = '';
  const onData = (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.includes('"msg":"stored a batch"') && line.includes('"product":"transactions"')) {
        const refresh = /"refresh":"([^"]+)"/.exec(line)?.[1];
        if (refresh) counts.set(refresh, (counts.get(refresh) ?? 0) + 1);
      } else if (!line.includes('"level":20') && !line.includes('"level":30')) {
        tail = `${tail}${line}\n`.slice(-20_000);
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = once(child, 'exit');
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${tail}`);
    try {
      if ((await fetch(`${baseUrl}/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not become ready:\n${tail}`);
    }
    await sleep(100);
  }
  return {
    child,
    baseUrl,
    batches: (refreshId) => counts.get(refreshId) ?? 0,
    tail: () => tail,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function create(api: Api, username: string): Promise<string> {
  const created = await api.call('POST', '/v1/connections', {
    institution_id: 'ins_sandbox_bank',
    credentials: { username, password: 'pass_good' },
    access_mode: 'recurrent',
  });
  if (created.status !== 201) throw new Error(`connection: ${JSON.stringify(created.body)}`);
  return created.body.id as string;
}

async function isDone(api: Api, id: string): Promise<boolean> {
  const { body } = await api.call('GET', `/v1/connections/${id}`);
  return body.status === 'ok' && body.refresh === null;
}

async function refreshOf(api: Api, id: string): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const { body } = await api.call('GET', `/v1/connections/${id}`);
    if (body.refresh?.id) return body.refresh.id as string;
    await sleep(50);
  }
  throw new Error(`connection ${id} shows no refresh`);
}

/** One new user_good connection: POST → ok (polled every 10 ms, as bench:idle does). */
async function probe(api: Api, bigId: string | null): Promise<Probe> {
  const start = Date.now();
  const id = await create(api, 'user_good');
  for (;;) {
    if (await isDone(api, id)) break;
    if (Date.now() - start > 900_000) throw new Error(`connection ${id} did not finish`);
    await sleep(10);
  }
  const okMs = Date.now() - start;
  const refreshes = await api.call('GET', `/v1/connections/${id}/refreshes`);
  const first = refreshes.body.data.at(-1) as { created_at: string; started_at: string };
  const overlapped = bigId ? !(await isDone(api, bigId)) : false;
  return { okMs, queueMs: Date.parse(first.started_at) - Date.parse(first.created_at), overlapped };
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * The pg-boss jobs of `refreshId` that ran after the restart, and the most of them active at the
 * same time (a job's row is reused by its retries: started_on is its latest start).
 */
async function jobsOf(
  engine: EngineName,
  dataDir: string,
  url: string | undefined,
  refreshId: string,
  since: number,
): Promise<{ jobs: number; atOnce: number; rows: string[] }> {
  const query = `
    select id, state, retry_count, started_on, completed_on from pgboss.job
    where data->>'refreshId' = $1 order by created_on`;
  type Row = {
    id: string;
    state: string;
    retry_count: number;
    started_on: Date | null;
    completed_on: Date | null;
  };
  let rows: Row[];
  if (engine === 'PGlite') {
    const pglite = new PGlite(path.join(dataDir, 'pgdata'));
    try {
      rows = (await pglite.query<Row>(query, [refreshId])).rows;
    } finally {
      await pglite.close();
    }
  } else {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      rows = (await client.query(query, [refreshId])).rows;
    } finally {
      await client.end();
    }
  }
  const ran = rows.filter((r) => r.started_on && r.started_on.getTime() >= since && r.completed_on);
  const events = ran.flatMap((r) => [
    [r.started_on!.getTime(), 1],
    [r.completed_on!.getTime() - 0.5, -1],
  ]);
  events.sort((a, b) => a[0]! - b[0]!);
  let active = 0;
  let atOnce = 0;
  for (const [, delta] of events) {
    active += delta!;
    atOnce = Math.max(atOnce, active);
  }
  const at = (d: Date | null) => (d ? `${((d.getTime() - since) / 1000).toFixed(1)}s` : '–');
  return {
    jobs: ran.length,
    atOnce,
    rows: rows.map(
      (r) =>
        `${r.state} retries=${r.retry_count} started ${at(r.started_on)} completed ${at(r.completed_on)}`,
    ),
  };
}

async function measure(tree: Tree, engine: EngineName): Promise<Result> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tesoro-bench-fair-'));
  const env: Record<string, string> = { TESORO_DATA_DIR: dataDir };
  const name = `tesoro_bench_fair_${process.pid}_${Date.now()}`;
  let databaseUrl: string | undefined;
  if (engine === 'PostgreSQL') {
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(ADMIN_URL!);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    env.DATABASE_URL = databaseUrl;
  }
  const postmaster = databaseUrl ? await localPostmaster(databaseUrl) : undefined;
  let server = await startServer(tree, env);
  try {
    const dev = devClient(tree.dir, env, 'bench fairness');
    let api = await apiFor(server.baseUrl, dev);
    // Warm-up: the first connection compiles the code paths and fills the caches.
    await probe(api, null);
    const idle: Probe[] = [];
    let mark = cpuMark(server, postmaster);
    for (let i = 0; i < PROBES; i++) {
      await sleep(PROBE_GAP_MS);
      idle.push(await probe(api, null));
    }
    const idleCpu = cpuSince(mark, cpuMark(server, postmaster));
    const bigStart = Date.now();
    mark = cpuMark(server, postmaster);
    const bigId = await create(api, `user_good_${BIG}`);
    const bigRefresh = await refreshOf(api, bigId);
    await waitUntil(() => server.batches(bigRefresh) >= 1, 600_000, 'the first batch of the big extraction');
    const running: Probe[] = [];
    while (running.length < PROBES && !(await isDone(api, bigId))) {
      await sleep(PROBE_GAP_MS);
      running.push(await probe(api, bigId));
      process.stdout.write('.');
    }
    await waitUntil(() => server.batches(bigRefresh) >= KILL_AT, 900_000, `${KILL_AT} batches`);
    const runningCpu = cpuSince(mark, cpuMark(server, postmaster));
    const bigBeforeKillMs = Date.now() - bigStart;
    await server.stop('SIGKILL');
    const restart = Date.now();
    server = await startServer(tree, env);
    mark = cpuMark(server, postmaster);
    api = await apiFor(server.baseUrl, dev);
    const resumed: Probe[] = [];
    let bigAfterRestartMs = Number.NaN;
    for (;;) {
      await sleep(PROBE_GAP_MS);
      if (await isDone(api, bigId)) {
        bigAfterRestartMs = Date.now() - restart;
        break;
      }
      // A few probes; then the big extraction is left to end alone.
      if (resumed.length < PROBES) {
        resumed.push(await probe(api, bigId));
        process.stdout.write('.');
      }
    }
    const resumedCpu = cpuSince(mark, cpuMark(server, postmaster));
    process.stdout.write('\n');
    await server.stop();
    const { jobs, atOnce, rows } = await jobsOf(engine, dataDir, databaseUrl, bigRefresh, restart);
    process.stdout.write(`  jobs of the big refresh (times after the restart): ${rows.join('; ')}\n`);
    return {
      idle,
      running,
      resumed,
      bigBeforeKillMs,
      bigAfterRestartMs,
      bigJobs: jobs,
      bigJobsAtOnce: atOnce,
      cpu: { idle: idleCpu, running: runningCpu, resumed: resumedCpu },
    };
  } catch (error) {
    process.stderr.write(`${tree.label} on ${engine} failed; server output:\n${server.tail()}\n`);
    throw error;
  } finally {
    await server.stop('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (engine === 'PostgreSQL') {
      const admin = new pg.Client({ connectionString: ADMIN_URL });
      await admin.connect();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  }
}

const ms = (value: number) => (Number.isFinite(value) ? `${Math.round(value).toLocaleString('en')} ms` : '–');
const seconds = (value: number) => (Number.isFinite(value) ? `${(value / 1000).toFixed(1)} s` : '–');

/** median / max (probes), median ÷ idle and max ÷ idle, queue wait median / max. */
function describe(probes: Probe[], idleMs: number): string[] {
  if (probes.length === 0) return ['–', '–', '–'];
  const ok = probes.map((p) => p.okMs);
  const worst = Math.max(...ok);
  const queue = probes.map((p) => p.queueMs);
  return [
    `${ms(median(ok))} / ${ms(worst)} (${probes.length})`,
    `${(median(ok) / idleMs).toFixed(1)}× / ${(worst / idleMs).toFixed(1)}×`,
    `${ms(median(queue))} / ${ms(Math.max(...queue))}`,
  ];
}

const cpu = (phase: { server: number; database: number | undefined; wall: number }) =>
  `${phase.server.toFixed(1)}${phase.database === undefined ? '' : ` + ${phase.database.toFixed(1)}`} s in ${phase.wall.toFixed(1)} s`;

async function main(): Promise<void> {
  const trees = benchTrees(TREE, BASELINE);
  const engines = benchEngines(ADMIN_URL, ONLY);
  const postgresVersion = ADMIN_URL && engines.includes('PostgreSQL') ? await serverVersion(ADMIN_URL) : '';
  process.stdout.write(`Machine: ${machine()}${postgresVersion ? `; PostgreSQL ${postgresVersion}` : ''}\n`);
  process.stdout.write(
    `Big extraction: user_good_${BIG}, killed after ${KILL_AT} batches of 5,000 transactions\n\n`,
  );
  const rows: string[][] = [];
  const cpuRows: string[][] = [];
  for (const engine of engines) {
    for (const tree of trees) {
      process.stdout.write(`${tree.label} on ${engine}…\n`);
      const r = await measure(tree, engine);
      const idleMs = median(r.idle.map((p) => p.okMs));
      const row = [
        ...(trees.length > 1 ? [tree.label] : []),
        engine,
        `${ms(idleMs)} (${r.idle.length})`,
        ...describe(r.running, idleMs),
        ...describe(r.resumed, idleMs),
        `${r.bigJobs} (${r.bigJobsAtOnce})`,
        seconds(r.bigAfterRestartMs),
      ];
      rows.push(row);
      cpuRows.push([
        ...(trees.length > 1 ? [tree.label] : []),
        engine,
        cpu(r.cpu.idle),
        cpu(r.cpu.running),
        cpu(r.cpu.resumed),
      ]);
      process.stdout.write(
        `${row.join(' | ')}\n  running: ${r.running.map((p) => `${p.okMs}${p.overlapped ? '' : '*'}`).join(' ')}\n` +
          `  resumed: ${r.resumed.map((p) => `${p.okMs}${p.overlapped ? '' : '*'}`).join(' ')}\n` +
          `  (ms to ok; * = the big refresh had ended by then; big POST → kill ${seconds(r.bigBeforeKillMs)})\n`,
      );
    }
  }
  const label = trees.length > 1 ? ['code'] : [];
  process.stdout.write(
    `\n${table(
      [
        ...label,
        'engine',
        'idle: POST → ok, median (probes)',
        `while user_good_${BIG} extracts: median / max (probes)`,
        '÷ idle (median / max)',
        'queue wait median / max',
        'after kill -9 and restart, while it resumes: median / max (probes)',
        '÷ idle (median / max)',
        'queue wait median / max',
        'jobs that ran the big refresh after the restart (most at once)',
        'big: restart → ok',
      ],
      rows,
    )}\n\nCPU (server process + database cluster, CPU-seconds in wall seconds):\n\n${table(
      [
        ...label,
        'engine',
        'idle probes',
        'big extraction until the kill (with probes)',
        'resumed until ok (probes, then alone)',
      ],
      cpuRows,
    )}\n`,
  );
}

await main();
