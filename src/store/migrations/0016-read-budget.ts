// What the upstream read budgets (Connector.readBudget) and the consent-end pass need: whether a
// refresh had its end user present, kept after the refresh ends (the address and browser in
// `user_present` are not kept), and the connections whose consent may end, on an index.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table refreshes add column attended boolean not null default false`.execute(db);
  await sql`
    create index connections_consent_end on connections (consent_expires_at)
    where consent_expires_at is not null and status not in ('consent_expired', 'disabled')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index connections_consent_end`.execute(db);
  await sql`alter table refreshes drop column attended`.execute(db);
}
