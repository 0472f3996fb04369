// Rows of compat_handles (migration 0011): the vendor facades' short-lived state. A handle is
// found by the hash of its text; a client's handle is never found with another client's id.
import type { ExpressionBuilder, Insertable } from 'kysely';
import type { CompatHandlesTable, Db, Schema } from './schema.ts';

export async function insertHandle(db: Db, row: Insertable<CompatHandlesTable>): Promise<void> {
  await db.insertInto('compat_handles').values(row).execute();
}

/** Which handles a statement is about; `now` (when given) leaves out the expired ones. */
interface HandleScope {
  kind: string;
  clientId?: string | undefined;
  hash?: string | undefined;
  connectionIds?: readonly string[] | undefined;
  now?: Date | undefined;
}

/** The scope as one condition, for a select, an update or a delete alike. */
const inScope = (scope: HandleScope) => (eb: ExpressionBuilder<Schema, 'compat_handles'>) =>
  eb.and([
    eb('kind', '=', scope.kind),
    ...(scope.clientId !== undefined ? [eb('client_id', '=', scope.clientId)] : []),
    ...(scope.hash !== undefined ? [eb('handle_hash', '=', scope.hash)] : []),
    ...(scope.connectionIds !== undefined ? [eb('connection_id', 'in', scope.connectionIds)] : []),
    ...(scope.now !== undefined
      ? [eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', scope.now)])]
      : []),
  ]);

/** The live handle with this hash and kind, of this client when one is given. */
export async function findHandleRow(db: Db, scope: HandleScope & { hash: string; now: Date }) {
  return db.selectFrom('compat_handles').selectAll().where(inScope(scope)).executeTakeFirst();
}

/** Deletes the live handle and returns it: of concurrent uses only one gets it. */
export async function takeHandleRow(db: Db, scope: HandleScope & { hash: string; now: Date }) {
  return db.deleteFrom('compat_handles').where(inScope(scope)).returningAll().executeTakeFirst();
}

/** A client's live handles of one kind (of these connections when given), oldest first. */
export async function handleRowsOf(db: Db, scope: HandleScope & { clientId: string; now: Date }) {
  return db
    .selectFrom('compat_handles')
    .selectAll()
    .where(inScope(scope))
    .orderBy('created_at')
    .orderBy('handle_hash')
    .execute();
}

export async function updateHandleData(db: Db, hash: string, data: string): Promise<void> {
  await db.updateTable('compat_handles').set({ data }).where('handle_hash', '=', hash).execute();
}

/** Deletes a client's handles of one kind in the scope, expired or not. */
export async function deleteHandleRows(db: Db, scope: HandleScope & { clientId: string }): Promise<number> {
  const result = await db.deleteFrom('compat_handles').where(inScope(scope)).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function deleteExpiredHandleRows(db: Db, now: Date): Promise<number> {
  const result = await db.deleteFrom('compat_handles').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
