// Use cases that list: a client's connections (filtered, keyset-paged, each presented as the API
// shows a connection) and the latest refreshes of one connection. The SQL is in store/connections.ts.
import type { Kysely } from 'kysely';
import type { ConnectionStatus } from '../domain/connection-status.ts';
import { connectionPage, countConnections, latestRefreshesOf } from '../store/connections.ts';
import type { Schema } from '../store/schema.ts';
import { presentConnections, presentRefresh } from './connection-view.ts';
import { getConnectionOrThrow } from './connections.ts';

/** Which connections, and which page of them (the cursor is the previous page's `next_cursor`). */
export interface ConnectionListQuery {
  status?: ConnectionStatus | undefined;
  institution_id?: string | undefined;
  external_id?: string | undefined;
  page_size: number;
  cursor?: string | undefined;
  /** Add `total`, the number of connections matching the filters (one more query). */
  count?: boolean | undefined;
}

/** A page of the client's connections, oldest first, with every filter given (and their count). */
export async function listConnections(db: Kysely<Schema>, clientId: string, query: ConnectionListQuery) {
  const [page, total] = await Promise.all([
    connectionPage(db, clientId, query),
    query.count ? countConnections(db, clientId, query) : undefined,
  ]);
  return {
    data: await presentConnections(db, page.rows),
    has_more: page.has_more,
    next_cursor: page.next_cursor,
    ...(total === undefined ? {} : { total }),
  };
}

/** The latest `limit` refreshes of a connection of this client, newest first; NOT_FOUND if none. */
export async function listRefreshes(
  db: Kysely<Schema>,
  clientId: string,
  connectionId: string,
  limit: number,
) {
  await getConnectionOrThrow(db, clientId, connectionId);
  const rows = await latestRefreshesOf(db, clientId, connectionId, limit);
  return { data: rows.map(presentRefresh) };
}
