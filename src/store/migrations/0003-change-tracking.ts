// Change tracking moves onto the rows themselves, and the product tables get the indexes the data
// API pages through.
//
// Every stored record carries `change_seq` (a value of one global sequence, taken each time the
// record is inserted, rewritten or removed) and `created_seq` (the value it was inserted with).
// The incremental feed reads `change_seq > cursor`; "added" vs "modified" is `created_seq > cursor`.
// This replaces the `changes` log table, which cost a second row and two index entries per record
// written (bench/README.md). `connections.sync_seq` is the high-water mark the feed may read up to:
// the engine raises it after each batch has committed, so a reader never sees a later change before
// an earlier one of the same connection.
//
// `data` becomes `json`: it now holds the record exactly as the API serves it (domain/
// product-fields.ts), so a page is rendered by PostgreSQL and passed through as text; json keeps the
// field order and costs less to write than jsonb (bench/README.md).
//
// The unique (connection_id, natural_key) indexes go: a record's id is already derived from its
// connection and natural key, so the primary key enforces the same thing.
import { type Kysely, sql } from 'kysely';
import { recordTables } from './0002-connections.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create sequence record_changes`.execute(db);
  await sql`drop table changes`.execute(db);
  await sql`alter table connections add column sync_seq bigint not null default 0`.execute(db);
  await sql`alter table refreshes add column start_seq bigint`.execute(db);
  await sql`drop index transactions_by_account`.execute(db);

  for (const [table, movements] of Object.entries(recordTables)) {
    await sql
      .raw(`
        alter table ${table}
          add column change_seq bigint not null default 0,
          add column created_seq bigint not null default 0,
          alter column data type json using data::json`)
      .execute(db);
    await sql.raw(`drop index ${table}_natural`).execute(db);
    await sql.raw(`drop index ${table}_client`).execute(db);
    await sql.raw(`create index ${table}_changes on ${table} (connection_id, change_seq)`).execute(db);
    if (movements) {
      // Lists are newest first by operation date: a movement always has one from now on.
      await sql
        .raw(
          `update ${table} set operation_date = coalesce(value_date, first_seen_at::date) where operation_date is null`,
        )
        .execute(db);
      await sql.raw(`alter table ${table} alter column operation_date set not null`).execute(db);
      for (const [name, column] of [
        ['by_client', 'client_id'],
        ['by_connection', 'connection_id'],
        ['by_parent', 'parent_id'],
      ]) {
        await sql
          .raw(
            `create index ${table}_${name} on ${table} (${column}, operation_date, id) where removed_at is null`,
          )
          .execute(db);
      }
    } else {
      await sql
        .raw(`create index ${table}_by_client on ${table} (client_id, id) where removed_at is null`)
        .execute(db);
      await sql
        .raw(`create index ${table}_by_connection on ${table} (connection_id, id) where removed_at is null`)
        .execute(db);
    }
  }
}

export async function down(): Promise<void> {
  throw new Error('0003-change-tracking cannot be undone: the change log it replaced is gone.');
}
