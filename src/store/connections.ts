// Rows of connections, refreshes, challenges and status history. Every read takes the client id:
// a connection of another client is simply not found.
import { type Insertable, sql, type Updateable } from 'kysely';
import { assertTransition, type ConnectionStatus } from '../domain/connection-status.ts';
import { recordEvent } from './events.ts';
import { pageByCreation } from './keyset.ts';
import type { ConnectionsTable, Db, ProductState } from './schema.ts';

export type { Db } from './schema.ts';
export type ConnectionRow = Awaited<ReturnType<typeof findConnection>> & {};

export async function findConnection(db: Db, clientId: string, id: string) {
  return db
    .selectFrom('connections')
    .selectAll()
    .where('client_id', '=', clientId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** The connection, its row locked until the transaction ends: a read-modify-write of its settings. */
export async function findConnectionForUpdate(db: Db, clientId: string, id: string) {
  return db
    .selectFrom('connections')
    .selectAll()
    .where('client_id', '=', clientId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

/** A new connection row (every source's: a connector's login, an imported file). */
export async function insertConnection(db: Db, values: Insertable<ConnectionsTable>): Promise<void> {
  await db.insertInto('connections').values(values).execute();
}

/** A live account of this client (a statement import adds a file to it). */
export async function findAccountOfClient(db: Db, clientId: string, accountId: string) {
  return db
    .selectFrom('accounts')
    .select(['natural_key', 'connection_id', 'data'])
    .where('client_id', '=', clientId)
    .where('id', '=', accountId)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
}

/** For the engine, which acts on a connection whatever its client. */
export async function findConnectionById(db: Db, id: string) {
  return db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * The connection, its row locked until the transaction ends: how a refresh's run reads it when it
 * writes its outcome. Whatever ends or supersedes a refresh from outside its run (new credentials,
 * new settings, a disable, a re-authentication) writes this row in the same transaction, so once
 * it is locked the refresh's state read next cannot change before the outcome is committed.
 */
export async function findConnectionByIdForUpdate(db: Db, id: string) {
  return db.selectFrom('connections').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

/**
 * Changes status (checked by the state machine) and records the transition, with its
 * connection.status_changed event in the same transaction.
 */
export async function setStatus(
  db: Db,
  connection: { id: string; status: string },
  to: ConnectionStatus,
  detail: string,
  extra: Updateable<ConnectionsTable> = {},
): Promise<void> {
  const from = connection.status as ConnectionStatus;
  if (from !== to) assertTransition(from, to);
  const updated = await db
    .updateTable('connections')
    .set({ ...extra, status: to, status_detail: detail, updated_at: new Date() })
    .where('id', '=', connection.id)
    .returning(['client_id', 'external_id'])
    .executeTakeFirst();
  if (from !== to) {
    await db
      .insertInto('connection_status_events')
      .values({ connection_id: connection.id, from_status: from, to_status: to, detail })
      .execute();
    if (updated) {
      await recordEvent(db, {
        clientId: updated.client_id,
        type: 'connection.status_changed',
        data: {
          connection_id: connection.id,
          external_id: updated.external_id,
          status: to,
          previous_status: from,
          status_detail: detail,
        },
      });
    }
  }
  connection.status = to;
}

/**
 * Writes one product's state, in one statement: a read-modify-write of product_status would put
 * back a product that a PATCH committed in between removed. `listedOnly` (an extraction, which
 * loads the products the connection had when it started): nothing is written for a product the
 * connection no longer lists (the statement sees the row as it is once any PATCH committed).
 */
export async function updateProductState(
  db: Db,
  connectionId: string,
  product: string,
  state: ProductState,
  options: { listedOnly?: boolean } = {},
): Promise<void> {
  let update = db
    .updateTable('connections')
    .set({ product_status: sql`product_status || ${JSON.stringify({ [product]: state })}::jsonb` })
    .where('id', '=', connectionId);
  if (options.listedOnly) update = update.where(sql<boolean>`${product} = any(products)`);
  await update.execute();
}

export async function findActiveRefresh(db: Db, connectionId: string) {
  return db
    .selectFrom('refreshes')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .where('status', 'in', ['queued', 'running', 'waiting_user'])
    .executeTakeFirst();
}

/**
 * Inserts a queued refresh unless one is already in flight for the connection; true when this
 * one was inserted. The partial unique index refreshes_one_active decides, so concurrent callers
 * on PostgreSQL cannot both insert (nor fail with a duplicate key): the second waits for the
 * first to commit and then inserts nothing.
 */
export async function insertQueuedRefresh(
  db: Db,
  refresh: {
    id: string;
    client_id: string;
    connection_id: string;
    trigger: string;
    refresh_number: number;
    /** The end user is there (the Connect page): JSON of their address and browser. */
    user_present?: string | null;
  },
): Promise<boolean> {
  const inserted = await sql<{ id: string }>`
    insert into refreshes (id, client_id, connection_id, trigger, status, refresh_number, user_present)
    values (${refresh.id}, ${refresh.client_id}, ${refresh.connection_id}, ${refresh.trigger}, 'queued', ${refresh.refresh_number}, ${refresh.user_present ?? null}::json)
    on conflict (connection_id) where status in ('queued', 'running', 'waiting_user') do nothing
    returning id`.execute(db);
  return inserted.rows.length > 0;
}

export async function findRefresh(db: Db, id: string) {
  return db.selectFrom('refreshes').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findOpenChallenge(db: Db, connectionId: string) {
  return db
    .selectFrom('challenges')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .where('status', 'in', ['open', 'answered'])
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
}

/** The redirect challenge a consent callback's `state` names (by its hash). */
export async function findChallengeByCallbackState(db: Db, stateHash: string) {
  return db
    .selectFrom('challenges')
    .selectAll()
    .where('callback_state_hash', '=', stateHash)
    .executeTakeFirst();
}

/** Fails the refreshes in flight (queued, running, waiting for the user) and expires their challenges. */
export async function abandonActiveRefreshes(
  db: Db,
  connectionId: string,
  code: string,
  detail: string,
  now: Date,
): Promise<void> {
  await db
    .updateTable('refreshes')
    .set({ status: 'failed', error_code: code, error_detail: detail, finished_at: now, answers_sealed: null })
    .where('connection_id', '=', connectionId)
    .where('status', 'in', ['queued', 'running', 'waiting_user'])
    .execute();
  await db
    .updateTable('challenges')
    .set({ status: 'expired' })
    .where('connection_id', '=', connectionId)
    .where('status', 'in', ['open', 'answered'])
    .execute();
}

/**
 * Whether a refresh is still the one in flight (not finished, not superseded or cancelled). Read
 * with its connection's row locked (findConnectionByIdForUpdate) for an answer that holds until
 * the transaction ends.
 */
export async function isRefreshActive(db: Db, refreshId: string): Promise<boolean> {
  const row = await db
    .selectFrom('refreshes')
    .select('status')
    .where('id', '=', refreshId)
    .executeTakeFirst();
  return row !== undefined && ['queued', 'running', 'waiting_user'].includes(row.status);
}

/** For a page of connections at once (3 queries, not 3 per connection). */
export async function activeRefreshesOf(db: Db, connectionIds: readonly string[]) {
  if (connectionIds.length === 0) return [];
  return db
    .selectFrom('refreshes')
    .selectAll()
    .where('connection_id', 'in', connectionIds)
    .where('status', 'in', ['queued', 'running', 'waiting_user'])
    .execute();
}

export async function openChallengesOf(db: Db, connectionIds: readonly string[]) {
  if (connectionIds.length === 0) return [];
  return db
    .selectFrom('challenges')
    .selectAll()
    .where('connection_id', 'in', connectionIds)
    .where('status', 'in', ['open', 'answered'])
    .orderBy('created_at', 'desc')
    .execute();
}

export async function statusHistoriesOf(db: Db, connectionIds: readonly string[]) {
  if (connectionIds.length === 0) return [];
  return db
    .selectFrom('connection_status_events')
    .select(['connection_id', 'from_status', 'to_status', 'detail', 'at'])
    .where('connection_id', 'in', connectionIds)
    .orderBy('id')
    .execute();
}

/** The filters of the connections list; those given are ANDed. */
export interface ConnectionFilters {
  status?: string | undefined;
  institution_id?: string | undefined;
  external_id?: string | undefined;
}

/** The client's connections that match the filters (the page and its count share it). */
function connectionsMatching(db: Db, clientId: string, filters: ConnectionFilters) {
  let q = db.selectFrom('connections').where('client_id', '=', clientId);
  if (filters.status) q = q.where('status', '=', filters.status);
  if (filters.institution_id) q = q.where('institution_id', '=', filters.institution_id);
  if (filters.external_id) q = q.where('external_id', '=', filters.external_id);
  return q;
}

/** A page of the client's connections, oldest first; keyset on (created_at, id). */
export async function connectionPage(
  db: Db,
  clientId: string,
  query: ConnectionFilters & { page_size: number; cursor?: string | undefined },
) {
  return pageByCreation(connectionsMatching(db, clientId, query).selectAll(), query, { direction: 'asc' });
}

/** How many of the client's connections match the filters (the list's count=true). */
export async function countConnections(
  db: Db,
  clientId: string,
  filters: ConnectionFilters,
): Promise<number> {
  const row = await connectionsMatching(db, clientId, filters)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The oldest connection of the client at the institution whose credentials fingerprint is one of
 * `fingerprints` (the same login identity under each master key version), or undefined.
 */
export async function findConnectionByFingerprint(
  db: Db,
  clientId: string,
  institutionId: string,
  fingerprints: readonly string[],
) {
  return db
    .selectFrom('connections')
    .select('id')
    .where('client_id', '=', clientId)
    .where('institution_id', '=', institutionId)
    .where('credentials_fingerprint', 'in', fingerprints)
    .orderBy('created_at')
    .orderBy('id')
    .executeTakeFirst();
}

/**
 * Serialises, until the transaction ends, the creations of one login identity of one client: the
 * duplicate check and the insert that follows it cannot interleave with another's (a transaction
 * advisory lock; a collision of the 64-bit hash only makes two creations wait for each other).
 */
export async function lockLoginIdentity(db: Db, clientId: string, fingerprint: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`${clientId}:${fingerprint}`}, 0))`.execute(db);
}

/** The latest refreshes of a connection of this client, newest first. */
export async function latestRefreshesOf(db: Db, clientId: string, connectionId: string, limit: number) {
  return db
    .selectFrom('refreshes')
    .selectAll()
    .where('client_id', '=', clientId)
    .where('connection_id', '=', connectionId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** Writes columns of a connection (its sealed session, products, dates); the status goes through setStatus. */
export async function updateConnection(
  db: Db,
  id: string,
  values: Updateable<ConnectionsTable>,
): Promise<void> {
  await db.updateTable('connections').set(values).where('id', '=', id).execute();
}

/** The first entry of a connection's status history (setStatus records every later one). */
export async function recordInitialStatus(db: Db, connectionId: string, status: string, detail: string) {
  await db
    .insertInto('connection_status_events')
    .values({ connection_id: connectionId, from_status: null, to_status: status, detail })
    .execute();
}

/** Deletes a connection of this client and, by cascade, every row derived from it; undefined if none. */
export async function deleteConnectionRow(db: Db, clientId: string, id: string) {
  return db
    .deleteFrom('connections')
    .where('client_id', '=', clientId)
    .where('id', '=', id)
    .returning(['id', 'external_id', 'institution_id'])
    .executeTakeFirst();
}

/** Deletes every connection of one end user (their external_id), with all that cascades from them. */
export async function deleteConnectionRowsOf(db: Db, clientId: string, externalId: string) {
  return db
    .deleteFrom('connections')
    .where('client_id', '=', clientId)
    .where('external_id', '=', externalId)
    .returning(['id', 'external_id', 'institution_id'])
    .execute();
}

/** A connection's products and their state (by id, whatever its client: the engine's read). */
export async function productsOfConnection(db: Db, id: string) {
  return db
    .selectFrom('connections')
    .select(['products', 'product_status'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

/** The connections a data read is about: the one named, or those of an end user, with what reads need. */
export async function connectionsForRead(
  db: Db,
  clientId: string,
  scope: { connectionId?: string | undefined; externalId?: string | undefined },
) {
  let query = db
    .selectFrom('connections')
    .select(['id', 'external_id', 'status', 'products', 'product_status', 'sync_seq'])
    .where('client_id', '=', clientId);
  if (scope.connectionId !== undefined) query = query.where('id', '=', scope.connectionId);
  if (scope.externalId !== undefined) query = query.where('external_id', '=', scope.externalId);
  return query.execute();
}

/**
 * Marks as warned, and returns, up to `limit` connections whose consent ends after `now` and by
 * `until` and whose client was not told yet (one process takes each: SKIP LOCKED).
 */
/**
 * Connections whose consent has ended and that nothing is refreshing (a refresh in flight ends on
 * the consent by itself, and one waiting on the end user may be the new consent), locked for the
 * caller's transaction; those another pass holds are skipped.
 */
export async function lockEndedConsents(
  db: Db,
  now: Date,
  limit: number,
): Promise<
  Array<{
    id: string;
    client_id: string;
    external_id: string | null;
    status: string;
    consent_expires_at: Date;
  }>
> {
  const rows = await db
    .selectFrom('connections as c')
    .select(['c.id', 'c.client_id', 'c.external_id', 'c.status', 'c.consent_expires_at'])
    .where('c.consent_expires_at', '<=', now)
    .where('c.status', 'not in', ['consent_expired', 'disabled'])
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('refreshes as r')
            .select('r.id')
            .whereRef('r.connection_id', '=', 'c.id')
            .where('r.status', 'in', ['queued', 'running', 'waiting_user']),
        ),
      ),
    )
    .orderBy('c.consent_expires_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
  return rows.map((row) => ({ ...row, consent_expires_at: new Date(row.consent_expires_at!) }));
}

export async function takeExpiringConsents(
  db: Db,
  now: Date,
  until: Date,
  limit: number,
): Promise<Array<{ id: string; client_id: string; external_id: string | null; consent_expires_at: Date }>> {
  const { rows } = await sql<{
    id: string;
    client_id: string;
    external_id: string | null;
    consent_expires_at: Date;
  }>`
    update connections c set consent_warned_at = ${now}
    from (
      select id from connections
      where consent_expires_at is not null and consent_warned_at is null
        and consent_expires_at > ${now} and consent_expires_at <= ${until}
      order by consent_expires_at
      limit ${limit}
      for update skip locked
    ) due
    where c.id = due.id
    returning c.id, c.client_id, c.external_id, c.consent_expires_at`.execute(db);
  return rows.map((row) => ({ ...row, consent_expires_at: new Date(row.consent_expires_at) }));
}
