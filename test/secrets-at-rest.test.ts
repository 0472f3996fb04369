// A bank password given to Tesoro is nowhere in its storage: not in the embedded data directory
// (every file, WAL included), not in a pg_dump of the PostgreSQL database.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createConnection, waitForConnection } from './helpers/connections.ts';
import { buildTestContext } from './helpers/context.ts';
import { testEngine } from './helpers/database.ts';
import { getToken, startServer } from './helpers/processes.ts';

// A password no code or fixture contains, so any hit is a leak. The bank refuses it, and the
// connection keeps it (sealed) waiting for the user to fix it.
const PASSWORD = `Zq9!leak-probe-${process.pid}-7731`;
const USERNAME = `leak_probe_user_${process.pid}`;

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : entry.isFile() ? [full] : [];
  });
}

function pgDump(url: string): string {
  const candidates = [
    'pg_dump',
    ...fs
      .readdirSync('/usr/lib/postgresql', { withFileTypes: true })
      .map((d) => path.join('/usr/lib/postgresql', d.name, 'bin', 'pg_dump'))
      .filter((file) => fs.existsSync(file)),
  ];
  for (const binary of candidates.reverse()) {
    try {
      return execFileSync(binary, ['--no-owner', url], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  throw new Error('pg_dump not found');
}

test(`the password is not in the ${testEngine === 'pglite' ? 'embedded data directory' : 'pg_dump of the database'}`, async () => {
  if (testEngine === 'pglite') {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tesoro-leak-'));
    const server = await startServer({ TESORO_DATA_DIR: dataDir });
    let connectionId = '';
    try {
      const dev = JSON.parse(fs.readFileSync(path.join(dataDir, 'dev-client.json'), 'utf8'));
      const { access_token: token } = (await (
        await getToken(server.baseUrl, dev.client_id, dev.client_secret)
      ).json()) as { access_token: string };
      const created = await fetch(`${server.baseUrl}/v1/connections`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          institution_id: 'ins_sandbox_bank',
          credentials: { username: USERNAME, password: PASSWORD },
          access_mode: 'recurrent',
        }),
      });
      assert.equal(created.status, 201);
      const { id } = (await created.json()) as { id: string };
      connectionId = id;
      for (let i = 0; i < 100; i++) {
        const c = (await (
          await fetch(`${server.baseUrl}/v1/connections/${id}`, {
            headers: { authorization: `Bearer ${token}` },
          })
        ).json()) as { status: string };
        if (c.status === 'credentials_invalid') break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      assert.equal(await server.stop('SIGTERM'), 0);
    }
    const files = filesUnder(dataDir);
    assert.ok(files.length > 100, 'the whole data directory is searched');
    // Control: a value stored in plain text (the connection id) is found by the same search.
    assert.ok(
      files.some((file) => fs.readFileSync(file).indexOf(connectionId) >= 0),
      'the search finds stored text',
    );
    for (const file of files) {
      const content = fs.readFileSync(file);
      assert.equal(content.indexOf(PASSWORD), -1, `password found in ${file}`);
      assert.equal(content.indexOf(USERNAME), -1, `username found in ${file}`);
    }
    assert.ok(!server.output().includes(PASSWORD), 'nor in the log');
    fs.rmSync(dataDir, { recursive: true, force: true });
  } else {
    const ctx = await buildTestContext();
    try {
      const token = await ctx.tokenFor(await ctx.createClient());
      const created = await createConnection(ctx, token, {
        institution_id: 'ins_sandbox_bank',
        credentials: { username: USERNAME, password: PASSWORD },
      });
      assert.equal((await waitForConnection(ctx, token, created.id)).status, 'credentials_invalid');
      const dump = pgDump(ctx.database.url!);
      assert.ok(dump.includes(created.id), 'the dump has the connection');
      assert.ok(!dump.includes(PASSWORD), 'the password is not in the dump');
      assert.ok(!dump.includes(USERNAME), 'the username is not in the dump');
    } finally {
      await ctx.close();
    }
  }
});
