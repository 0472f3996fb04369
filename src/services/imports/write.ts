// Writing a scanned statement file, in the caller's transaction: the files connector turns it into
// records as the file is read again, batch by batch, and the same pipeline as a refresh's stores
// them (services/refresh/load-products.ts) and announces the load (finish.ts announceLoad); around
// that, the import's own rows: its connection (new unless the file is added to one), its document
// and import, and import.completed. Everything is in the one transaction: a file that fails half
// way leaves nothing.
import type { Kysely, Transaction } from 'kysely';
import {
  type FilesConnector,
  isFilesConnector,
  STATEMENT_INSTITUTION,
} from '../../connectors/files/index.ts';
import { readAgain } from '../../connectors/files/scan.ts';
import { newId } from '../../domain/ids.ts';
import { type Product, productTable } from '../../domain/products.ts';
import { sparseUnnestInsert } from '../../store/bulk-insert.ts';
import { insertConnection, productsOfConnection, updateConnection } from '../../store/connections.ts';
import { insertDocumentPieces, type NewDocument, setDocumentConnection } from '../../store/documents.ts';
import { recordEvent } from '../../store/events.ts';
import { endImportCompleted, insertImport } from '../../store/imports.ts';
import { changesSince, currentChangeSeq, lastTransactionDate } from '../../store/records.ts';
import type { Schema } from '../../store/schema.ts';
import { recordBalanceSnapshot } from '../balance-history.ts';
import type { ServiceDeps } from '../deps.ts';
import { announceLoad } from '../refresh/finish.ts';
import { loadProducts } from '../refresh/load-products.ts';
import { type FilePieces, type ImportOptions, type ReadableScan, summaryOf } from './target.ts';

export const newDocument = (
  clientId: string,
  connectionId: string | null,
  input: Pick<ImportOptions, 'filename' | 'contentType'>,
): NewDocument => ({
  id: newId('document'),
  client_id: clientId,
  connection_id: connectionId,
  filename: input.filename ?? null,
  content_type: input.contentType,
});

/** The statement-file connector, from the registry like any other. */
function filesConnectorOf(deps: Pick<ServiceDeps, 'registry'>): FilesConnector {
  const connector = deps.registry.connectorFor(STATEMENT_INSTITUTION);
  if (!connector || !isFilesConnector(connector))
    throw new Error(`No file connector is registered for ${STATEMENT_INSTITUTION}`);
  return connector;
}

/**
 * Writes a scanned file: its connection (new unless `connectionId`), its records (the file read
 * again from `pieces`), the connection's products and dates, the import (inserted, or the queued
 * one completed), and the events.
 */
export async function writeImport(
  trx: Transaction<Schema>,
  deps: Pick<ServiceDeps, 'now' | 'registry' | 'logger' | 'ingest'>,
  clientId: string,
  job: {
    scan: ReadableScan;
    /** The file's bytes, the same as the scan read, from the start each time. */
    pieces: FilePieces;
    /** Records per stored batch (default: the files connector's, 5,000). */
    batchRecords?: number | undefined;
    connectionId: string | undefined;
    /** The natural key of the one account the file is added to (account_id). */
    accountKey: string | undefined;
    externalId: string | undefined;
    importId: string;
    /** A queued import's row and document already exist; a synchronous one inserts them. */
    queued: { documentId: string } | null;
    /** A file imported now: how it was sent (its document is stored from `pieces`). */
    input: Pick<ImportOptions, 'filename' | 'contentType'> | null;
  },
): Promise<void> {
  const { scan } = job;
  const connector = filesConnectorOf(deps);
  const source = connector.streamFile(
    scan,
    readAgain(scan, () => job.pieces(trx)),
    { intoAccount: job.accountKey, batchRecords: job.batchRecords },
  );
  const firstLoad = !job.connectionId;
  const connection = { id: job.connectionId ?? newId('connection'), client_id: clientId };
  if (firstLoad)
    await insertConnection(trx, {
      id: connection.id,
      client_id: clientId,
      institution_id: STATEMENT_INSTITUTION,
      connector: connector.id,
      access_mode: 'single',
      refresh_interval: null,
      products: [...source.products],
      history_days: 0,
      external_id: job.externalId ?? null,
      status: 'ok',
      status_detail: 'Imported from a statement file.',
      product_status: JSON.stringify({}),
      credentials_sealed: null,
      session_sealed: null,
    });
  const startSeq = await currentChangeSeq(trx);
  const storedAs = await loadProducts(
    {
      db: trx,
      // Inside one transaction: COPY is not available, and one statement at a time, of the
      // engine's size (the embedded database's memory grows to fit the largest statement).
      ingest: {
        bulkInsert: sparseUnnestInsert(trx as unknown as Kysely<unknown>),
        chunkSize: deps.ingest.chunkSize,
        concurrency: 1,
      },
      logger: deps.logger,
      connection,
      run: { import: job.importId },
    },
    source,
    { complete: false },
  );
  await recordBalanceSnapshot(trx, connection.id, deps.now());
  // An investment file added to a bank-statement connection gives it the investment products.
  const stored = await productsOfConnection(trx, connection.id);
  const products = [...new Set([...(stored.products as Product[]), ...source.products])];
  const counts = await changesSince(
    trx,
    connection.id,
    startSeq,
    products.map((p) => productTable[p]),
  );
  await updateConnection(trx, connection.id, {
    products,
    last_refresh_at: deps.now(),
    last_transaction_date: await lastTransactionDate(trx, connection.id),
    updated_at: deps.now(),
  });
  // What the file is stored as, beside what it holds (summaryOf): a movement merged on write would
  // show here as one less, not as a silent success.
  const summary = JSON.stringify({ ...summaryOf(scan), ...counts, stored: storedAs });
  const finished = {
    format: scan.format,
    summary,
    issues: JSON.stringify(scan.issues),
    finishedAt: deps.now(),
  };
  let documentId: string;
  if (job.queued) {
    documentId = job.queued.documentId;
    await setDocumentConnection(trx, documentId, connection.id);
    await endImportCompleted(trx, job.importId, { ...finished, connectionId: connection.id });
  } else {
    const document = newDocument(clientId, connection.id, job.input!);
    documentId = document.id;
    await insertDocumentPieces(trx, document, job.pieces(trx), { size: scan.size, sha256: scan.sha256! });
    await insertImport(trx, {
      id: job.importId,
      client_id: clientId,
      connection_id: connection.id,
      document_id: documentId,
      status: 'completed',
      format: scan.format,
      summary,
      issues: finished.issues,
      options: null,
      finished_at: finished.finishedAt,
    });
  }
  const external = { connection_id: connection.id, external_id: job.externalId ?? null };
  await recordEvent(trx, {
    clientId,
    type: 'import.completed',
    data: {
      ...external,
      import_id: job.importId,
      status: 'completed',
      document_id: documentId,
      format: scan.format,
      ...counts,
    },
  });
  await announceLoad(
    trx,
    { ...connection, external_id: job.externalId ?? null },
    { firstLoad, counts, data: { import_id: job.importId } },
  );
}
