// Daily balance snapshots (migration 0019). A snapshot is taken from the accounts as they are
// stored, in one statement for every account of a connection that has a balance, so a refresh
// costs one round trip whatever its number of accounts. The accounts' documents hold money as
// JSON numbers written from the source's decimal text, and `->>` reads that text back: the
// `numeric` column gets the same digits, no float in between.
import { sql } from 'kysely';
import type { Db } from './schema.ts';

/** Which snapshots a list reads; every one is scoped to a client. */
export interface BalanceFilters {
  clientId: string;
  accountId?: string | undefined;
  connectionId?: string | undefined;
  /** Inclusive days, YYYY-MM-DD. */
  from?: string | undefined;
  to?: string | undefined;
}

/** A snapshot as read: amounts as the decimal text PostgreSQL prints. */
export interface BalanceRow {
  account_id: string;
  connection_id: string;
  date: string;
  balance: string;
  available_balance: string | null;
  currency: string | null;
}

/**
 * Keeps today's balance of every live account of the connection that has one: `day` is the
 * snapshot's day, and a later snapshot the same day replaces the earlier (the day's last wins).
 * Returns how many accounts were kept.
 */
export async function snapshotBalances(
  db: Db,
  connectionId: string,
  snapshot: { day: string; takenAt: Date },
): Promise<number> {
  // A balance the document holds as another JSON type (a source's "n/a" is stored as null) is
  // not a number: json_typeof keeps the cast from failing the statement.
  const amount = (field: string) =>
    sql`case when json_typeof(a.data->${sql.lit(field)}) = 'number' then (a.data->>${sql.lit(field)})::numeric end`;
  const result = await sql`
    insert into balance_history
      (client_id, connection_id, account_id, day, balance, available_balance, currency, taken_at)
    select a.client_id, a.connection_id, a.id, ${snapshot.day}::date, ${amount('balance')},
      ${amount('available_balance')}, a.data->>'currency', ${snapshot.takenAt.toISOString()}::timestamptz
    from accounts a
    where a.connection_id = ${connectionId} and a.removed_at is null
      and json_typeof(a.data->'balance') = 'number'
    on conflict (account_id, day) do update set
      balance = excluded.balance, available_balance = excluded.available_balance,
      currency = excluded.currency, taken_at = excluded.taken_at
    where balance_history.taken_at <= excluded.taken_at`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

function whereOf(f: BalanceFilters) {
  const where = [sql`client_id = ${f.clientId}`];
  if (f.accountId !== undefined) where.push(sql`account_id = ${f.accountId}`);
  if (f.connectionId !== undefined) where.push(sql`connection_id = ${f.connectionId}`);
  if (f.from !== undefined) where.push(sql`day >= ${f.from}::date`);
  if (f.to !== undefined) where.push(sql`day <= ${f.to}::date`);
  return sql.join(where, sql` and `);
}

/**
 * Snapshots by account, then day (oldest first): `after` is the (account, day) of the previous
 * page's last row (keyset), `offset` skips rows (the facades' numbered pages).
 */
export async function listBalanceRows(
  db: Db,
  filters: BalanceFilters,
  page: { limit: number; offset?: number; after?: readonly [string, string] },
): Promise<BalanceRow[]> {
  const after = page.after ? sql`and (account_id, day) > (${page.after[0]}, ${page.after[1]}::date)` : sql``;
  const { rows } = await sql<BalanceRow>`
    select account_id, connection_id, day::text as date, balance::text as balance,
      available_balance::text as available_balance, currency
    from balance_history
    where ${whereOf(filters)} ${after}
    order by account_id, day
    limit ${page.limit} offset ${page.offset ?? 0}`.execute(db);
  return rows;
}

export async function countBalanceRows(db: Db, filters: BalanceFilters): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from balance_history where ${whereOf(filters)}`.execute(db);
  return Number(rows[0]!.n);
}
