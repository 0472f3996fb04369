// Opens the database the configuration names: embedded PGlite under the data directory (the
// default) or a PostgreSQL server (DATABASE_URL). Everything above this file sees one Kysely
// instance and the same SQL either way.
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import { type ConstructorOptions, fromPglite } from 'pg-boss';
import type { Config } from '../config.ts';
import { type BulkInsert, copyInsert, sparseUnnestInsert } from './bulk-insert.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { markEmbedded } from './embedded.ts';
import { migrationProvider } from './migrations/index.ts';
import { SerializedPGliteDialect } from './pglite-dialect.ts';
import type { Schema } from './schema.ts';

export type Engine = 'pglite' | 'postgres';

export interface Database {
  readonly engine: Engine;
  readonly db: Kysely<Schema>;
  /** How pg-boss reaches the same database. */
  readonly bossOptions: ConstructorOptions;
  /** Inserts many new rows the fastest way this engine offers (COPY on PostgreSQL). */
  readonly bulkInsert: BulkInsert;
  /**
   * Calls `onNotify` for each NOTIFY on `channel` (delivered when the notifying transaction
   * commits). Resolves with a function that stops listening.
   */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

// int8 (counts) as JS numbers; numeric stays a string so money is never a float; a date is the
// calendar day it names ("2026-11-22"), not a JS Date at some midnight in some time zone.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10));
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);
const DATE_OID = 1082;
export const pgliteParsers = { [DATE_OID]: (value: string) => value };

export function databaseFromPglite(pglite: PGlite, onClose?: () => void | Promise<void>): Database {
  const db = new Kysely<Schema>({ dialect: new SerializedPGliteDialect({ pglite }) });
  markEmbedded(db);
  return {
    engine: 'pglite',
    db,
    bossOptions: { db: fromPglite(pglite), backend: 'pglite' },
    bulkInsert: sparseUnnestInsert(db as Kysely<unknown>),
    async listen(channel, onNotify) {
      // LISTEN goes through Kysely's serialised connection, so it never lands inside another
      // caller's open transaction (where a rollback would undo it).
      await sql`listen ${sql.id(channel)}`.execute(db);
      const stop = pglite.onNotification((from) => {
        if (from === channel) onNotify();
      });
      return async () => {
        stop();
        if (!pglite.closed) await sql`unlisten ${sql.id(channel)}`.execute(db);
      };
    },
    async close() {
      await db.destroy();
      if (!pglite.closed) await pglite.close();
      await onClose?.();
    },
  };
}

export function databaseFromUrl(connectionString: string, max: number): Database {
  // Idle connections are kept 5 minutes: an idle server's few queries a minute (the schedule, the
  // dispatcher's next due delivery) reuse them instead of reconnecting each time.
  const pool = new pg.Pool({ connectionString, max, application_name: 'tesoro', idleTimeoutMillis: 300_000 });
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  return {
    engine: 'postgres',
    db,
    bossOptions: { connectionString, max: Math.max(2, Math.ceil(max / 2)), application_name: 'tesoro-jobs' },
    bulkInsert: copyInsert(pool),
    listen: (channel, onNotify) => listenOnServer(connectionString, channel, onNotify),
    async close() {
      await db.destroy();
    },
  };
}

/**
 * A dedicated connection LISTENing on `channel`; reconnects after a second if it drops (whoever
 * listens also polls, so a notification lost meanwhile only delays the work).
 */
async function listenOnServer(
  connectionString: string,
  channel: string,
  onNotify: () => void,
): Promise<() => Promise<void>> {
  let stopped = false;
  let client: pg.Client | undefined;
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString, application_name: 'tesoro-listen' });
    next.on('notification', (message) => {
      if (message.channel === channel) onNotify();
    });
    const retry = () => {
      if (stopped) return;
      next.removeAllListeners('error');
      next.on('error', () => {});
      setTimeout(() => void connect().catch(retry), 1000).unref();
    };
    next.on('error', retry);
    await next.connect();
    await next.query(`listen ${pg.escapeIdentifier(channel)}`);
    const reconnected = client !== undefined;
    client = next;
    // A notification sent while the connection was down is lost: look once, as if one had come.
    if (reconnected) onNotify();
  };
  await connect();
  return async () => {
    stopped = true;
    await client?.end().catch(() => {});
  };
}

/**
 * Opens the configured database. The embedded one is locked for this process (see data-dir-lock.ts)
 * so a second process gets a clear error instead of corrupting it.
 */
export async function openDatabase(config: Config, command: string): Promise<Database> {
  if (config.databaseUrl) return databaseFromUrl(config.databaseUrl, config.databasePoolMax);
  const lock = lockDataDir(config.dataDir, command);
  try {
    const pglite = new PGlite(path.join(config.dataDir, 'pgdata'), { parsers: pgliteParsers });
    await pglite.waitReady;
    return databaseFromPglite(pglite, () => lock.release());
  } catch (error) {
    lock.release();
    throw error;
  }
}

export interface MigrationOutcome {
  applied: string[];
  /** True when this run created the schema from nothing (first start of an empty database). */
  freshDatabase: boolean;
}

export async function migrateToLatest(database: Database): Promise<MigrationOutcome> {
  const migrator = new Migrator({ db: database.db, provider: migrationProvider });
  const before = await migrator.getMigrations();
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  return { applied, freshDatabase: before.every((m) => !m.executedAt) && applied.length > 0 };
}

/** Names of migrations the code knows but the database has not applied. */
export async function pendingMigrations(database: Database): Promise<string[]> {
  const migrator = new Migrator({ db: database.db, provider: migrationProvider });
  const known = await migrator.getMigrations();
  return known.filter((m) => !m.executedAt).map((m) => m.name);
}

/** The last migration applied (the schema's version), or null on an empty database. */
export async function appliedSchema(database: Database): Promise<string | null> {
  const migrator = new Migrator({ db: database.db, provider: migrationProvider });
  const applied = (await migrator.getMigrations()).filter((m) => m.executedAt);
  return applied.at(-1)?.name ?? null;
}

/**
 * SQLSTATE class 22 ("data exception": a date out of range, a numeric overflow, a bad byte): the
 * database refused a value, so running the same statement again cannot succeed.
 */
export function isDataException(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code);
}
