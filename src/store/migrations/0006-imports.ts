// Statement imports: each uploaded file is kept as a document of its connection, and each import
// records what it found (format, counts, issues).
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table documents (
      id text primary key,
      client_id text not null references clients(id) on delete cascade,
      connection_id text not null references connections(id) on delete cascade,
      filename text,
      content_type text not null,
      size integer not null,
      sha256 text not null,
      content bytea not null,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index documents_connection on documents (connection_id)`.execute(db);
  await sql`
    create table imports (
      id text primary key,
      client_id text not null references clients(id) on delete cascade,
      connection_id text references connections(id) on delete cascade,
      document_id text references documents(id) on delete set null,
      status text not null check (status in ('processing', 'completed', 'failed')),
      format text,
      summary json not null default '{}',
      issues json not null default '[]',
      created_at timestamptz not null default now(),
      finished_at timestamptz
    )`.execute(db);
  await sql`create index imports_client on imports (client_id, id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table imports`.execute(db);
  await sql`drop table documents`.execute(db);
}
