// Rows of refreshes (each run of a connection's extraction): their state, counts and, while they
// wait on it, the end user's sealed answers and who is present.
import { sql, type Updateable, type UpdateObject } from 'kysely';
import type { Db, RefreshesTable, Schema } from './schema.ts';

export async function updateRefresh(
  db: Db,
  id: string,
  values: UpdateObject<Schema, 'refreshes'>,
): Promise<void> {
  await db.updateTable('refreshes').set(values).where('id', '=', id).execute();
}

/**
 * A run takes its refresh (queued or waiting → running) only while it is still in flight; false
 * when it was superseded or cancelled since the run read it: one guarded statement, so a refresh
 * abandoned meanwhile is not brought back to life.
 */
export async function startRefresh(
  db: Db,
  id: string,
  values: Pick<Updateable<RefreshesTable>, 'started_at' | 'start_seq'>,
): Promise<boolean> {
  const started = await db
    .updateTable('refreshes')
    .set({ ...values, status: 'running' })
    .where('id', '=', id)
    .where('status', 'in', ['queued', 'running', 'waiting_user'])
    .returning('id')
    .executeTakeFirst();
  return started !== undefined;
}

/**
 * When the connection's other refreshes since `since` reached their upstream (logged in), oldest
 * first; `unattendedOnly`: only those without the end user present.
 */
export async function readsSince(
  db: Db,
  connectionId: string,
  exceptRefresh: string,
  since: Date,
  unattendedOnly: boolean,
): Promise<Date[]> {
  let query = db
    .selectFrom('refreshes')
    .select('logged_in_at')
    .where('connection_id', '=', connectionId)
    .where('id', '<>', exceptRefresh)
    .where('logged_in_at', '>', since);
  if (unattendedOnly) query = query.where('user_present', 'is', null).where('attended', '=', false);
  const rows = await query.orderBy('logged_in_at').execute();
  return rows.map((row) => new Date(row.logged_in_at!));
}

/**
 * Takes up to `limit` connections whose scheduled refresh has come off the schedule (their
 * next_refresh_at set to null; the refresh sets the next one when it ends), the longest overdue
 * first. Rows another pass is taking are skipped, so passes that overlap never take one twice.
 */
export async function takeDueConnections(
  db: Db,
  now: Date,
  limit: number,
): Promise<Array<{ id: string; client_id: string; refresh_count: number }>> {
  const { rows } = await sql<{ id: string; client_id: string; refresh_count: number }>`
    update connections c set next_refresh_at = null
    from (
      select id from connections
      where next_refresh_at <= ${now} and status <> 'disabled' and needs_user = false
        and scheduled_refresh
        and credentials_sealed is not null
      order by next_refresh_at
      limit ${limit}
      for update skip locked
    ) due
    where c.id = due.id
    returning c.id, c.client_id, c.refresh_count`.execute(db);
  return rows;
}

/**
 * Inserts queued scheduled refreshes in one statement; returns the ids inserted (a connection that
 * already has a refresh in flight keeps that one: the partial unique index refreshes_one_active).
 */
export async function insertScheduledRefreshes(
  db: Db,
  refreshes: ReadonlyArray<{ id: string; client_id: string; connection_id: string; refresh_number: number }>,
): Promise<string[]> {
  if (refreshes.length === 0) return [];
  const { rows } = await sql<{ id: string }>`
    insert into refreshes (id, client_id, connection_id, trigger, status, refresh_number)
    select id, client_id, connection_id, 'scheduled', 'queued', refresh_number
    from unnest(
      ${refreshes.map((r) => r.id)}::text[], ${refreshes.map((r) => r.client_id)}::text[],
      ${refreshes.map((r) => r.connection_id)}::text[], ${refreshes.map((r) => r.refresh_number)}::int4[]
    ) as r(id, client_id, connection_id, refresh_number)
    on conflict (connection_id) where status in ('queued', 'running', 'waiting_user') do nothing
    returning id`.execute(db);
  return rows.map((row) => row.id);
}
