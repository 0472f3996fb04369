// The fault matrix, cells beside crash.test.ts (extraction), import-crash.test.ts (queued import),
// webhook-crash.test.ts (delivery) and npm-start.test.ts (SIGTERM): kill -9 of the embedded server
// during a synchronous import, a credentials update and a delete. Where a kill lands inside a short
// request depends on the machine, so each cell asserts what holds wherever it lands: all of the
// change or none of it, nothing twice, no refresh left running, and the change can be made again.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { callApi, devClientToken, type Server, startServer } from '../helpers/processes.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON from the API, checked by the assertions
type Json = Record<string, any>;

interface Harness {
  server: Server;
  env: Record<string, string>;
  token: string;
  api(url: string, init?: RequestInit): Promise<{ status: number; body: Json }>;
  /** kill -9, then a fresh start on the same data directory. */
  crashAndRestart(): Promise<void>;
}

async function withServer(name: string, run: (h: Harness) => Promise<void>): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `tesoro-${name}-`));
  const env = { TESORO_DATA_DIR: dataDir, TESORO_PUBLIC_URL: 'http://tesoro.crash', LOG_LEVEL: 'debug' };
  const harness: Harness = {
    server: await startServer(env),
    env,
    token: '',
    api: (url, init) => callApi(harness.server.baseUrl, harness.token, url, init),
    async crashAndRestart() {
      await harness.server.stop('SIGKILL');
      harness.server = await startServer(env);
    },
  };
  harness.token = await devClientToken(harness.server.baseUrl, dataDir);
  try {
    await run(harness);
  } finally {
    await harness.server.stop('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** A request sent and not waited for: the server is killed while it handles it. */
function sendAndForget(h: Harness, url: string, init: RequestInit): void {
  h.api(url, init).catch(() => {
    // the connection dies with the server: that is the point
  });
}

async function settled(h: Harness, id: string): Promise<Json> {
  for (let i = 0; i < 1800; i++) {
    const { status, body } = await h.api(`/v1/connections/${id}`);
    if (status === 404) return { gone: true };
    if (body.refresh === null) return body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`connection ${id} never settled`);
}

async function transactionIds(h: Harness, query: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor = '';
  do {
    const { status, body } = await h.api(`/v1/transactions?page_size=1000${query}${cursor}`);
    assert.equal(status, 200, JSON.stringify(body));
    ids.push(...body.data.map((t: Json) => t.id));
    cursor = body.next_cursor ? `&cursor=${body.next_cursor}` : '';
  } while (cursor);
  return ids;
}

async function connectedUser(h: Harness, username: string): Promise<Json> {
  const created = await h.api('/v1/connections', {
    method: 'POST',
    body: JSON.stringify({
      institution_id: 'ins_sandbox_bank',
      credentials: { username, password: 'pass_good' },
      access_mode: 'recurrent',
    }),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const done = await settled(h, created.body.id);
  assert.equal(done.status, 'ok', JSON.stringify(done));
  return done;
}

test('kill -9 during a synchronous import: none of the file is kept, and it imports whole afterwards', async () => {
  await withServer('sync-import-crash', async (h) => {
    const MOVEMENTS = 30_000;
    const rows = Array.from(
      { length: MOVEMENTS },
      (_, i) =>
        `${String((i % 28) + 1).padStart(2, '0')}/0${(i % 9) + 1}/2026,PAYMENT ${i},-${(i % 89) + 1}.10`,
    );
    const file = `Fecha,Concepto,Importe\n${rows.join('\n')}\n`;
    assert.ok(file.length < 2 * 1024 * 1024, 'small enough to be imported in the request');
    const upload = () =>
      h.api('/v1/imports?currency=EUR&external_id=sync-crash', {
        method: 'POST',
        headers: { 'content-type': 'text/csv' },
        body: file,
      });
    sendAndForget(h, '/v1/imports?currency=EUR&external_id=sync-crash', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: file,
    });
    // Killed while the movements are written (the first batch is stored, in the import's transaction).
    await h.server.waitFor(/"product":"transactions".*"msg":"stored a batch"/, 120_000);
    await h.crashAndRestart();
    // The import, its connection, its stored file and its movements commit together or not at all.
    assert.deepEqual((await h.api('/v1/connections')).body.data, [], 'no connection of it kept');
    assert.deepEqual((await h.api('/v1/documents')).body.data, [], 'no file of it kept');
    assert.deepEqual((await h.api('/v1/events?type=import.completed')).body.data, []);
    assert.deepEqual(await transactionIds(h, ''), [], 'no movement of it kept');
    const again = await upload();
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.equal(again.body.summary.added, MOVEMENTS + 1, 'the account and every movement, once');
    const ids = await transactionIds(h, `&connection_id=${again.body.connection_id}`);
    assert.equal(ids.length, MOVEMENTS);
    assert.equal(new Set(ids).size, MOVEMENTS);
  });
});

test('kill -9 during a delete: the connection is all there or all gone, and the delete can be made again', async () => {
  await withServer('delete-crash', async (h) => {
    const connection = await connectedUser(h, 'user_good_20000');
    const before = await transactionIds(h, `&connection_id=${connection.id}`);
    assert.equal(before.length, 20_000);
    sendAndForget(h, `/v1/connections/${connection.id}`, { method: 'DELETE' });
    await h.server.waitFor(/"method":"DELETE","url":"\/v1\/connections\//, 60_000);
    await h.crashAndRestart();
    const after = await h.api(`/v1/connections/${connection.id}`);
    if (after.status === 200) {
      // The delete did not commit: everything is still there.
      assert.deepEqual((await transactionIds(h, `&connection_id=${connection.id}`)).sort(), before.sort());
      const deleted = await h.api(`/v1/connections/${connection.id}`, { method: 'DELETE' });
      assert.equal(deleted.status, 204, JSON.stringify(deleted.body));
    } else {
      assert.equal(after.status, 404, JSON.stringify(after.body));
    }
    assert.equal((await h.api(`/v1/connections/${connection.id}`)).status, 404);
    assert.deepEqual(await transactionIds(h, ''), [], 'no movement outlives its connection');
    const accounts = await h.api('/v1/accounts');
    assert.deepEqual(accounts.body.data, []);
  });
});

test('kill -9 during a credentials update: old or new credentials, no refresh left running, the next works', async () => {
  await withServer('credentials-crash', async (h) => {
    const connection = await connectedUser(h, 'user_good');
    sendAndForget(h, `/v1/connections/${connection.id}/credentials`, {
      method: 'PUT',
      body: JSON.stringify({ credentials: { username: 'user_good', password: 'pass_good' } }),
    });
    await h.server.waitFor(/"method":"PUT","url":"\/v1\/connections\/[^"]+\/credentials"/, 60_000);
    await h.crashAndRestart();
    // Whatever the kill interrupted (the update, or the refresh it started) ends by itself.
    const afterCrash = await settled(h, connection.id);
    assert.equal(afterCrash.status, 'ok', JSON.stringify(afterCrash));
    const refreshes = (await h.api(`/v1/connections/${connection.id}/refreshes`)).body.data as Json[];
    assert.ok(
      refreshes.every((r) => r.status === 'succeeded' || r.status === 'failed'),
      JSON.stringify(refreshes),
    );
    // And the update can be made again: it refreshes, with the data as it was (none twice).
    const again = await h.api(`/v1/connections/${connection.id}/credentials`, {
      method: 'PUT',
      body: JSON.stringify({ credentials: { username: 'user_good', password: 'pass_good' } }),
    });
    assert.equal(again.status, 202, JSON.stringify(again.body));
    const done = await settled(h, connection.id);
    assert.equal(done.status, 'ok');
    assert.deepEqual(done.product_status.transactions.count, connection.product_status.transactions.count);
    const ids = await transactionIds(h, `&connection_id=${connection.id}`);
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(ids.length, connection.product_status.transactions.count);
  });
});
