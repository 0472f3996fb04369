// The payload format of each webhook endpoint (webhooks/formats.ts): `tesoro`, the native thin
// event, unless the endpoint asked for a vendor facade's body. Endpoints registered before this
// migration keep receiving what they always did.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table webhook_endpoints add column format text not null default 'tesoro'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table webhook_endpoints drop column format`.execute(db);
}
