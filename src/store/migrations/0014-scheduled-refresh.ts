// Scheduled refreshes can be paused without touching anything else (Flinks' SetScheduledRefresh,
// and PATCH /v1/connections/{id} natively): `disabled` refuses credential updates and ends
// access, `single` drops the credentials, `needs_user` waits for the end user. A paused
// connection keeps its credentials, its status and its next_refresh_at; the scheduler skips it.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table connections add column scheduled_refresh boolean not null default true`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table connections drop column scheduled_refresh`.execute(db);
}
