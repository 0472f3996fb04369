import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { clusterCpuSeconds, cpuSeconds, machine } from './measure.ts';
import {
  type Api,
  apiFor,
  benchEngines,
  benchTrees,
  devClient,
  type EngineName,
  option,
  serverVersion,
  startServer,
  type Tree,
} from './server-process.ts';

const IDLE_SECONDS = Number(option('seconds', '60'));
const SETTLE_SECONDS = Number(option('settle', '20'));
const RUNS = Number(option('runs', '1'));
const BASELINE = option('baseline', undefined);
const ONLY = option('only', undefined);
const ADMIN_URL = process.env.DATABASE_URL;
const HERE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface RunResult {
  cpuPerMinute: number;
  clusterCpuPerMinute: number | null;
  sessionsPerMinute: number | null;
  webhookMs: number[];
  retryLateMs: number | null;
  jobStartMs: number[];
  jobOkMs: number[];
  decoupledOkMs: number | null;
  cronLagMs: number[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]) => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Sessions opened on database `name` so far (PostgreSQL 14+). */
async function sessionsOpened(name: string): Promise<number | null> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query('select pg_stat_clear_snapshot()');
    const { rows } = await admin.query('select sessions from pg_stat_database where datname = $1', [name]);
    return rows[0] ? Number(rows[0].sessions) : null;
  } catch {
    return null;
  } finally {
    await admin.end();
  }
}

/** A loopback receiver; `respond` decides each answer's status. */
async function startReceiver() {
  const arrivals: Array<{ at: number; path: string }> = [];
  const waiters: Array<() => void> = [];
  let respond = (_path: string, _count: number) => 200;
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const url = request.url ?? '/';
      arrivals.push({ at: Date.now(), path: url });
      response.statusCode = respond(url, arrivals.filter((a) => a.path === url).length);
      response.end();
      for (const wake of waiters.splice(0)) wake();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    url: (suffix: string) => `http://127.0.0.1:${port}/${suffix}`,
    arrivals,
    setRespond(fn: typeof respond) {
      respond = fn;
    },
    /** Resolves with the arrival time of the `count`-th request to `/suffix`. */
    async waitFor(suffix: string, count: number, timeoutMs = 30_000): Promise<number> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hits = arrivals.filter((a) => a.path === `/${suffix}`);
        if (hits.length >= count) return hits[count - 1]!.at;
        if (Date.now() > deadline) throw new Error(`no request ${count} to /${suffix}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
type Receiver = Awaited<ReturnType<typeof startReceiver>>;

async function register(api: Api, url: string): Promise<string> {
  const endpoint = await api.call('POST', '/v1/webhook-endpoints', { url, events: ['webhook.test'] });
  if (endpoint.status !== 201) throw new Error(`endpoint: ${JSON.stringify(endpoint.body)}`);
  return endpoint.body.id as string;
}

/** POST /test → received, a few times, each on a dispatcher that has gone back to sleep. */
async function timeWebhooks(api: Api, receiver: Receiver): Promise<number[]> {
  const id = await register(api, receiver.url('plain'));
  const times: number[] = [];
  for (let i = 1; i <= 5; i++) {
    await sleep(1000);
    const start = Date.now();
    const sent = await api.call('POST', `/v1/webhook-endpoints/${id}/test`);
    if (sent.status !== 202) throw new Error(`test: ${JSON.stringify(sent.body)}`);
    times.push((await receiver.waitFor('plain', i)) - start);
  }
  return times;
}

/** The receiver fails the first attempt; how late the retry arrives after its next_attempt_at. */
async function timeRetry(api: Api, receiver: Receiver): Promise<number> {
  const id = await register(api, receiver.url('retry'));
  receiver.setRespond((url, count) => (url === '/retry' && count === 1 ? 500 : 200));
  await api.call('POST', `/v1/webhook-endpoints/${id}/test`);
  await receiver.waitFor('retry', 1);
  let nextAttemptAt: string | null = null;
  for (let i = 0; i < 500 && !nextAttemptAt; i++) {
    const deliveries = await api.call('GET', `/v1/webhook-endpoints/${id}/deliveries`);
    const delivery = deliveries.body.data[0];
    if (delivery?.attempt_count === 1) nextAttemptAt = delivery.next_attempt_at;
    else await sleep(10);
  }
  if (!nextAttemptAt) throw new Error('the failed attempt was not recorded');
  return (await receiver.waitFor('retry', 2)) - Date.parse(nextAttemptAt);
}

async function connectAndWait(api: Api, username: string): Promise<{ okMs: number; startMs: number }> {
  const start = Date.now();
  const created = await api.call('POST', '/v1/connections', {
    institution_id: 'ins_sandbox_bank',
    credentials: { username, password: 'pass_good' },
    access_mode: 'recurrent',
  });
  if (created.status !== 201) throw new Error(`connection: ${JSON.stringify(created.body)}`);
  const id = created.body.id as string;
  for (;;) {
    const connection = await api.call('GET', `/v1/connections/${id}`);
    if (connection.body.status === 'ok' && connection.body.refresh === null) break;
    if (Date.now() - start > 60_000) throw new Error(`connection ${id} stuck: ${connection.body.status}`);
    await sleep(10);
  }
  const okMs = Date.now() - start;
  const refreshes = await api.call('GET', `/v1/connections/${id}/refreshes`);
  const first = refreshes.body.data.at(-1) as { created_at: string; started_at: string };
  return { okMs, startMs: Date.parse(first.started_at) - Date.parse(first.created_at) };
}

/** For each per-minute cron job: its start, in ms after the minute it is for. */
async function cronLags(engine: EngineName, dataDir: string, url: string | undefined): Promise<number[]> {
  const query = `
    select extract(epoch from started_on - date_trunc('minute', created_on)) * 1000 as lag
    from pgboss.job where name = 'connection.schedule-refreshes' and started_on is not null
    order by created_on`;
  if (engine === 'PGlite') {
    const pglite = new PGlite(path.join(dataDir, 'pgdata'));
    try {
      return (await pglite.query<{ lag: string }>(query)).rows.map((row) => Number(row.lag));
    } finally {
      await pglite.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(query)).rows.map((row) => Number(row.lag));
  } finally {
    await client.end();
  }
}

async function measure(tree: Tree, engine: EngineName, run: number): Promise<RunResult> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tesoro-bench-idle-'));
  const env: Record<string, string> = { TESORO_DATA_DIR: dataDir, TESORO_ALLOW_PRIVATE_WEBHOOKS: '1' };
  let databaseUrl: string | undefined;
  let postmaster: number | null = null;
  const name = `tesoro_bench_idle_${process.pid}_${run}`;
  if (engine === 'PostgreSQL') {
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`drop database if exists ${name}`);
    await admin.query(`create database ${name}`);
    const backend = (await admin.query('select pg_backend_pid() as pid')).rows[0].pid as number;
    try {
      const status = fs.readFileSync(`/proc/${backend}/status`, 'utf8');
      postmaster = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) || null;
    } catch {
      postmaster = null; // the server is on another machine
    }
    await admin.end();
    const url = new URL(ADMIN_URL!);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    env.DATABASE_URL = databaseUrl;
  }
  const receiver = await startReceiver();
  const server = await startServer(tree.dir, env);
  try {
    const pid = server.child.pid!;
    await sleep(SETTLE_SECONDS * 1000);
    const cpuBefore = cpuSeconds(pid);
    const sessionsBefore = engine === 'PostgreSQL' ? await sessionsOpened(name) : null;
    const clusterBefore = postmaster ? clusterCpuSeconds(postmaster) : null;
    const started = performance.now();
    await sleep(IDLE_SECONDS * 1000);
    const minutes = (performance.now() - started) / 60_000;
    const cpuPerMinute = (cpuSeconds(pid) - cpuBefore) / minutes;
    const clusterCpuPerMinute =
      postmaster && clusterBefore !== null ? (clusterCpuSeconds(postmaster) - clusterBefore) / minutes : null;
    const sessionsAfter = sessionsBefore === null ? null : await sessionsOpened(name);
    const sessionsPerMinute =
      sessionsBefore === null || sessionsAfter === null ? null : (sessionsAfter - sessionsBefore) / minutes;

    const api = await apiFor(server.baseUrl, devClient(tree.dir, env, 'bench idle'));
    const webhookMs = await timeWebhooks(api, receiver);
    const retryLateMs = await timeRetry(api, receiver);
    const jobStartMs: number[] = [];
    const jobOkMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      await sleep(1000);
      const { okMs, startMs } = await connectAndWait(api, 'user_good');
      jobOkMs.push(okMs);
      jobStartMs.push(startMs);
    }
    await sleep(1000);
    const decoupledOkMs = (await connectAndWait(api, 'user_decoupled')).okMs;
    await server.stop();
    const cronLagMs = await cronLags(engine, dataDir, databaseUrl);
    return {
      cpuPerMinute,
      clusterCpuPerMinute,
      sessionsPerMinute,
      webhookMs,
      retryLateMs,
      jobStartMs,
      jobOkMs,
      decoupledOkMs,
      cronLagMs,
    };
  } catch (error) {
    process.stderr.write(`${tree.label} on ${engine} failed; server output:\n${server.output()}\n`);
    throw error;
  } finally {
    await server.stop();
    await receiver.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (engine === 'PostgreSQL') {
      const admin = new pg.Client({ connectionString: ADMIN_URL });
      await admin.connect();
      await admin.query(`drop database if exists ${name}`);
      await admin.end();
    }
  }
}

async function main(): Promise<void> {
  const trees = benchTrees(HERE, BASELINE);
  const engines = benchEngines(ADMIN_URL, ONLY);
  const postgresVersion = ADMIN_URL && engines.includes('PostgreSQL') ? await serverVersion(ADMIN_URL) : '';
  process.stdout.write(`Machine: ${machine()}\n`);
  process.stdout.write(
    `Idle window ${IDLE_SECONDS} s after ${SETTLE_SECONDS} s to settle; ${RUNS} run(s) per tree and engine${
      postgresVersion ? `; PostgreSQL ${postgresVersion}` : ''
    }\n\n`,
  );
  const results = new Map<string, RunResult[]>();
  for (const engine of engines) {
    for (let run = 0; run < RUNS; run++) {
      // Alternating trees, so a machine that gets busier meanwhile weighs on both alike.
      for (const tree of trees) {
        const result = await measure(tree, engine, run);
        const key = `${tree.label}\t${engine}`;
        results.set(key, [...(results.get(key) ?? []), result]);
        process.stdout.write(
          `${tree.label} on ${engine}, run ${run + 1}: ${result.cpuPerMinute.toFixed(3)} CPU-s per idle minute` +
            `${result.clusterCpuPerMinute === null ? '' : ` (PostgreSQL cluster ${result.clusterCpuPerMinute.toFixed(3)})`}` +
            `${result.sessionsPerMinute === null ? '' : `, ${result.sessionsPerMinute.toFixed(1)} sessions opened per minute`}\n`,
        );
      }
    }
  }
  const ms = (value: number) => (Number.isFinite(value) ? `${Math.round(value)} ms` : '–');
  const lines = [
    '| code | engine | server CPU-s per idle minute | PostgreSQL cluster CPU-s per idle minute | PostgreSQL sessions opened per idle minute | webhook test → received | webhook retry: late after its due time | POST /v1/connections → refresh started | → connection ok (user_good) | user_decoupled (approved at 3 s) → ok | per-minute cron: started after its minute (median / max) |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const engine of engines) {
    for (const tree of trees) {
      const runs = results.get(`${tree.label}\t${engine}`) ?? [];
      const all = <K extends keyof RunResult>(key: K) =>
        runs.flatMap((r) => r[key] as number | number[] | null);
      const numbers = (key: keyof RunResult) => all(key).filter((v): v is number => typeof v === 'number');
      const cron = numbers('cronLagMs');
      lines.push(
        `| ${tree.label} | ${engine} | ${median(numbers('cpuPerMinute')).toFixed(3)} | ${
          engine === 'PostgreSQL' && numbers('clusterCpuPerMinute').length
            ? median(numbers('clusterCpuPerMinute')).toFixed(3)
            : '–'
        } | ${
          engine === 'PostgreSQL' && numbers('sessionsPerMinute').length
            ? median(numbers('sessionsPerMinute')).toFixed(1)
            : '–'
        } | ${ms(median(numbers('webhookMs')))} | ${ms(median(numbers('retryLateMs')))} | ${ms(
          median(numbers('jobStartMs')),
        )} | ${ms(median(numbers('jobOkMs')))} | ${ms(median(numbers('decoupledOkMs')))} | ${
          cron.length ? `${ms(median(cron))} / ${ms(Math.max(...cron))} (${cron.length} jobs)` : '–'
        } |`,
      );
    }
  }
  process.stdout.write(`\n${lines.join('\n')}\n`);
  process.stdout.write(
    `\nMedians over ${RUNS} run(s): CPU per run; webhook over 5 sends a run; refresh over 3 connections a run.\n`,
  );
}

await main();
