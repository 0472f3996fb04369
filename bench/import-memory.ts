// npm run bench:import-memory — what importing a large statement file costs in memory.
//
// Generates a CSV of N rows (default 600,000; the row shape of `bench/parse.ts generate csv`: one
// statement, `dd/mm/yyyy;"Compra i; comercio j";±12,34;EUR;balance`, every row a distinct
// movement) and imports it, each run on a fresh store, two ways, then measures a connector's
// refresh the same way:
// - CLI: `tesoro import FILE --client ID --json` (the real command, a child process), with a client
//   made by `tesoro clients create --name bench --json`. Its "start" is the RSS when the command
//   first has the file open (its runtime and database are open by then: PGlite's start-up alone
//   passes 800 MB for a moment and falls back), and its peak the largest sample from there on.
// - API: a queued `POST /v1/imports?async=true` to a running `tesoro serve`, polled until the
//   import is no longer `processing`. "start" is the idle server's RSS just before the upload.
// - refresh: a sandbox connection of 1,000,000 movements (`user_good_1000000`, --refresh-rows)
//   created through the same server's API, polled until its first refresh is over (the load path
//   every connector's batches go through, services/refresh/load-products.ts).
// The process's RSS is sampled from /proc/<pid>/status (VmRSS) every 200 ms; each run prints start,
// peak, peak − start, the wall time and rows per second (rows ÷ wall time: for the CLI from spawn
// to exit, preview and start-up included; for the API from the POST to `completed`; for the
// refresh from the POST to the refresh's end).
// On embedded PGlite (a fresh TESORO_DATA_DIR) always and, when BENCH_DATABASE_URL (or
// TEST_DATABASE_URL) names a PostgreSQL server where it may create databases, on PostgreSQL too (a
// fresh database per run, dropped after).
//
//   node bench/import-memory.ts [--rows 600000] [--refresh-rows 1000000] [--baseline DIR]
//                               [--only PGlite|PostgreSQL] [--modes cli,api,refresh] [--runs 1]
//                               [--timeline]
//
// --baseline DIR: a copy of the code to compare with (`git archive <commit> | tar -x -C DIR`, with
// node_modules linked and this file copied in); its commands run the same way, alternating with
// this tree's, into one table.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { outputOf } from '../test/helpers/processes.ts';
import { machine } from './measure.ts';
import {
  benchDatabase,
  benchEngines,
  benchTrees,
  childEnv,
  devClient,
  type EngineName,
  option,
  serverVersion,
  startServer,
  type Tree,
} from './server-process.ts';

const ROWS = Number(option('rows', '600000'));
const REFRESH_ROWS = Number(option('refresh-rows', '1000000'));
const RUNS = Number(option('runs', '1'));
const BASELINE = option('baseline', undefined);
const ONLY = option('only', undefined);
const TIMELINE = process.argv.includes('--timeline');
const MODES = (option('modes', 'cli,api,refresh') ?? 'cli,api,refresh').split(',') as Mode[];
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
const HERE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SAMPLE_MS = 200;
const MB = 1024 * 1024;

type Mode = 'cli' | 'api' | 'refresh';
interface RunResult {
  startMb: number;
  peakMb: number;
  seconds: number;
  added: number | null;
  status: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ─── the file ──────────────────────────────────────────────────────────────────────────────────

/** The CSV row of bench/parse.ts's generator, by row count. */
function csvRow(i: number): string {
  const month = String(1 + ((i >> 5) % 12)).padStart(2, '0');
  const day = String(1 + (i % 28)).padStart(2, '0');
  const sign = i % 2 === 0 ? '' : '-';
  return `${day}/${month}/2026;"Compra ${i}; comercio ${i % 997}";${sign}12,34;EUR;${i % 2 ? '1000,00' : '1012,34'}\n`;
}

function generate(rows: number, dir: string): string {
  const file = path.join(dir, `import-memory-${rows}.csv`);
  if (fs.existsSync(file)) return file;
  const fd = fs.openSync(`${file}.part`, 'w');
  fs.writeSync(fd, 'Fecha;Concepto;Importe;Divisa;Saldo\n');
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    chunk += csvRow(i);
    if (chunk.length > MB) {
      fs.writeSync(fd, chunk);
      chunk = '';
    }
  }
  fs.writeSync(fd, chunk);
  fs.closeSync(fd);
  fs.renameSync(`${file}.part`, file);
  return file;
}

// ─── memory ────────────────────────────────────────────────────────────────────────────────────

function rssMb(pid: number): number | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : null;
  } catch {
    return null; // exited
  }
}

/** Samples a process's RSS every 200 ms until stopped; `peak` is the largest sample. */
function sampler(pid: number) {
  let peak = rssMb(pid) ?? 0;
  const started = performance.now();
  let ticks = 0;
  const timer = setInterval(() => {
    const now = rssMb(pid);
    if (now !== null && now > peak) peak = now;
    // --timeline: the RSS once a second, on stderr.
    if (TIMELINE && ticks++ % Math.round(1000 / SAMPLE_MS) === 0)
      process.stderr.write(
        `  ${((performance.now() - started) / 1000).toFixed(0)} s: ${now?.toFixed(0)} MB\n`,
      );
  }, SAMPLE_MS);
  return {
    stop(): number {
      clearInterval(timer);
      const now = rssMb(pid);
      if (now !== null && now > peak) peak = now;
      return peak;
    },
  };
}

/** Whether a process has `file` open (one of its /proc/<pid>/fd links points at it). */
function hasOpen(pid: number, file: string): boolean {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === file;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/**
 * Waits (looking every 20 ms) until the process opens `file`, then samples its RSS from there on:
 * start is the RSS at that moment, peak the largest sample after it.
 */
function fileSampler(pid: number, file: string) {
  let start: number | null = null;
  let rss: ReturnType<typeof sampler> | null = null;
  const watch = setInterval(() => {
    if (!hasOpen(pid, file)) return;
    clearInterval(watch);
    start = rssMb(pid);
    rss = sampler(pid);
  }, 20);
  return {
    stop(): { startMb: number; peakMb: number } {
      clearInterval(watch);
      if (start === null || !rss) throw new Error(`the process never opened ${file}`);
      return { startMb: start, peakMb: (rss as ReturnType<typeof sampler>).stop() };
    },
  };
}

// ─── the CLI ───────────────────────────────────────────────────────────────────────────────────

/** Runs `tesoro import FILE --client ID --json`, sampling its RSS. */
async function cliImport(tree: Tree, env: Record<string, string>, file: string, clientId: string) {
  const started = performance.now();
  const child = spawn(process.execPath, ['src/main.ts', 'import', file, '--client', clientId, '--json'], {
    cwd: tree.dir,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const rss = fileSampler(child.pid!, file);
  const { code, stdout, stderr } = await outputOf(child);
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`tesoro import exited ${code}:\n${stderr}\n${stdout.slice(0, 2000)}`);
  const { startMb, peakMb } = rss.stop();
  const result = JSON.parse(stdout) as Array<{ import?: { status: string; summary: { added?: number } } }>;
  return {
    startMb,
    peakMb,
    seconds,
    status: result[0]?.import?.status ?? 'not imported',
    added: result[0]?.import?.summary.added ?? null,
  };
}

async function measureCli(tree: Tree, engine: EngineName, file: string, run: number): Promise<RunResult> {
  const store = await benchDatabase(engine, ADMIN_URL, `tesoro_bench_import_cli_${process.pid}_${run}`);
  try {
    const client = devClient(tree.dir, store.env, 'bench', { fresh: true });
    return await cliImport(tree, store.env, file, client.client_id);
  } finally {
    await store.drop();
  }
}

// ─── the API ───────────────────────────────────────────────────────────────────────────────────

async function tokenFor(baseUrl: string, client: { client_id: string; client_secret: string }) {
  const response = await fetch(`${baseUrl}/v1/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...client }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

async function measureApi(tree: Tree, engine: EngineName, file: string, run: number): Promise<RunResult> {
  const store = await benchDatabase(engine, ADMIN_URL, `tesoro_bench_import_api_${process.pid}_${run}`);
  const client = devClient(tree.dir, store.env, 'bench', { fresh: true });
  const server = await startServer(tree.dir, store.env);
  try {
    const token = await tokenFor(server.baseUrl, client);
    const bytes = fs.readFileSync(file);
    await sleep(3000);
    const pid = server.child.pid!;
    const startMb = rssMb(pid)!;
    const rss = sampler(pid);
    const started = performance.now();
    const posted = await fetch(`${server.baseUrl}/v1/imports?async=true&filename=bench.csv`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
      body: bytes,
    });
    // biome-ignore lint/suspicious/noExplicitAny: JSON from the API
    let body = (await posted.json()) as Record<string, any>;
    if (posted.status !== 202) throw new Error(`POST /v1/imports: ${posted.status} ${JSON.stringify(body)}`);
    while (body.status === 'processing') {
      await sleep(500);
      const polled = await fetch(`${server.baseUrl}/v1/imports/${body.id}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      body = (await polled.json()) as typeof body;
    }
    const seconds = (performance.now() - started) / 1000;
    const peakMb = rss.stop();
    if (body.status !== 'completed')
      throw new Error(`import ${body.status}: ${JSON.stringify(body).slice(0, 2000)}`);
    return { startMb, peakMb, seconds, added: body.summary?.added ?? null, status: body.status };
  } catch (error) {
    process.stderr.write(`${tree.label} on ${engine} failed; server output:\n${server.output()}\n`);
    throw error;
  } finally {
    await server.stop();
    await store.drop();
  }
}

// ─── a connector's refresh ─────────────────────────────────────────────────────────────────────

/**
 * A sandbox connection of `REFRESH_ROWS` movements (`user_good_<N>`) made through the API of a
 * running `tesoro serve`, polled until its first refresh is over: the same load path
 * (services/refresh/load-products.ts) fed by a connector's batches instead of a file's.
 */
async function measureRefresh(tree: Tree, engine: EngineName, run: number): Promise<RunResult> {
  const store = await benchDatabase(engine, ADMIN_URL, `tesoro_bench_import_refresh_${process.pid}_${run}`);
  const client = devClient(tree.dir, store.env, 'bench', { fresh: true });
  const server = await startServer(tree.dir, store.env);
  try {
    const token = await tokenFor(server.baseUrl, client);
    await sleep(3000);
    const pid = server.child.pid!;
    const startMb = rssMb(pid)!;
    const rss = sampler(pid);
    const started = performance.now();
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const created = await fetch(`${server.baseUrl}/v1/connections`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        institution_id: 'ins_sandbox_bank',
        credentials: { username: `user_good_${REFRESH_ROWS}`, password: 'pass_good' },
        access_mode: 'recurrent',
      }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: JSON from the API
    let body = (await created.json()) as Record<string, any>;
    if (created.status !== 201)
      throw new Error(`POST /v1/connections: ${created.status} ${JSON.stringify(body)}`);
    while (body.refresh !== null) {
      await sleep(1000);
      const polled = await fetch(`${server.baseUrl}/v1/connections/${body.id}`, { headers });
      body = (await polled.json()) as typeof body;
    }
    const seconds = (performance.now() - started) / 1000;
    const peakMb = rss.stop();
    if (body.status !== 'ok')
      throw new Error(`connection ${body.status}: ${JSON.stringify(body).slice(0, 2000)}`);
    return {
      startMb,
      peakMb,
      seconds,
      added: body.product_status?.transactions?.count ?? null,
      status: body.status,
    };
  } catch (error) {
    process.stderr.write(`${tree.label} on ${engine} failed; server output:\n${server.output()}\n`);
    throw error;
  } finally {
    await server.stop();
    await store.drop();
  }
}

// ─── the report ────────────────────────────────────────────────────────────────────────────────

const fmt = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

async function main(): Promise<void> {
  const trees = benchTrees(HERE, BASELINE);
  const engines = benchEngines(ADMIN_URL, ONLY);
  const postgresVersion = ADMIN_URL && engines.includes('PostgreSQL') ? await serverVersion(ADMIN_URL) : '';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tesoro-bench-import-file-'));
  const importing = MODES.some((mode) => mode !== 'refresh');
  const file = importing ? fs.realpathSync(generate(ROWS, dir)) : '';
  process.stdout.write(`Machine: ${machine()}${postgresVersion ? `; PostgreSQL ${postgresVersion}` : ''}\n`);
  process.stdout.write(
    `${importing ? `File: ${fmt(ROWS)} CSV rows, ${fmt(fs.statSync(file).size / MB, 1)} MB; ` : ''}RSS sampled every ${SAMPLE_MS} ms; ${RUNS} run(s)\n\n`,
  );
  const lines = [
    '| code | engine | path | start RSS | peak RSS | peak − start | seconds | rows/s | added (refresh: stored) |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  try {
    for (const engine of engines)
      for (const mode of MODES)
        for (let run = 0; run < RUNS; run++)
          // Alternating trees, so a machine that gets busier meanwhile weighs on both alike.
          for (const tree of trees) {
            const result =
              mode === 'cli'
                ? await measureCli(tree, engine, file, run)
                : mode === 'api'
                  ? await measureApi(tree, engine, file, run)
                  : await measureRefresh(tree, engine, run);
            const rows = mode === 'refresh' ? REFRESH_ROWS : ROWS;
            const what =
              mode === 'cli'
                ? '`tesoro import`'
                : mode === 'api'
                  ? 'queued `POST /v1/imports`'
                  : `refresh of ${fmt(REFRESH_ROWS)} movements`;
            const line = `| ${tree.label} | ${engine} | ${what} | ${fmt(result.startMb)} MB | ${fmt(result.peakMb)} MB | ${fmt(result.peakMb - result.startMb)} MB | ${fmt(result.seconds, 1)} | ${fmt(rows / result.seconds)} | ${result.added === null ? '–' : fmt(result.added)} |`;
            lines.push(line);
            process.stdout.write(`${line}\n`);
          }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`\n${lines.join('\n')}\n`);
}

await main();
