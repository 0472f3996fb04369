// The quick start, for real: `tesoro serve` on an empty data directory, the development client,
// the lock that protects the embedded database, graceful shutdown and recovery after kill -9.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { getToken, runCli, type Server, startServer } from '../helpers/processes.ts';

let dataDir: string;
let env: Record<string, string>;
let server: Server | undefined;

before(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tesoro-serve-'));
  // A fixed public URL: it is the token issuer, and each start gets a new port here.
  env = { TESORO_DATA_DIR: dataDir, TESORO_PUBLIC_URL: 'http://tesoro.local' };
});
after(async () => {
  await server?.stop('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

interface DevClient {
  client_id: string;
  client_secret: string;
}

let devClient: DevClient;
let tokenBeforeRestart: string;

test('first start creates the development client: printed once and saved with mode 600', async () => {
  server = await startServer(env);
  const file = path.join(dataDir, 'dev-client.json');
  devClient = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.match(devClient.client_id, /^cli_/);
  assert.ok(server.output().includes(devClient.client_secret), 'the secret is printed');
  assert.equal(server.output().split(devClient.client_secret).length, 2, 'exactly once');

  const response = await getToken(server.baseUrl, devClient.client_id, devClient.client_secret);
  assert.equal(response.status, 200);
  tokenBeforeRestart = ((await response.json()) as { access_token: string }).access_token;
  const institutions = await fetch(`${server.baseUrl}/v1/institutions`, {
    headers: { authorization: `Bearer ${tokenBeforeRestart}` },
  });
  assert.equal(institutions.status, 200);
  assert.ok(((await institutions.json()) as { data: unknown[] }).data.length >= 4);
});

test('a second process on the same data directory is refused with the holder pid', async () => {
  const result = await runCli(['clients', 'list'], env);
  assert.equal(result.code, 2);
  assert.match(result.stderr, new RegExp(`in use by process ${server!.child.pid}`));
  assert.equal(result.stdout, '');
});

test('SIGTERM shuts down cleanly and releases the lock', async () => {
  assert.equal(await server!.stop('SIGTERM'), 0);
  assert.equal(fs.existsSync(path.join(dataDir, 'tesoro.lock')), false);
  const list = await runCli(['clients', 'list', '--json'], env);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(
    JSON.parse(list.stdout).map((c: { client_id: string }) => c.client_id),
    [devClient.client_id],
  );
});

test('a restart keeps clients and keys: no new dev client, old tokens still verify', async () => {
  server = await startServer(env);
  assert.ok(!server.output().includes('development client was created'));
  const institutions = await fetch(`${server.baseUrl}/v1/institutions`, {
    headers: { authorization: `Bearer ${tokenBeforeRestart}` },
  });
  assert.equal(institutions.status, 200);
});

test('after kill -9 the data directory opens again with everything in it', async () => {
  await server!.stop('SIGKILL');
  assert.ok(fs.existsSync(path.join(dataDir, 'tesoro.lock')), 'the dead process left its lock');
  server = await startServer(env);
  const response = await getToken(server.baseUrl, devClient.client_id, devClient.client_secret);
  assert.equal(response.status, 200);
  assert.equal((await fetch(`${server.baseUrl}/ready`)).status, 200);
  assert.equal(await server.stop('SIGINT'), 0);
});

test('a server whose log reader is gone still stops on SIGTERM (it hung: an exit flush retried EPIPE forever)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tesoro-log-reader-'));
  const quiet = await startServer({ TESORO_DATA_DIR: dir, LOG_LEVEL: 'info' });
  try {
    // The process reading its logs dies: every write to its stdout fails with EPIPE from now on.
    quiet.child.stdout!.destroy();
    // Nothing is logged until the signal (/health logs warnings only): the first failed write is
    // the shutdown's own line, flushed as the process exits.
    assert.equal((await fetch(`${quiet.baseUrl}/health`)).status, 200);
    assert.equal(await quiet.stop('SIGTERM'), 0);
    assert.equal(fs.existsSync(path.join(dir, 'tesoro.lock')), false, 'the lock is released');
  } finally {
    await quiet.stop('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
