// A keyed fingerprint of each connection's login identity (institution and username-like fields,
// HMAC-SHA-256 under a key derived from the master key: services/connections.ts), so a client may
// ask that the same end user is not connected twice. Connections made before this migration have
// none until their credentials are next updated.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table connections add column credentials_fingerprint text`.execute(db);
  await sql`
    create index connections_credentials_fingerprint
    on connections (client_id, institution_id, credentials_fingerprint)
    where credentials_fingerprint is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index connections_credentials_fingerprint`.execute(db);
  await sql`alter table connections drop column credentials_fingerprint`.execute(db);
}
