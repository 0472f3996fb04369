// Rows of hosted Connect: sessions (one visit to the page) and the one-use codes they end with.
// A session's state changes are guarded by its current state, so concurrent requests cannot both
// complete (or cancel) it.
import { type Insertable, sql } from 'kysely';
import type { ConnectCodesTable, ConnectSessionsTable, Db } from './schema.ts';

export async function insertSession(db: Db, row: Insertable<ConnectSessionsTable>): Promise<void> {
  await db.insertInto('connect_sessions').values(row).execute();
}

export async function findSession(db: Db, id: string) {
  return db.selectFrom('connect_sessions').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The redirect URIs registered by the client a session belongs to. */
export async function redirectUrisOfSession(db: Db, sessionId: string): Promise<string[]> {
  const row = await db
    .selectFrom('connect_sessions as s')
    .innerJoin('clients as c', 'c.id', 's.client_id')
    .select('c.redirect_uris')
    .where('s.id', '=', sessionId)
    .executeTakeFirst();
  return row?.redirect_uris ?? [];
}

export async function setSessionConnection(db: Db, id: string, connectionId: string): Promise<void> {
  await db
    .updateTable('connect_sessions')
    .set({ connection_id: connectionId })
    .where('id', '=', id)
    .execute();
}

/** Ends an open session as `completed` or `cancelled`; false when it was not open any more. */
export async function endOpenSession(
  db: Db,
  id: string,
  status: 'completed' | 'cancelled',
): Promise<boolean> {
  const ended = await db
    .updateTable('connect_sessions')
    .set({ status })
    .where('id', '=', id)
    .where('status', '=', 'open')
    .returning('id')
    .executeTakeFirst();
  return ended !== undefined;
}

/** The newest open session that made (or updates) a connection. */
export async function findOpenSessionOfConnection(db: Db, connectionId: string, now: Date) {
  return db
    .selectFrom('connect_sessions')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .where('status', '=', 'open')
    .where('expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
}

export async function insertCode(db: Db, row: Insertable<ConnectCodesTable>): Promise<void> {
  await db.insertInto('connect_codes').values(row).execute();
}

/** Marks a code of this client used, if it is unused and not expired; returns what it was for. */
export async function useCode(db: Db, clientId: string, codeHash: string, now: Date) {
  return db
    .updateTable('connect_codes')
    .set({ used_at: now })
    .where('code_hash', '=', codeHash)
    .where('client_id', '=', clientId)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning(['session_id', 'connection_id'])
    .executeTakeFirst();
}

export async function sessionExtra(db: Db, sessionId: string) {
  const row = await db
    .selectFrom('connect_sessions')
    .select('extra')
    .where('id', '=', sessionId)
    .executeTakeFirstOrThrow();
  return row.extra ?? null;
}

/** Which unused codes: of one session, and/or of the sessions whose `extra` holds `key` = `value`. */
export interface UnusedCodeFilter {
  sessionId?: string | undefined;
  extra?: { key: string; value: string } | undefined;
}

function unusedCodesQuery(db: Db, clientId: string, filter: UnusedCodeFilter, now: Date) {
  let query = db
    .selectFrom('connect_codes as c')
    .innerJoin('connect_sessions as s', 's.id', 'c.session_id')
    .where('c.client_id', '=', clientId)
    .where('c.used_at', 'is', null)
    .where('c.expires_at', '>', now);
  if (filter.sessionId) query = query.where('c.session_id', '=', filter.sessionId);
  if (filter.extra)
    query = query.where(sql<string>`s.extra ->> ${filter.extra.key}`, '=', filter.extra.value);
  return query;
}

/** A client's codes not exchanged yet (newest first, at most 100) with their session's `extra`. */
export async function unusedCodes(db: Db, clientId: string, filter: UnusedCodeFilter, now: Date) {
  return unusedCodesQuery(db, clientId, filter, now)
    .select(['c.code_sealed', 'c.session_id', 'c.connection_id', 'c.expires_at', 'c.created_at', 's.extra'])
    .orderBy('c.created_at', 'desc')
    .limit(100)
    .execute();
}

/** How many codes are not exchanged yet. */
export async function countUnusedCodes(db: Db, clientId: string, filter: UnusedCodeFilter, now: Date) {
  const row = await unusedCodesQuery(db, clientId, filter, now)
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
