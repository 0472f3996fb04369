// Webhook endpoints, the events Tesoro records, and one delivery per (event, endpoint) with the log
// of its attempts. An event and its deliveries are written in the transaction of the change they
// report, so a committed change is never without its event, and an event never without its
// deliveries (webhooks/events.ts).
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table webhook_endpoints (
      id text primary key,
      client_id text not null references clients(id) on delete cascade,
      url text not null,
      description text,
      events text[],
      enabled boolean not null default true,
      disabled_reason text,
      secret_sealed text not null,
      previous_secret_sealed text,
      previous_secret_expires_at timestamptz,
      failing_since timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index webhook_endpoints_client on webhook_endpoints (client_id, id)`.execute(db);
  await sql`
    create table events (
      id text primary key,
      client_id text not null references clients(id) on delete cascade,
      type text not null,
      data json not null,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index events_client on events (client_id, id)`.execute(db);
  await sql`create index events_created on events (created_at)`.execute(db);
  await sql`
    create table webhook_deliveries (
      id text primary key,
      client_id text not null references clients(id) on delete cascade,
      event_id text not null references events(id) on delete cascade,
      endpoint_id text not null references webhook_endpoints(id) on delete cascade,
      status text not null check (status in ('pending', 'succeeded', 'failed')),
      attempt_count integer not null default 0,
      next_attempt_at timestamptz,
      locked_until timestamptz,
      attempts json not null default '[]',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index webhook_deliveries_endpoint on webhook_deliveries (endpoint_id, id)`.execute(db);
  await sql`create index webhook_deliveries_event on webhook_deliveries (event_id)`.execute(db);
  await sql`
    create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending'
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table webhook_deliveries`.execute(db);
  await sql`drop table events`.execute(db);
  await sql`drop table webhook_endpoints`.execute(db);
}
