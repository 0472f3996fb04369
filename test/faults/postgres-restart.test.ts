// The fault matrix's database cell: PostgreSQL restarted (every session terminated) under a server
// in the middle of a 100,000-transaction refresh. What an operator depends on: the server survives
// it (no crash, no restart needed), reports not-ready while the database is away and ready once it is
// back, the refresh ends (no connection left `running`), a refresh after it stores every transaction
// exactly once, and new work is taken as before. Runs on a cluster of its own (helpers/pg-cluster.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Cluster, postgresBinaries, startCluster } from '../helpers/pg-cluster.ts';
import { callApi, getToken, runCli, type Server, startServer } from '../helpers/processes.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON from the API, checked by the assertions
type Json = Record<string, any>;

const COUNT = 100_000;
const bin = postgresBinaries();

test('PostgreSQL restarted under a running refresh: the server rides it out and the data is whole', {
  skip: bin === null && 'no PostgreSQL installed (/usr/lib/postgresql/*/bin)',
  timeout: 600_000,
}, async () => {
  const cluster: Cluster = await startCluster(bin!);
  let server: Server | undefined;
  try {
    const env = {
      DATABASE_URL: cluster.url,
      TESORO_MASTER_KEY: Buffer.alloc(32, 9).toString('base64'),
      TESORO_PUBLIC_URL: 'http://tesoro.restart',
      LOG_LEVEL: 'debug',
    };
    assert.equal((await runCli(['migrate'], env)).code, 0);
    const made = await runCli(['clients', 'create', '--name', 'restart', '--json'], env);
    assert.equal(made.code, 0, made.stderr);
    const client = JSON.parse(made.stdout) as { client_id: string; client_secret: string };
    server = await startServer(env);
    const { baseUrl } = server;
    const token = ((await (await getToken(baseUrl, client.client_id, client.client_secret)).json()) as Json)
      .access_token as string;
    const call = (url: string, init?: RequestInit) => callApi(baseUrl, token, url, init);
    /** Polls until the connection has no refresh running (the server's own progress). */
    const settled = async (id: string): Promise<Json> => {
      for (let i = 0; i < 6000; i++) {
        const { status, body } = await call(`/v1/connections/${id}`).catch(() => ({
          status: 0,
          body: {} as Json,
        }));
        if (status === 200 && body.refresh === null) return body;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`connection ${id} never settled:\n${server!.output().slice(-4000)}`);
    };

    const created = await call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({
        institution_id: 'ins_sandbox_bank',
        credentials: { username: `user_good_${COUNT}`, password: 'pass_good' },
        access_mode: 'recurrent',
      }),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;
    await server.waitFor(/"product":"transactions".*"msg":"stored a batch"/, 300_000);

    cluster.restart();
    assert.equal(
      server.child.exitCode,
      null,
      `the server died with its database:\n${server.output().slice(-4000)}`,
    );

    // Ready again without a restart of its own (the pool replaces the sessions PostgreSQL ended).
    let ready = false;
    for (let i = 0; i < 600 && !ready; i++) {
      ready = (await fetch(`${baseUrl}/ready`).catch(() => null))?.ok ?? false;
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(ready, `never ready again:\n${server.output().slice(-4000)}`);

    // The interrupted refresh ends (as done, or as failed and retriable); none is left running.
    let connection = await settled(id);
    if (connection.status !== 'ok') {
      const again = await call(`/v1/connections/${id}/refresh`, { method: 'POST' });
      assert.ok([200, 202].includes(again.status), JSON.stringify(again.body));
      connection = await settled(id);
    }
    assert.equal(connection.status, 'ok', JSON.stringify(connection));

    // Every transaction exactly once, read through the API's own pages.
    const ids = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await call(
        `/v1/transactions?connection_id=${id}&page_size=1000${cursor ? `&cursor=${cursor}` : ''}`,
      );
      assert.equal(page.status, 200, JSON.stringify(page.body));
      for (const record of page.body.data as Json[]) {
        assert.ok(!ids.has(record.id), `transaction ${record.id} served twice`);
        ids.add(record.id);
      }
      cursor = page.body.next_cursor as string | null;
      pages++;
    } while (cursor);
    assert.equal(ids.size, COUNT, `${pages} pages`);

    // New work goes through as before the restart.
    const next = await call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({
        institution_id: 'ins_sandbox_bank',
        credentials: { username: 'user_good', password: 'pass_good' },
        access_mode: 'recurrent',
      }),
    });
    assert.equal(next.status, 201, JSON.stringify(next.body));
    assert.equal((await settled(next.body.id as string)).status, 'ok');
  } finally {
    await server?.stop('SIGKILL');
    cluster.stop();
  }
});
