// The queries behind the operator dashboard's reads (services/dashboard-reads.ts). Every one is
// scoped to the client id: another client's rows are never read.
import type { Kysely } from 'kysely';
import { pageByCreation } from './keyset.ts';
import type { Schema } from './schema.ts';

/** How many of the client's connections are in each status. */
export function connectionStatusCounts(db: Kysely<Schema>, clientId: string) {
  return db
    .selectFrom('connections')
    .select(['status', (eb) => eb.fn.countAll().as('n')])
    .where('client_id', '=', clientId)
    .groupBy('status')
    .execute();
}

/** The client's latest refreshes, newest first, with their connection's institution and end user. */
export function latestRefreshRowsOfClient(db: Kysely<Schema>, clientId: string, limit: number) {
  return db
    .selectFrom('refreshes as r')
    .innerJoin('connections as c', 'c.id', 'r.connection_id')
    .selectAll('r')
    .select(['c.institution_id', 'c.external_id'])
    .where('r.client_id', '=', clientId)
    .where('c.client_id', '=', clientId)
    .orderBy('r.created_at', 'desc')
    .orderBy('r.id', 'desc')
    .limit(limit)
    .execute();
}

/** A connection's challenges, oldest first, without prompt, fields or redirect URL. */
export function challengeRowsOfConnection(db: Kysely<Schema>, clientId: string, connectionId: string) {
  return db
    .selectFrom('challenges')
    .select(['id', 'refresh_id', 'type', 'status', 'attempts_left', 'expires_at', 'created_at'])
    .where('client_id', '=', clientId)
    .where('connection_id', '=', connectionId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** A page of the client's statement imports, newest first, with the stored file's name. */
export function importRowsPage(
  db: Kysely<Schema>,
  clientId: string,
  query: { page_size: number; cursor?: string | undefined },
) {
  const q = db
    .selectFrom('imports as i')
    .leftJoin('documents as d', (join) =>
      join.onRef('d.id', '=', 'i.document_id').on('d.client_id', '=', clientId),
    )
    .select([
      'i.id',
      'i.status',
      'i.format',
      'i.connection_id',
      'i.document_id',
      'i.summary',
      'i.issues',
      'i.created_at',
      'i.finished_at',
      'd.filename',
    ])
    .where('i.client_id', '=', clientId);
  return pageByCreation(q, query, { direction: 'desc', table: 'i' });
}
