// Connections, their refreshes, challenges and status history, the extracted data (one table per
// product) and the change log the incremental feed reads.
import { type Kysely, sql } from 'kysely';

/**
 * Every product table shares these columns; `data` holds the normalised fields the API serves and
 * `raw` the source record as JSON text (kept, rarely read: text is cheaper to store than jsonb).
 */
const recordColumns = `
  id text primary key,
  client_id text not null references clients(id) on delete cascade,
  connection_id text not null references connections(id) on delete cascade,
  natural_key text not null,
  parent_id text,
  data jsonb not null,
  raw text,
  hash text not null,
  first_seen_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  removed_at timestamptz`;

/** Products whose rows are dated money movements get typed columns for filters and keyset paging. */
const movementColumns = `,
  operation_date date,
  value_date date,
  amount numeric(20, 2),
  currency text,
  pending boolean not null default false,
  pending_transaction_id text`;

export const recordTables = {
  accounts: false,
  transactions: true,
  cards: false,
  card_transactions: true,
  portfolios: false,
  investments: false,
  investment_transactions: true,
  liabilities: false,
  liability_transactions: true,
  identities: false,
  holders: false,
  mifid_answers: false,
} as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table connections (
      id text primary key,
      client_id text not null references clients(id) on delete cascade,
      institution_id text not null,
      connector text not null,
      access_mode text not null check (access_mode in ('single', 'recurrent')),
      refresh_interval text,
      products text[] not null,
      history_days integer not null,
      external_id text,
      status text not null,
      status_detail text not null,
      product_status jsonb not null default '{}',
      credentials_sealed text,
      session_sealed text,
      refresh_count integer not null default 0,
      last_refresh_at timestamptz,
      next_refresh_at timestamptz,
      last_transaction_date date,
      needs_user boolean not null default false,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index connections_client on connections (client_id, created_at, id)`.execute(db);
  await sql`create index connections_due on connections (next_refresh_at) where next_refresh_at is not null`.execute(
    db,
  );

  await sql`
    create table connection_status_events (
      id bigserial primary key,
      connection_id text not null references connections(id) on delete cascade,
      from_status text,
      to_status text not null,
      detail text not null,
      at timestamptz not null default now()
    )`.execute(db);
  await sql`create index connection_status_events_connection on connection_status_events (connection_id, id)`.execute(
    db,
  );

  await sql`
    create table refreshes (
      id text primary key,
      client_id text not null references clients(id) on delete cascade,
      connection_id text not null references connections(id) on delete cascade,
      trigger text not null,
      status text not null,
      refresh_number integer not null,
      added integer not null default 0,
      modified integer not null default 0,
      removed integer not null default 0,
      error_code text,
      error_detail text,
      answers_sealed text,
      created_at timestamptz not null default now(),
      started_at timestamptz,
      finished_at timestamptz
    )`.execute(db);
  // At most one refresh in flight per connection: a second request gets the running one.
  await sql`create unique index refreshes_one_active on refreshes (connection_id) where status in ('queued', 'running', 'waiting_user')`.execute(
    db,
  );
  await sql`create index refreshes_connection on refreshes (connection_id, created_at desc)`.execute(db);

  await sql`
    create table challenges (
      id text primary key,
      client_id text not null references clients(id) on delete cascade,
      connection_id text not null references connections(id) on delete cascade,
      refresh_id text not null references refreshes(id) on delete cascade,
      type text not null,
      prompt jsonb not null,
      fields jsonb not null,
      redirect_url text,
      status text not null,
      attempts_left integer,
      expires_at timestamptz not null,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index challenges_connection on challenges (connection_id, created_at desc)`.execute(db);

  for (const [table, movements] of Object.entries(recordTables)) {
    await sql.raw(`create table ${table} (${recordColumns}${movements ? movementColumns : ''})`).execute(db);
    await sql
      .raw(`create unique index ${table}_natural on ${table} (connection_id, natural_key)`)
      .execute(db);
    await sql.raw(`create index ${table}_client on ${table} (client_id, connection_id, id)`).execute(db);
  }
  await sql`create index transactions_by_account on transactions (connection_id, parent_id, operation_date desc, id)`.execute(
    db,
  );

  await sql`
    create table changes (
      seq bigserial primary key,
      client_id text not null references clients(id) on delete cascade,
      connection_id text not null references connections(id) on delete cascade,
      refresh_id text,
      product text not null,
      record_id text not null,
      kind text not null check (kind in ('added', 'modified', 'removed')),
      at timestamptz not null default now()
    )`.execute(db);
  await sql`create index changes_connection on changes (connection_id, seq)`.execute(db);
  await sql`create index changes_refresh on changes (refresh_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'changes',
    ...Object.keys(recordTables).reverse(),
    'challenges',
    'refreshes',
    'connection_status_events',
    'connections',
  ]) {
    await sql.raw(`drop table ${table}`).execute(db);
  }
}
