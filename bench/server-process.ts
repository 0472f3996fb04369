// What the benchmarks that run Tesoro checkouts as child processes share (bench:idle,
// bench:fairness, bench:import-memory): their command-line options, the trees and engines they
// compare, a server (`node src/main.ts serve` in a tree) ready once it answers /health, and an API
// client with a token.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { freePort } from '../test/helpers/processes.ts';

/** `--name value` from the command line. */
export function option(name: string, fallback: string | undefined): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : fallback;
}

/** A checkout measured: this one, and with `--baseline DIR` another one beside it. */
export interface Tree {
  label: string;
  dir: string;
}
export type EngineName = 'PGlite' | 'PostgreSQL';

/** The baseline (when given) first, then this tree. */
export function benchTrees(here: string, baseline: string | undefined): Tree[] {
  const trees: Tree[] = [{ label: 'this tree', dir: here }];
  if (baseline)
    trees.unshift({
      label: `baseline (${path.basename(path.resolve(baseline))})`,
      dir: path.resolve(baseline),
    });
  return trees;
}

/** PGlite, and PostgreSQL when a server is named; `--only` keeps one. */
export function benchEngines(adminUrl: string | undefined, only: string | undefined): EngineName[] {
  const engines: EngineName[] = adminUrl ? ['PGlite', 'PostgreSQL'] : ['PGlite'];
  return engines.filter((engine) => !only || engine.toLowerCase() === only.toLowerCase());
}

/** The version of the PostgreSQL server `url` names (for the tables' headings). */
export async function serverVersion(url: string): Promise<string> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    return (await admin.query('show server_version')).rows[0].server_version;
  } finally {
    await admin.end();
  }
}

// A port nobody listens on: the same as the tests' servers take.
export { freePort };

/** The environment of a child Tesoro process: nothing of the bench's own but PATH and HOME. */
export const childEnv = (env: Record<string, string>) => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? os.tmpdir(),
  LOG_LEVEL: 'warn',
  ...env,
});

/** Runs one statement on the PostgreSQL server `adminUrl` names (create and drop databases). */
export async function adminQuery(adminUrl: string | undefined, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** The URL of database `name` on the server `adminUrl` names. */
export function databaseUrlFor(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Where a bench's server keeps its data: a fresh PGlite data dir, or a fresh PostgreSQL database. */
export interface BenchDatabase {
  /** TESORO_DATA_DIR, and DATABASE_URL on PostgreSQL. */
  env: Record<string, string>;
  /** Removes the data dir and drops the database. */
  drop(): Promise<void>;
}

export async function benchDatabase(
  engine: EngineName,
  adminUrl: string | undefined,
  name: string,
): Promise<BenchDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  const env: Record<string, string> = { TESORO_DATA_DIR: dataDir };
  const admin = (statement: string) => adminQuery(adminUrl, statement);
  if (engine === 'PostgreSQL') {
    if (!adminUrl) throw new Error('PostgreSQL needs BENCH_DATABASE_URL');
    await admin(`drop database if exists ${name} with (force)`);
    await admin(`create database ${name}`);
    env.DATABASE_URL = databaseUrlFor(adminUrl, name);
  }
  return {
    env,
    async drop() {
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (engine === 'PostgreSQL') await admin(`drop database if exists ${name} with (force)`);
    },
  };
}

export interface ServerProcess {
  child: ChildProcess;
  baseUrl: string;
  /** The last 20,000 characters it wrote (stdout and stderr). */
  output(): string;
  /** SIGTERM, then SIGKILL after 20 s. */
  stop(): Promise<void>;
}

export async function startServer(dir: string, env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['src/main.ts', 'serve'], {
    cwd: dir,
    env: childEnv({ HOST: '127.0.0.1', PORT: String(port), ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`);
    try {
      if ((await fetch(`${baseUrl}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not answer /health:\n${output}`);
    }
    await sleep(100);
  }
  return {
    child,
    baseUrl,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface Api {
  /** The bearer token, for calls that are not JSON (a statement upload). */
  token: string;
  // biome-ignore lint/suspicious/noExplicitAny: JSON from the API
  call(method: string, url: string, body?: unknown): Promise<{ status: number; body: any }>;
}

export interface ClientCredentials {
  client_id: string;
  client_secret: string;
}

/**
 * A client to call the API with: the development client the embedded server writes into its data
 * dir, or (on PostgreSQL, where there is none, or with `fresh`) one made with `tesoro clients create`.
 */
export function devClient(
  dir: string,
  env: Record<string, string>,
  name: string,
  options: { fresh?: boolean } = {},
): ClientCredentials {
  const file = path.join(env.TESORO_DATA_DIR ?? '', 'dev-client.json');
  if (!options.fresh && env.TESORO_DATA_DIR && fs.existsSync(file))
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  const output = execFileSync(
    process.execPath,
    ['src/main.ts', 'clients', 'create', '--name', name, '--json'],
    {
      cwd: dir,
      env: childEnv(env),
      encoding: 'utf8',
    },
  );
  return JSON.parse(output);
}

/** An API client holding a token of `client`. */
export async function apiFor(baseUrl: string, client: ClientCredentials): Promise<Api> {
  const tokenResponse = await fetch(`${baseUrl}/v1/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: client.client_id,
      client_secret: client.client_secret,
    }),
  });
  const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
  return {
    token,
    async call(method, url, body) {
      const response = await fetch(`${baseUrl}${url}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    },
  };
}
