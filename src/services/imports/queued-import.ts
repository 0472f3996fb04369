// Large statement files (over 2 MiB, or sent with async=true): the request stores the document
// and a `processing` import and queues a job; the job scans the stored document part by part, then
// reads it again while it writes its records batch by batch, all or nothing (write.ts), or ends the
// import `failed` with the reason. No more than a part of the file and a batch of its records is
// held at once. It never stays `processing`: see runQueuedImport and resumeInterruptedImports.

import { AppError } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import type { CsvMapping } from '../../formats/csv/layout.ts';
import type { NamedEncoding } from '../../formats/encoding.ts';
import type { StatementFormat } from '../../formats/statement.ts';
import { IMPORT_STATEMENT } from '../../jobs/definitions.ts';
import { countImport } from '../../observability/metrics.ts';
import { isDataException } from '../../store/database.ts';
import { deleteDocument, documentParts, insertDocument } from '../../store/documents.ts';
import { recordEvent } from '../../store/events.ts';
import {
  claimImport,
  endImportFailed,
  findQueuedImport,
  insertImport,
  processingImports,
} from '../../store/imports.ts';
import type { ServiceDeps } from '../deps.ts';
import { getImportOrThrow } from './reads.ts';
import { type FilePieces, type ImportInput, resolveTarget, scanFor, transactionsOf } from './target.ts';
import { newDocument, writeImport } from './write.ts';

/** What a queued import needs to run: stored with the import (and, for older jobs, with the job). */
export interface QueuedImportOptions {
  format?: StatementFormat | undefined;
  currency?: string | undefined;
  csvMapping?: CsvMapping | undefined;
  encoding?: NamedEncoding | undefined;
  externalId?: string | undefined;
  connectionId?: string | undefined;
  accountId?: string | undefined;
}

export interface QueuedImportJob extends QueuedImportOptions {
  importId: string;
}

/**
 * Stores the file and a `processing` import, and queues the job that parses and writes it (large
 * files: the request is answered 202 at once). The connection is checked now; the file is not.
 */
export async function queueImport(
  deps: Pick<ServiceDeps, 'db' | 'jobs'>,
  clientId: string,
  input: ImportInput,
) {
  const target = await resolveTarget(deps.db, clientId, input);
  const importId = newId('import');
  await deps.db.transaction().execute(async (trx) => {
    const document = newDocument(clientId, target.connectionId ?? null, input);
    await insertDocument(trx, document, input.bytes);
    const options: QueuedImportOptions = {
      format: input.format,
      currency: input.currency,
      csvMapping: input.csvMapping,
      encoding: input.encoding,
      externalId: input.externalId,
      connectionId: target.connectionId,
      accountId: input.accountId,
    };
    await insertImport(trx, {
      id: importId,
      client_id: clientId,
      connection_id: target.connectionId ?? null,
      document_id: document.id,
      status: 'processing',
      format: null,
      summary: JSON.stringify({ size: input.bytes.length }),
      issues: JSON.stringify([]),
      options: JSON.stringify(options),
      finished_at: null,
    });
    await deps.jobs.send(IMPORT_STATEMENT, { importId, ...options } satisfies QueuedImportJob, { trx });
  });
  return getImportOrThrow(deps.db, clientId, importId);
}

/** Where a queued import's job stands with pg-boss: the last attempt fails the import for good. */
export interface JobAttempt {
  lastAttempt: boolean;
}

/**
 * The job of a queued import: scan the stored file, then write it, or mark the import failed.
 * A file that cannot be imported (IMPORT_UNREADABLE, a value the database refuses) fails at once;
 * any other error is retried by the queue, and fails the import on the last attempt. Either way
 * the import ends `failed` with its reason, its document deleted and its event recorded: it never
 * stays `processing`.
 */
export async function runQueuedImport(
  deps: Pick<ServiceDeps, 'db' | 'now' | 'logger' | 'registry' | 'ingest'>,
  job: QueuedImportJob,
  attempt: JobAttempt = { lastAttempt: true },
): Promise<void> {
  const row = await findQueuedImport(deps.db, job.importId);
  // Gone (its client was deleted) or already done by an earlier attempt of this job.
  if (row?.status !== 'processing' || !row.document_id) return;
  const documentId = row.document_id;
  const options = (row.options ?? job) as QueuedImportOptions;
  const failure = { clientId: row.client_id, documentId, options };
  try {
    const input: Pick<ImportInput, 'connectionId' | 'accountId'> = options;
    // The account may have been removed since the file was queued: checked again.
    const target = await resolveTarget(deps.db, row.client_id, input);
    const pieces: FilePieces = (db) => documentParts(db, documentId);
    const scan = await scanFor(target, options, pieces(deps.db));
    deps.logger.debug(
      { import: job.importId, transactions: transactionsOf(scan) },
      'storing a queued import',
    );
    const stored = await deps.db.transaction().execute(async (trx) => {
      if (!(await claimImport(trx, job.importId))) return false;
      await writeImport(trx, deps, row.client_id, {
        scan,
        pieces,
        connectionId: target.connectionId,
        accountKey: target.account?.key,
        externalId: options.externalId,
        importId: job.importId,
        queued: { documentId },
        input: null,
      });
      return true;
    });
    if (stored) countImport('queued', scan.format, 'succeeded', transactionsOf(scan));
  } catch (error) {
    if (error instanceof AppError) {
      countImport('queued', (error.extensions?.format as string | undefined) ?? null, 'refused');
      await failImport(deps, job.importId, failure, {
        message: error.message,
        format: (error.extensions?.format as string | undefined) ?? null,
        issues: (error.extensions?.issues as unknown[] | undefined) ?? [],
      });
      return;
    }
    const final = attempt.lastAttempt || isDataException(error);
    deps.logger.warn(
      { err: error, import: job.importId, final },
      final ? 'a queued import failed' : 'a queued import failed; it will be tried again',
    );
    if (!final) throw error;
    countImport('queued', null, 'failed');
    await failImport(deps, job.importId, failure, {
      message: isDataException(error)
        ? 'A value of the file could not be stored; nothing was imported.'
        : 'The import could not be completed; nothing was imported.',
      format: null,
      issues: [],
    });
  }
}

/** Ends a queued import as failed; nothing of a refused file is kept (as for a synchronous import). */
async function failImport(
  deps: Pick<ServiceDeps, 'db' | 'now'>,
  importId: string,
  job: { clientId: string; documentId: string; options: QueuedImportOptions },
  failure: { message: string; format: string | null; issues: unknown[] },
): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    if (!(await claimImport(trx, importId))) return;
    await deleteDocument(trx, job.documentId);
    await endImportFailed(trx, importId, { ...failure, finishedAt: deps.now() });
    await recordEvent(trx, {
      clientId: job.clientId,
      type: 'import.completed',
      data: {
        import_id: importId,
        status: 'failed',
        connection_id: job.options.connectionId ?? null,
        external_id: job.options.externalId ?? null,
        error: failure.message,
      },
    });
  });
}

/**
 * After a crash of the only process that can open the embedded database, a queued import it was
 * running is left `processing` with a job nobody works on: the next start sends it again (its
 * options are kept with it; claimImport makes a second run harmless).
 */
export async function resumeInterruptedImports(deps: Pick<ServiceDeps, 'db' | 'jobs' | 'logger'>) {
  const processing = await processingImports(deps.db);
  for (const row of processing)
    await deps.jobs.send(IMPORT_STATEMENT, { importId: row.id, ...(row.options as QueuedImportOptions) });
  if (processing.length > 0)
    deps.logger.warn({ imports: processing.map((r) => r.id) }, 'resumed imports interrupted by a crash');
  return processing.length;
}
