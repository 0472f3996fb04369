// kill -9 of the embedded server while it stores a queued import: at the restart the import is
// sent again and completes, with every movement once; it never stays `processing`.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { devClientToken, startServer } from '../helpers/processes.ts';

const MOVEMENTS = 60_000;

test('a queued import killed while it is stored is resumed at the restart and completes once', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tesoro-import-crash-'));
  const env = { TESORO_DATA_DIR: dataDir, TESORO_PUBLIC_URL: 'http://tesoro.crash', LOG_LEVEL: 'debug' };
  let server = await startServer(env);
  try {
    const token = await devClientToken(server.baseUrl, dataDir);
    const api = async (url: string, init: RequestInit = {}) => {
      const response = await fetch(`${server.baseUrl}${url}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, ...init.headers },
      });
      // biome-ignore lint/suspicious/noExplicitAny: JSON from the API, checked by the assertions
      return { status: response.status, body: (await response.json()) as Record<string, any> };
    };
    const rows = Array.from(
      { length: MOVEMENTS },
      (_, i) =>
        `${String((i % 28) + 1).padStart(2, '0')}/0${(i % 9) + 1}/2026,MOVEMENT ${i},-${(i % 97) + 1}.25`,
    );
    const queued = await api('/v1/imports?currency=EUR&async=true', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: `Fecha,Concepto,Importe\n${rows.join('\n')}\n`,
    });
    assert.equal(queued.status, 202, JSON.stringify(queued.body));
    // Killed once the file is parsed and its one transaction is being written.
    await server.waitFor(/"msg":"storing a queued import"/, 120_000);
    await server.stop('SIGKILL');
    server = await startServer(env);
    let done = queued.body;
    for (let i = 0; i < 1200 && done.status === 'processing'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      done = (await api(`/v1/imports/${queued.body.id}`)).body;
    }
    assert.equal(done.status, 'completed', JSON.stringify(done));
    assert.ok(server.output().includes('resumed imports interrupted by a crash'));
    assert.equal(done.summary.added, MOVEMENTS + 1, 'the account and every movement, once');
    const connection = (await api(`/v1/connections/${done.connection_id}`)).body;
    assert.equal(connection.product_status.transactions.count, MOVEMENTS);
    const imports = (await api(`/v1/events?type=import.completed`)).body.data;
    assert.equal(imports.length, 1);
  } finally {
    await server.stop('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
