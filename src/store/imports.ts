// Rows of statement imports. A queued import is claimed (locked while still processing) before it
// is written or failed, so two runs of its job can never both end it.
import type { Insertable } from 'kysely';
import type { Db, ImportsTable } from './schema.ts';

export async function insertImport(db: Db, row: Insertable<ImportsTable>): Promise<void> {
  await db.insertInto('imports').values(row).execute();
}

/** An import of this client, as GET /v1/imports/{id} shows it. */
export async function findImport(db: Db, clientId: string, id: string) {
  return db
    .selectFrom('imports')
    .selectAll()
    .where('client_id', '=', clientId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** What a queued import's job reads first (whatever its client). */
export async function findQueuedImport(db: Db, id: string) {
  return db
    .selectFrom('imports')
    .select(['client_id', 'status', 'document_id', 'options'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Queued imports still processing, with the options to send them again. */
export async function processingImports(db: Db) {
  return db
    .selectFrom('imports')
    .select(['id', 'options'])
    .where('status', '=', 'processing')
    .where('options', 'is not', null)
    .execute();
}

/**
 * Locks a queued import that is still processing (false when another run of its job has ended
 * it meanwhile): a job sent again after a crash never writes a file twice.
 */
export async function claimImport(db: Db, importId: string): Promise<boolean> {
  const row = await db
    .selectFrom('imports')
    .select('id')
    .where('id', '=', importId)
    .where('status', '=', 'processing')
    .forUpdate()
    .executeTakeFirst();
  return row !== undefined;
}

export async function endImportCompleted(
  db: Db,
  id: string,
  end: { connectionId: string; format: string; summary: string; issues: string; finishedAt: Date },
): Promise<void> {
  await db
    .updateTable('imports')
    .set({
      connection_id: end.connectionId,
      status: 'completed',
      format: end.format,
      summary: end.summary,
      issues: end.issues,
      finished_at: end.finishedAt,
    })
    .where('id', '=', id)
    .execute();
}

/** A failed import keeps its reason, not its document. */
export async function endImportFailed(
  db: Db,
  id: string,
  end: { message: string; format: string | null; issues: unknown[]; finishedAt: Date },
): Promise<void> {
  await db
    .updateTable('imports')
    .set({
      status: 'failed',
      document_id: null,
      format: end.format,
      issues: JSON.stringify(end.issues),
      summary: JSON.stringify({ error: end.message }),
      finished_at: end.finishedAt,
    })
    .where('id', '=', id)
    .execute();
}
