// Daily balance snapshots (SPEC gap G18): every refresh that ends well and every statement import
// keeps each account's balance of that day, so a balance history can be served (Datanomik's
// /v1/balances/history) without deriving it from running balances. One row per account and day:
// a later refresh the same day overwrites it. The connection's cascade removes them with it
// (accounts only ever go with their connection). No client foreign key: the connection implies it.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table balance_history (
      client_id text not null,
      connection_id text not null references connections(id) on delete cascade,
      account_id text not null,
      day date not null,
      balance numeric not null,
      available_balance numeric,
      currency text,
      taken_at timestamptz not null,
      primary key (account_id, day)
    )`.execute(db);
  // The lists by connection, and the cascade's lookup when a connection is deleted.
  await sql`create index balance_history_by_connection on balance_history (connection_id, account_id, day)`.execute(
    db,
  );
  // The lists of a whole client (no account or connection named).
  await sql`create index balance_history_by_client on balance_history (client_id, account_id, day)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table balance_history`.execute(db);
}
