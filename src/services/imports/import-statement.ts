// Statement import: a file becomes a connection whose accounts and transactions are stored by the
// same pipeline as a bank's (deterministic ids, dedupe, change sequence), so they are listed,
// synced and webhooked the same way. A file is imported whole or not at all: it is parsed
// completely first, and everything is written in one transaction. Files over 2 MiB are queued
// (queued-import.ts).
import { newId } from '../../domain/ids.ts';
import type { ServiceDeps } from '../deps.ts';
import { getImportOrThrow } from './reads.ts';
import { type ImportInput, parseFor, resolveTarget } from './target.ts';
import { writeImport } from './write.ts';

/** Imports one file now; returns the import as GET /v1/imports/{id} shows it. */
export async function importStatement(
  deps: Pick<ServiceDeps, 'db' | 'now' | 'registry' | 'logger' | 'ingest'>,
  clientId: string,
  input: ImportInput,
) {
  const target = await resolveTarget(deps.db, clientId, input);
  const result = parseFor(target, input);
  const importId = newId('import');
  await deps.db.transaction().execute((trx) =>
    writeImport(trx, deps, clientId, {
      result,
      connectionId: target.connectionId,
      accountKey: target.account?.key,
      externalId: input.externalId,
      importId,
      queued: null,
      input,
    }),
  );
  return getImportOrThrow(deps.db, clientId, importId);
}
