// kill -9 of the server in the middle of an extraction loses nothing and duplicates nothing: after
// a restart the refresh resumes and the stored data equals that of an uninterrupted run.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { getToken, type Server, startServer } from '../helpers/processes.ts';

const USERNAME = 'user_good_20000';

async function api(server: Server, token: string, url: string, init: RequestInit = {}) {
  const response = await fetch(`${server.baseUrl}${url}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
  });
  // biome-ignore lint/suspicious/noExplicitAny: JSON from the API, checked by the assertions
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function tokenOf(server: Server, dataDir: string): Promise<string> {
  const dev = JSON.parse(fs.readFileSync(path.join(dataDir, 'dev-client.json'), 'utf8'));
  return (
    (await (await getToken(server.baseUrl, dev.client_id, dev.client_secret)).json()) as {
      access_token: string;
    }
  ).access_token;
}

async function waitUntilDone(server: Server, token: string, id: string) {
  for (let i = 0; i < 1200; i++) {
    const { body } = await api(server, token, `/v1/connections/${id}`);
    if (body.status === 'ok' && body.refresh === null) return body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`connection ${id} did not finish`);
}

/** What the API shows of the extracted data, without ids (they depend on the connection id). */
async function snapshot(server: Server, token: string, id: string) {
  const connection = await waitUntilDone(server, token, id);
  const rows: string[] = [];
  let cursor = '';
  do {
    const { body } = await api(server, token, `/v1/transactions?connection_id=${id}&page_size=1000${cursor}`);
    for (const t of body.data)
      rows.push([t.transaction_id, t.operation_date, t.amount, t.balance, t.pending].join('|'));
    cursor = body.next_cursor ? `&cursor=${body.next_cursor}` : '';
  } while (cursor);
  const refreshes = (await api(server, token, `/v1/connections/${id}/refreshes`)).body.data;
  const counts = Object.fromEntries(
    Object.entries(connection.product_status).map(([p, s]) => [p, (s as { count: number }).count]),
  );
  return { rows: rows.sort(), counts, refreshes };
}

/** How many batches of transactions the server has logged as stored (LOG_LEVEL=debug). */
function storedTransactionBatches(output: string): number {
  return output
    .split('\n')
    .filter((line) => line.includes('"msg":"stored a batch"') && line.includes('"product":"transactions"'))
    .length;
}

/**
 * One extraction of USERNAME's data from a fresh data directory. With `killAfterBatch`, the server
 * is killed with SIGKILL as soon as it has logged that many stored batches of transactions (the
 * sandbox yields them 5,000 at a time, so the next batch is being written), then started again.
 * Waiting on the server's own progress rather than on a clock puts the kill inside the extraction
 * however fast or loaded the machine is.
 */
async function run(
  killAfterBatch: number | null,
): Promise<Awaited<ReturnType<typeof snapshot>> & { resumed: boolean }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tesoro-crash-'));
  const env = { TESORO_DATA_DIR: dataDir, TESORO_PUBLIC_URL: 'http://tesoro.crash', LOG_LEVEL: 'debug' };
  let server = await startServer(env);
  try {
    const token = await tokenOf(server, dataDir);
    const created = await api(server, token, '/v1/connections', {
      method: 'POST',
      body: JSON.stringify({
        institution_id: 'ins_sandbox_bank',
        credentials: { username: USERNAME, password: 'pass_good' },
        access_mode: 'recurrent',
      }),
    });
    assert.equal(created.status, 201);
    const id = created.body.id as string;
    if (killAfterBatch !== null) {
      await server.waitFor((output) => storedTransactionBatches(output) >= killAfterBatch, 120_000);
      await server.stop('SIGKILL');
      server = await startServer(env);
    }
    const result = await snapshot(server, token, id);
    return { ...result, resumed: server.output().includes('resumed refreshes interrupted by a crash') };
  } finally {
    await server.stop('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

test('kill -9 at several points of an extraction: same rows as an uninterrupted run, none twice', async () => {
  const baseline = await run(null);
  assert.equal(baseline.counts.transactions, 20_000);
  assert.equal(baseline.rows.length, 20_000);
  const total = Object.values(baseline.counts).reduce((sum, n) => sum + n, 0);
  // 20,000 transactions come in four batches: kill while the second, third and fourth are written.
  for (const killAfterBatch of [1, 2, 3]) {
    const crashed = await run(killAfterBatch);
    assert.ok(crashed.resumed, `the refresh killed after batch ${killAfterBatch} was resumed at the restart`);
    assert.deepEqual(crashed.counts, baseline.counts, `counts after a kill after batch ${killAfterBatch}`);
    assert.equal(crashed.rows.length, baseline.rows.length);
    assert.deepEqual(crashed.rows, baseline.rows, `rows after a kill after batch ${killAfterBatch}`);
    // The resumed refresh logged each record once: its `added` is the number of records.
    assert.equal(crashed.refreshes.length, 1);
    assert.equal(crashed.refreshes[0].added, total);
    assert.equal(crashed.refreshes[0].status, 'succeeded');
  }
});
