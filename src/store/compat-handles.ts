// Rows of compat_handles (migration 0011): the vendor facades' short-lived state. A handle is
// found by the hash of its text; a client's handle is never found with another client's id.
import type { ExpressionBuilder, Insertable } from 'kysely';
import type { CompatHandlesTable, Db, Schema } from './schema.ts';

export async function insertHandle(db: Db, row: Insertable<CompatHandlesTable>): Promise<void> {
  await db.insertInto('compat_handles').values(row).execute();
}

const live = (now: Date) => (eb: ExpressionBuilder<Schema, 'compat_handles'>) =>
  eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]);

/** The live handle with this hash and kind, of this client when one is given. */
export async function findHandleRow(
  db: Db,
  scope: { clientId?: string | undefined; kind: string; hash: string },
  now: Date,
) {
  let query = db
    .selectFrom('compat_handles')
    .selectAll()
    .where('handle_hash', '=', scope.hash)
    .where('kind', '=', scope.kind)
    .where(live(now));
  if (scope.clientId !== undefined) query = query.where('client_id', '=', scope.clientId);
  return query.executeTakeFirst();
}

/** Deletes the live handle and returns it: of concurrent uses only one gets it. */
export async function takeHandleRow(
  db: Db,
  scope: { clientId?: string | undefined; kind: string; hash: string },
  now: Date,
) {
  let query = db
    .deleteFrom('compat_handles')
    .where('handle_hash', '=', scope.hash)
    .where('kind', '=', scope.kind)
    .where(live(now));
  if (scope.clientId !== undefined) query = query.where('client_id', '=', scope.clientId);
  return query.returningAll().executeTakeFirst();
}

/** A client's live handles of one kind (of one connection when given), oldest first. */
export async function handleRowsOf(
  db: Db,
  scope: { clientId: string; kind: string; connectionId?: string | undefined },
  now: Date,
) {
  let query = db
    .selectFrom('compat_handles')
    .selectAll()
    .where('client_id', '=', scope.clientId)
    .where('kind', '=', scope.kind)
    .where(live(now));
  if (scope.connectionId !== undefined) query = query.where('connection_id', '=', scope.connectionId);
  return query.orderBy('created_at').orderBy('handle_hash').execute();
}

export async function updateHandleData(db: Db, hash: string, data: string): Promise<void> {
  await db.updateTable('compat_handles').set({ data }).where('handle_hash', '=', hash).execute();
}

export async function deleteHandleRows(
  db: Db,
  scope: { clientId: string; kind: string; connectionId?: string | undefined; hash?: string | undefined },
): Promise<number> {
  let query = db
    .deleteFrom('compat_handles')
    .where('client_id', '=', scope.clientId)
    .where('kind', '=', scope.kind);
  if (scope.connectionId !== undefined) query = query.where('connection_id', '=', scope.connectionId);
  if (scope.hash !== undefined) query = query.where('handle_hash', '=', scope.hash);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function deleteExpiredHandleRows(db: Db, now: Date): Promise<number> {
  const result = await db.deleteFrom('compat_handles').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
