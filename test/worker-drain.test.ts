// `tesoro worker` under SIGTERM (a deploy, a scale-down): it stops taking jobs, lets the refresh it
// is running end, and exits 0; nothing is left `running`, and the data is whole. The topology of
// docs/operations.md: an API without workers and a worker process on one PostgreSQL.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPostgresDatabase, testEngine } from './helpers/database.ts';
import { getToken, runCli, startProcess, startServer } from './helpers/processes.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON from the API, checked by the assertions
type Json = Record<string, any>;

test('SIGTERM to a worker mid-refresh: the refresh ends, the worker exits 0, nothing is left running', {
  skip: testEngine !== 'postgres' && 'an API and a separate worker share a PostgreSQL (the PostgreSQL run)',
}, async () => {
  const database = await createPostgresDatabase();
  const env = {
    DATABASE_URL: database.url,
    TESORO_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
    TESORO_PUBLIC_URL: 'http://tesoro.drain',
    LOG_LEVEL: 'debug',
  };
  const migrated = await runCli(['migrate'], env);
  assert.equal(migrated.code, 0, migrated.stderr);
  const made = await runCli(['clients', 'create', '--name', 'drain', '--json'], env);
  assert.equal(made.code, 0, made.stderr);
  const client = JSON.parse(made.stdout) as { client_id: string; client_secret: string };
  const api = await startServer({ ...env, TESORO_WORKERS: 'false' });
  let worker = startProcess(['worker'], env);
  try {
    const tokenResponse = await getToken(api.baseUrl, client.client_id, client.client_secret);
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
    const call = async (url: string, init: RequestInit = {}): Promise<Json> => {
      const response = await fetch(`${api.baseUrl}${url}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      });
      return (await response.json()) as Json;
    };
    const created = await call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({
        institution_id: 'ins_sandbox_bank',
        credentials: { username: 'user_good_20000', password: 'pass_good' },
        access_mode: 'recurrent',
      }),
    });
    assert.ok(created.id, JSON.stringify(created));
    await worker.waitFor(/"product":"transactions".*"msg":"stored a batch"/, 180_000);
    assert.equal(await worker.stop('SIGTERM'), 0, 'the worker drained and exited 0');
    assert.match(worker.output(), /"msg":"stopped"/);

    // Whatever the drain finished, a new worker (the next deploy) finishes the rest: nothing is stuck.
    worker = startProcess(['worker'], env);
    let connection: Json = {};
    for (let i = 0; i < 3000; i++) {
      connection = await call(`/v1/connections/${created.id}`);
      if (connection.status === 'ok' && connection.refresh === null) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(connection.status, 'ok', JSON.stringify(connection));
    assert.equal(connection.product_status.transactions.count, 20_000);
    const refreshes = (await call(`/v1/connections/${created.id}/refreshes`)).data as Json[];
    assert.deepEqual(
      refreshes.map((r) => r.status),
      ['succeeded'],
    );
  } finally {
    await worker.stop('SIGKILL');
    await api.stop('SIGKILL');
    await database.drop();
  }
});
