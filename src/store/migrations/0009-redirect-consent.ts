// Redirect consents (PSD2): a redirect challenge keeps the hash of the `state` its institution will
// send back to GET /connect/callback/{connector}, which finds the challenge by it; and a refresh
// keeps who is present (the end user's address and browser) while they are, for the connector.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table challenges add column callback_state_hash text`.execute(db);
  await sql`create unique index challenges_callback_state on challenges (callback_state_hash) where callback_state_hash is not null`.execute(
    db,
  );
  await sql`alter table refreshes add column user_present json`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table refreshes drop column user_present`.execute(db);
  await sql`drop index challenges_callback_state`.execute(db);
  await sql`alter table challenges drop column callback_state_hash`.execute(db);
}
