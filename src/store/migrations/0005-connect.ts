// Hosted Connect: the redirect URIs a client registered, Connect sessions (what the developer's
// server asked for, and the connection the end user made in it), and the one-use codes the
// developer's server exchanges for the connection.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table clients add column redirect_uris text[] not null default '{}'`.execute(db);
  await sql`
    create table connect_sessions (
      id text primary key,
      client_id text not null references clients(id) on delete cascade,
      token_hash text not null unique,
      redirect_uri text not null,
      state text,
      institution_ids text[],
      products text[],
      country text,
      language text not null,
      external_id text,
      access_mode text not null,
      refresh_interval text,
      extra json,
      update_connection_id text references connections(id) on delete cascade,
      connection_id text references connections(id) on delete set null,
      status text not null check (status in ('open', 'completed', 'cancelled')),
      expires_at timestamptz not null,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index connect_sessions_client on connect_sessions (client_id)`.execute(db);
  await sql`
    create table connect_codes (
      code_hash text primary key,
      code_sealed text not null,
      client_id text not null references clients(id) on delete cascade,
      session_id text not null references connect_sessions(id) on delete cascade,
      connection_id text not null references connections(id) on delete cascade,
      expires_at timestamptz not null,
      used_at timestamptz,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index connect_codes_session on connect_codes (session_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table connect_codes`.execute(db);
  await sql`drop table connect_sessions`.execute(db);
  await sql`alter table clients drop column redirect_uris`.execute(db);
}
