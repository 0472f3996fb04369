// A fresh database for each test file, on the engine the run targets: embedded PGlite (always)
// or a real PostgreSQL server (TESORO_TEST_ENGINE=postgres with TEST_DATABASE_URL set).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import {
  type Database,
  databaseFromPglite,
  databaseFromUrl,
  migrateToLatest,
  pgliteParsers,
} from '../../src/store/database.ts';

export const testEngine: 'pglite' | 'postgres' =
  process.env.TESORO_TEST_ENGINE === 'postgres' ? 'postgres' : 'pglite';

export interface TestDatabase extends Database {
  /** postgres:// URL of this test's own database (PostgreSQL runs only). */
  readonly url: string | undefined;
}

// initdb costs ~2 s per PGlite instance; a freshly initialised cluster is dumped once per machine
// and each test file starts from a copy of it (~0.3 s).
async function freshPglite(): Promise<PGlite> {
  const pkg = JSON.parse(fs.readFileSync('node_modules/@electric-sql/pglite/package.json', 'utf8')) as {
    version: string;
  };
  const template = path.join(os.tmpdir(), `tesoro-pglite-template-${pkg.version}.tar`);
  if (fs.existsSync(template)) {
    const pglite = new PGlite({ loadDataDir: new Blob([fs.readFileSync(template)]), parsers: pgliteParsers });
    await pglite.waitReady;
    return pglite;
  }
  const pglite = new PGlite({ parsers: pgliteParsers });
  await pglite.waitReady;
  const dump = await pglite.dumpDataDir('none');
  const partial = `${template}.${process.pid}.tmp`;
  fs.writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
  fs.renameSync(partial, template);
  return pglite;
}

export function testDatabaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TESORO_TEST_ENGINE=postgres needs TEST_DATABASE_URL');
  return url;
}

/** Creates an empty PostgreSQL database for one test file; returns its URL and a drop function. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = testDatabaseUrl();
  const name = `tesoro_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  let database: Database;
  let url: string | undefined;
  if (testEngine === 'postgres') {
    const created = await createPostgresDatabase();
    url = created.url;
    const inner = databaseFromUrl(created.url, 5);
    database = {
      ...inner,
      async close() {
        await inner.close();
        await created.drop();
      },
    };
  } else {
    database = databaseFromPglite(await freshPglite());
  }
  if (options.migrate !== false) await migrateToLatest(database);
  return { ...database, url };
}
