// Short-lived opaque state the vendor facades hand out and take back (Flanks' link, SCA and reset
// tokens, Flinks' authorize tokens and request ids, Powens' temporary codes): none of them is a
// native concept, so they live in one table. A handle is looked up by the SHA-256 of its text;
// the text itself is kept sealed only when the facade must show it again (Flanks' status shows
// `sca_token` on every call). A handle about a connection goes when the connection goes.
//
// A refresh also records when its login succeeded (`logged_in_at`): vendors whose connection call
// answers the login synchronously (Flinks' Authorize, Powens' POST connections) wait for it.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table compat_handles (
      handle_hash text primary key,
      client_id text not null references clients(id) on delete cascade,
      kind text not null,
      connection_id text references connections(id) on delete cascade,
      handle_sealed text,
      data json not null,
      expires_at timestamptz,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index compat_handles_by_kind on compat_handles (client_id, kind, connection_id)`.execute(
    db,
  );
  await sql`create index compat_handles_expiry on compat_handles (expires_at) where expires_at is not null`.execute(
    db,
  );
  await sql`alter table refreshes add column logged_in_at timestamptz`.execute(db);
  // A Connect session may refuse credentials its client already connected (Flanks' links do).
  await sql`alter table connect_sessions add column unique_credentials boolean not null default false`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table connect_sessions drop column unique_credentials`.execute(db);
  await sql`alter table refreshes drop column logged_in_at`.execute(db);
  await sql`drop table compat_handles`.execute(db);
}
