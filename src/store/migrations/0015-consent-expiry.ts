// When a connection's consent ends (PSD2 consents last 90 or 180 days), as its connector reported
// it at the last login, and when its client was told it is about to (the
// connection.consent_expiring event, once per consent).
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table connections add column consent_expires_at timestamptz`.execute(db);
  await sql`alter table connections add column consent_warned_at timestamptz`.execute(db);
  await sql`
    create index connections_consent_expiry on connections (consent_expires_at)
    where consent_expires_at is not null and consent_warned_at is null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index connections_consent_expiry`.execute(db);
  await sql`alter table connections drop column consent_warned_at`.execute(db);
  await sql`alter table connections drop column consent_expires_at`.execute(db);
}
