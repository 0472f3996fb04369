// What a client reads of its imports: the import (status, format, counts, issues) and the stored file.
import type { Kysely } from 'kysely';
import { AppError } from '../../domain/errors.ts';
import { documentParts, findDocument } from '../../store/documents.ts';
import { findImport } from '../../store/imports.ts';
import type { Schema } from '../../store/schema.ts';

export async function getImportOrThrow(db: Kysely<Schema>, clientId: string, id: string) {
  const row = await findImport(db, clientId, id);
  if (!row) throw new AppError('NOT_FOUND', `No import ${id}.`);
  return {
    id: row.id,
    status: row.status,
    format: row.format,
    connection_id: row.connection_id,
    document_id: row.document_id,
    summary: row.summary,
    issues: row.issues,
    created_at: row.created_at.toISOString(),
    finished_at: row.finished_at?.toISOString() ?? null,
  };
}

/** A document of this client: its description, and its bytes part after part. */
export async function getDocumentContent(db: Kysely<Schema>, clientId: string, id: string) {
  const row = await findDocument(db, clientId, id);
  if (!row) throw new AppError('NOT_FOUND', `No document ${id}.`);
  return { ...row, parts: documentParts(db, row.id) };
}
