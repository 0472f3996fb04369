// `npm start` under a process manager: SIGTERM goes to npm, and must reach the server. The server
// drains, frees its port and its data directory lock, and the refresh it was running when it was
// stopped is resumed by the next start, losing and duplicating nothing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { devClientToken, startServer } from '../helpers/processes.ts';

const USERNAME = 'user_good_20000';

/** Whether a listener can bind the port again: nothing (an orphaned server) is holding it. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

// biome-ignore lint/suspicious/noExplicitAny: JSON from the API, checked by the assertions
type Json = Record<string, any>;

async function call(baseUrl: string, token: string, url: string, init: RequestInit = {}): Promise<Json> {
  const response = await fetch(`${baseUrl}${url}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  });
  return { http: response.status, ...((await response.json()) as Json) };
}

test('SIGTERM to `npm start` stops the server: port and lock freed, the running refresh resumes at the next start', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tesoro-npm-start-'));
  const env = {
    TESORO_DATA_DIR: dataDir,
    TESORO_PUBLIC_URL: 'http://tesoro.npm-start',
    LOG_LEVEL: 'debug',
    // npm reads its configuration from the home directory.
    HOME: process.env.HOME ?? os.tmpdir(),
  };
  let server = await startServer(env, { via: 'npm start' });
  const port = Number(new URL(server.baseUrl).port);
  try {
    const token = await devClientToken(server.baseUrl, dataDir);
    const created = await call(server.baseUrl, token, '/v1/connections', {
      method: 'POST',
      body: JSON.stringify({
        institution_id: 'ins_sandbox_bank',
        credentials: { username: USERNAME, password: 'pass_good' },
        access_mode: 'recurrent',
      }),
    });
    assert.equal(created.http, 201);
    // Stop it mid-extraction: the first of four batches of transactions is stored.
    await server.waitFor(/"product":"transactions".*"msg":"stored a batch"/, 180_000);
    assert.equal(await server.stop('SIGTERM'), 0, 'npm start exits 0 after a graceful stop');
    assert.match(server.output(), /"msg":"stopped"/, 'the server itself shut down, not only npm');
    assert.ok(await portIsFree(port), 'no orphaned server holds the port');
    assert.equal(
      fs.existsSync(path.join(dataDir, 'tesoro.lock')),
      false,
      'the data directory lock is released',
    );

    // The next start (same port, same data) takes the refresh up where it stopped.
    server = await startServer(env, { via: 'npm start', port });
    let connection: Json = {};
    for (let i = 0; i < 3000; i++) {
      connection = await call(server.baseUrl, token, `/v1/connections/${created.id}`);
      if (connection.status === 'ok' && connection.refresh === null) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(connection.status, 'ok', JSON.stringify(connection));
    assert.equal(connection.product_status.transactions.count, 20_000);
    const refreshes = await call(server.baseUrl, token, `/v1/connections/${created.id}/refreshes`);
    assert.deepEqual(
      refreshes.data.map((r: Json) => r.status),
      ['succeeded'],
      'one refresh, finished: none left running',
    );
    const page = await call(
      server.baseUrl,
      token,
      `/v1/transactions?connection_id=${created.id}&page_size=1`,
    );
    assert.equal(page.data.length, 1);
  } finally {
    await server.stop('SIGTERM');
    // Were a server orphaned (the defect this test is about), it must not outlive the test.
    try {
      process.kill(-server.child.pid!, 'SIGKILL');
    } catch {
      // the group is gone: nothing was left behind
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
