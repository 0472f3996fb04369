// Large statement files are imported by a job: their document is stored first, before the
// connection it will belong to exists (a first import creates the connection when it runs).
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table documents alter column connection_id drop not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from documents where connection_id is null`.execute(db);
  await sql`alter table documents alter column connection_id set not null`.execute(db);
}
