// Runs Tesoro as a real child process (`node src/main.ts …`), the way a user does.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A child's exit code and everything it wrote (its stdout and stderr must be pipes). */
export function outputOf(child: ChildProcess): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export function runCli(args: string[], env: Record<string, string>): Promise<RunResult> {
  const child = spawn(process.execPath, ['src/main.ts', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return outputOf(child);
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

export interface Server {
  child: ChildProcess;
  baseUrl: string;
  output(): string;
  /** Resolves once the output (stdout and stderr) matches. */
  waitFor(pattern: OutputPattern, timeoutMs?: number): Promise<void>;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `tesoro serve` and resolves once it answers /ready. `via: 'npm start'` starts it the way
 * the README and a process manager do, so the signals a test sends go to npm, not to the server.
 */
export async function startServer(
  env: Record<string, string>,
  options: { via?: 'node' | 'npm start'; port?: number } = {},
): Promise<Server> {
  const port = options.port ?? (await freePort());
  const [command, args] =
    options.via === 'npm start' ? ['npm', ['start']] : [process.execPath, ['src/main.ts', 'serve']];
  const child = spawn(command, args, {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // npm's children in a group of their own, so a test can clean up whatever npm left behind.
    detached: options.via === 'npm start',
  });
  const { output, waitFor } = watchOutput(child);
  const exited = once(child, 'exit');
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output()}`);
    try {
      if ((await fetch(`${baseUrl}/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not become ready:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    child,
    baseUrl,
    output,
    waitFor,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = await exited;
      return code as number | null;
    },
  };
}

export async function getToken(baseUrl: string, clientId: string, clientSecret: string): Promise<Response> {
  return fetch(`${baseUrl}/v1/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
    }),
  });
}

// biome-ignore lint/suspicious/noExplicitAny: JSON from the API, checked by the tests' assertions
export type ApiJson = Record<string, any>;

/** A JSON request to a running server with a bearer token: its status and body ({} when empty). */
export async function callApi(
  baseUrl: string,
  token: string,
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; body: ApiJson }> {
  const response = await fetch(`${baseUrl}${url}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as ApiJson };
}

/** An access token of the development client an embedded server wrote into its data directory. */
export async function devClientToken(baseUrl: string, dataDir: string): Promise<string> {
  const dev = JSON.parse(fs.readFileSync(path.join(dataDir, 'dev-client.json'), 'utf8'));
  const response = await getToken(baseUrl, dev.client_id, dev.client_secret);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** Starts a long-running command (e.g. `worker`); `waitFor` resolves when its output matches. */
export function startProcess(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['src/main.ts', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { output, waitFor } = watchOutput(child);
  const exited = once(child, 'exit');
  return {
    child,
    output,
    waitFor,
    async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = await exited;
      return code as number | null;
    },
  };
}

type OutputPattern = RegExp | ((output: string) => boolean);

/** Collects a child's stdout and stderr; `waitFor` resolves as soon as the collected text matches. */
function watchOutput(child: ChildProcess) {
  let output = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output += chunk;
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  return {
    output: () => output,
    waitFor(pattern: OutputPattern, timeoutMs = 30_000): Promise<void> {
      const matches = typeof pattern === 'function' ? pattern : (text: string) => pattern.test(text);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${pattern}:\n${output}`));
        }, timeoutMs);
        const check = () => {
          if (!matches(output)) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve();
        };
        listeners.add(check);
        check();
      });
    },
  };
}
