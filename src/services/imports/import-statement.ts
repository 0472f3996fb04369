// Statement import: a file becomes a connection whose accounts and transactions are stored by the
// same pipeline as a bank's (deterministic ids, dedupe, change sequence), so they are listed,
// synced and webhooked the same way. A file is imported whole or not at all: it is scanned first
// (every issue, nothing written: a file with errors is refused), then read again while its records
// are written batch by batch, all in one transaction. Files over 2 MiB sent to the API are queued
// (queued-import.ts); `tesoro import` streams files of any size from disk through here.
import { AppError } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import { countImport } from '../../observability/metrics.ts';
import type { ServiceDeps } from '../deps.ts';
import { getImportOrThrow } from './reads.ts';
import {
  type FilePieces,
  type ImportInput,
  type ImportOptions,
  piecesOf,
  resolveTarget,
  scanFor,
  transactionsOf,
} from './target.ts';
import { writeImport } from './write.ts';

type ImportDeps = Pick<ServiceDeps, 'db' | 'now' | 'registry' | 'logger' | 'ingest'>;

/** Imports one file sent whole now; returns the import as GET /v1/imports/{id} shows it. */
export async function importStatement(deps: ImportDeps, clientId: string, input: ImportInput) {
  const { bytes, ...options } = input;
  return importStatementFile(deps, clientId, { ...options, pieces: piecesOf(bytes) });
}

/**
 * Imports one file read in pieces (from disk) now, holding no more of it than a piece and a batch
 * of its records. `pieces` must give the same bytes each time (a file that changes meanwhile is
 * refused, and nothing is stored).
 */
export async function importStatementFile(
  deps: ImportDeps,
  clientId: string,
  input: ImportOptions & { pieces: FilePieces; batchRecords?: number | undefined },
) {
  const target = await resolveTarget(deps.db, clientId, input);
  let scan: Awaited<ReturnType<typeof scanFor>>;
  try {
    scan = await scanFor(target, input, input.pieces(deps.db));
  } catch (error) {
    // A file refused (unreadable, not a statement, issues): counted with the format it was taken for.
    if (error instanceof AppError)
      countImport('sync', (error.extensions?.format as string | undefined) ?? null, 'refused');
    throw error;
  }
  const importId = newId('import');
  await deps.db.transaction().execute((trx) =>
    writeImport(trx, deps, clientId, {
      scan,
      pieces: input.pieces,
      batchRecords: input.batchRecords,
      connectionId: target.connectionId,
      accountKey: target.account?.key,
      externalId: input.externalId,
      importId,
      queued: null,
      input: { filename: input.filename, contentType: input.contentType },
    }),
  );
  countImport('sync', scan.format, 'succeeded', transactionsOf(scan));
  return getImportOrThrow(deps.db, clientId, importId);
}
