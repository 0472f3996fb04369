// Statement import: a file becomes a connection whose accounts and transactions are stored by the
// same store as a bank's (deterministic ids, dedupe, change sequence), so they are listed, synced
// and webhooked the same way. A file is imported whole or not at all: it is parsed completely
// first, and everything is written in one transaction.
import type { Kysely, Transaction } from 'kysely';
import { withCategories } from '../domain/categories/enrich.ts';
import { AppError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { type Product, productTable } from '../domain/products.ts';
import type { CsvMapping } from '../formats/csv/layout.ts';
import { parseStatementFile, parseStatementPieces, supportedFormats } from '../formats/index.ts';
import type { ParseResult, StatementFormat } from '../formats/statement.ts';
import { IMPORT_STATEMENT } from '../jobs/queues.ts';
import { unnestInsert } from '../store/bulk-insert.ts';
import { findConnection } from '../store/connections.ts';
import { isDataException } from '../store/database.ts';
import {
  deleteDocument,
  documentParts,
  findDocument,
  insertDocument,
  type NewDocument,
} from '../store/documents.ts';
import { recordEvent } from '../store/events.ts';
import {
  changesSince,
  currentChangeSeq,
  publishChanges,
  type StoreContext,
  upsertRecords,
} from '../store/records.ts';
import type { Schema } from '../store/schema.ts';
import type { EngineDeps } from './engine.ts';
import { accountKeyOf, recordsOf, type StatementRecords } from './statement-records.ts';

/** The pseudo-institution of imported statements (not a connector: there is nothing to log into). */
export const STATEMENT_INSTITUTION = 'ins_statement_file';
export const STATEMENT_CONNECTOR = 'files';

export interface ImportInput {
  bytes: Uint8Array;
  contentType: string;
  filename?: string | undefined;
  format?: StatementFormat | undefined;
  connectionId?: string | undefined;
  /** An existing account (of a statement-import connection) that a one-account file is added to. */
  accountId?: string | undefined;
  externalId?: string | undefined;
  /** For formats that carry none (QIF): the currency of the file's amounts. */
  currency?: string | undefined;
  /** CSV: the columns, when detection is not certain (or to override it). */
  csvMapping?: CsvMapping | undefined;
}

function summaryOf(result: ParseResult) {
  const transactions = result.statements.flatMap((s) => s.transactions);
  const dates = transactions.map((t) => t.bookingDate).sort();
  return {
    format: result.format,
    statements: result.statements.length,
    accounts: new Set(result.statements.map(accountKeyOf)).size,
    transactions: transactions.length,
    ...(result.statements.some((s) => s.investment) && {
      positions: result.statements.reduce((n, s) => n + (s.positions?.length ?? 0), 0),
      investment_transactions: result.statements.reduce(
        (n, s) => n + (s.investmentTransactions?.length ?? 0),
        0,
      ),
    }),
    first_date: dates[0] ?? null,
    last_date: dates.at(-1) ?? null,
    balances: result.statements.map((s) => ({
      account: s.account.iban ?? s.account.number,
      currency: s.account.currency,
      opening: s.opening?.amount ?? null,
      closing: s.closing?.amount ?? null,
    })),
  };
}

/** Gives a currency to statements whose format has none (XXX, ISO 4217's "no currency"). */
function withCurrency(result: ParseResult | null, currency: string | undefined): ParseResult | null {
  if (!result || !currency) return result;
  return {
    ...result,
    statements: result.statements.map((s) =>
      s.account.currency !== 'XXX'
        ? s
        : {
            ...s,
            account: { ...s.account, currency },
            transactions: s.transactions.map((t) => (t.currency === 'XXX' ? { ...t, currency } : t)),
            investmentTransactions: s.investmentTransactions?.map((t) =>
              t.currency === 'XXX' ? { ...t, currency } : t,
            ),
          },
    ),
  };
}

/** Parses the file, or throws IMPORT_UNREADABLE with every issue and its line. */
export function parseOrThrow(
  input: Pick<ImportInput, 'bytes' | 'format' | 'currency' | 'csvMapping'>,
): ParseResult {
  return readableOrThrow(
    parseStatementFile(input.bytes, { format: input.format, csvMapping: input.csvMapping }),
    input.currency,
  );
}

/** A parse's result with the currency given to formats that have none, or IMPORT_UNREADABLE. */
function readableOrThrow(parsed: ParseResult | null, currency: string | undefined): ParseResult {
  const result = withCurrency(parsed, currency);
  if (!result)
    throw new AppError(
      'IMPORT_UNREADABLE',
      `The file is not in a format Tesoro reads (${supportedFormats.join(', ')}).`,
      {
        extensions: { issues: [{ severity: 'error', line: null, message: 'format not recognised' }] },
      },
    );
  const errors = result.issues.filter((issue) => issue.severity === 'error');
  if (errors.length > 0 || result.statements.length === 0)
    throw new AppError(
      'IMPORT_UNREADABLE',
      `The ${result.format} file has ${errors.length || 'no'} ${errors.length ? 'errors' : 'statements'}; nothing was imported.`,
      {
        extensions: { format: result.format, issues: result.issues },
      },
    );
  return result;
}

/** Where a file goes: a new connection, an existing one, or one account of an existing one. */
interface ImportTarget {
  connectionId: string | undefined;
  account: { key: string; currency: string } | null;
}

/**
 * The connection (and account) a file is added to must be this client's and a statement-import
 * connection; an account names its connection, which `connection_id`, if given too, must match.
 */
async function resolveTarget(
  db: Kysely<Schema>,
  clientId: string,
  input: Pick<ImportInput, 'connectionId' | 'accountId'>,
): Promise<ImportTarget> {
  let connectionId = input.connectionId;
  let account: ImportTarget['account'] = null;
  if (input.accountId) {
    const row = await db
      .selectFrom('accounts')
      .select(['natural_key', 'connection_id', 'data'])
      .where('client_id', '=', clientId)
      .where('id', '=', input.accountId)
      .where('removed_at', 'is', null)
      .executeTakeFirst();
    if (!row) throw new AppError('NOT_FOUND', `No account ${input.accountId}.`);
    if (connectionId && connectionId !== row.connection_id)
      throw new AppError('VALIDATION_FAILED', 'The account belongs to another connection.', {
        fields: [{ path: ['account_id'], detail: `is not an account of ${connectionId}` }],
      });
    connectionId = row.connection_id;
    account = {
      key: row.natural_key,
      currency: String((row.data as { currency?: string }).currency ?? 'XXX'),
    };
  }
  if (!connectionId) return { connectionId, account };
  const existing = await findConnection(db, clientId, connectionId);
  if (!existing) throw new AppError('NOT_FOUND', `No connection ${connectionId}.`);
  if (existing.connector !== STATEMENT_CONNECTOR)
    throw new AppError(
      'VALIDATION_FAILED',
      'Statements can only be added to a statement-import connection.',
      {
        fields: [
          {
            path: [input.accountId ? 'account_id' : 'connection_id'],
            detail: 'is not of a statement-import connection',
          },
        ],
      },
    );
  return { connectionId, account };
}

/** Parses a file for its target: one account's file must hold that account only, in its currency. */
function parseFor(target: ImportTarget, input: ImportInput): ParseResult {
  return fitTarget(target, parseOrThrow({ ...input, currency: input.currency ?? target.account?.currency }));
}

function fitTarget(target: ImportTarget, result: ParseResult): ParseResult {
  if (!target.account) return result;
  const accounts = [...new Set(result.statements.map(accountKeyOf))];
  const currencies = [...new Set(result.statements.map((s) => s.account.currency))];
  const problem =
    accounts.length > 1
      ? `the file holds ${accounts.length} accounts; account_id takes a file of one`
      : currencies[0] !== target.account.currency
        ? `the file is in ${currencies[0]}, the account in ${target.account.currency}`
        : null;
  if (problem)
    throw new AppError(
      'IMPORT_UNREADABLE',
      `The file does not fit the account: ${problem}; nothing was imported.`,
      {
        extensions: { format: result.format, issues: [{ severity: 'error', line: null, message: problem }] },
      },
    );
  return result;
}

const newDocument = (clientId: string, connectionId: string | null, input: ImportInput): NewDocument => ({
  id: newId('document'),
  client_id: clientId,
  connection_id: connectionId,
  filename: input.filename ?? null,
  content_type: input.contentType,
});

/** What a file's records fill: accounts and transactions, and the investment products when it has any. */
function productsOf(records: StatementRecords): Product[] {
  const products: Product[] = ['accounts', 'transactions'];
  if (records.portfolios.length > 0) products.push('portfolios', 'investments', 'investment_transactions');
  return products;
}

/** Stores a file's records, parents first, as the extraction engine stores a connector's. */
async function storeRecords(trx: Transaction<Schema>, context: StoreContext, records: StatementRecords) {
  const ingest = {
    bulkInsert: unnestInsert(trx as unknown as Kysely<unknown>),
    chunkSize: 5000,
    concurrency: 1,
  };
  await upsertRecords(trx, ingest, context, 'accounts', records.accounts);
  await upsertRecords(
    trx,
    ingest,
    context,
    'transactions',
    withCategories('transactions', records.transactions),
  );
  if (records.portfolios.length === 0) return;
  await upsertRecords(trx, ingest, context, 'portfolios', records.portfolios);
  // A security only traded in this file is added unless the connection already holds it (from an
  // earlier file with positions), whose holding it must not overwrite.
  const held = new Set(
    (
      await trx
        .selectFrom('investments')
        .select('natural_key')
        .where('connection_id', '=', context.connectionId)
        .where('natural_key', 'in', records.tradedOnly.map((r) => r.naturalKey).concat(['']))
        .execute()
    ).map((row) => row.natural_key),
  );
  await upsertRecords(trx, ingest, context, 'investments', [
    ...records.investments,
    ...records.tradedOnly.filter((r) => !held.has(r.naturalKey)),
  ]);
  await upsertRecords(trx, ingest, context, 'investment_transactions', records.investmentTransactions);
}

/**
 * Writes a parsed file: its connection (new unless `connectionId`), accounts and transactions, the
 * connection's counts, the import (inserted, or the queued one updated), and the events.
 */
async function writeImport(
  trx: Transaction<Schema>,
  now: () => Date,
  clientId: string,
  job: {
    result: ParseResult;
    connectionId: string | undefined;
    /** The natural key of the one account the file is added to (account_id). */
    accountKey: string | undefined;
    externalId: string | undefined;
    importId: string;
    /** A queued import's row and document already exist; a synchronous one inserts them. */
    queued: { documentId: string } | null;
    input: ImportInput | null;
  },
): Promise<void> {
  const { result } = job;
  const records = recordsOf(result, job.accountKey);
  const summary = summaryOf(result);
  const connectionId = job.connectionId ?? newId('connection');
  const firstLoad = !job.connectionId;
  const products = productsOf(records);
  if (firstLoad) {
    await trx
      .insertInto('connections')
      .values({
        id: connectionId,
        client_id: clientId,
        institution_id: STATEMENT_INSTITUTION,
        connector: STATEMENT_CONNECTOR,
        access_mode: 'single',
        refresh_interval: null,
        products,
        history_days: 0,
        external_id: job.externalId ?? null,
        status: 'ok',
        status_detail: 'Imported from a statement file.',
        product_status: JSON.stringify({}),
        credentials_sealed: null,
        session_sealed: null,
      })
      .execute();
  }
  const startSeq = await currentChangeSeq(trx);
  await storeRecords(trx, { clientId, connectionId }, records);
  await publishChanges(trx, connectionId);
  // An investment file added to a bank-statement connection gives it the investment products.
  const existing = await trx
    .selectFrom('connections')
    .select('products')
    .where('id', '=', connectionId)
    .executeTakeFirstOrThrow();
  const allProducts = [...new Set([...(existing.products as Product[]), ...products])];
  const counts = await changesSince(
    trx,
    connectionId,
    startSeq,
    allProducts.map((p) => productTable[p]),
  );
  const productCounts: Partial<Record<Product, number>> = {};
  for (const product of allProducts) {
    const { n } = await trx
      .selectFrom(productTable[product] as 'accounts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('connection_id', '=', connectionId)
      .where('removed_at', 'is', null)
      .executeTakeFirstOrThrow();
    productCounts[product] = Number(n);
  }
  const last = await trx
    .selectFrom('transactions')
    .select((eb) => eb.fn.max('operation_date').as('last'))
    .where('connection_id', '=', connectionId)
    .where('removed_at', 'is', null)
    .executeTakeFirstOrThrow();
  await trx
    .updateTable('connections')
    .set({
      products: allProducts,
      product_status: JSON.stringify(
        Object.fromEntries(
          allProducts.map((p) => [p, { created: true, errored: false, count: productCounts[p] }]),
        ),
      ),
      last_refresh_at: now(),
      last_transaction_date: (last.last as string | null) ?? null,
      updated_at: now(),
    })
    .where('id', '=', connectionId)
    .execute();
  const full = JSON.stringify({ ...summary, ...counts });
  let documentId: string;
  if (job.queued) {
    documentId = job.queued.documentId;
    await trx
      .updateTable('documents')
      .set({ connection_id: connectionId })
      .where('id', '=', documentId)
      .execute();
    await trx
      .updateTable('imports')
      .set({
        connection_id: connectionId,
        status: 'completed',
        format: result.format,
        summary: full,
        issues: JSON.stringify(result.issues),
        finished_at: now(),
      })
      .where('id', '=', job.importId)
      .execute();
  } else {
    const document = newDocument(clientId, connectionId, job.input!);
    documentId = document.id;
    await insertDocument(trx, document, job.input!.bytes);
    await trx
      .insertInto('imports')
      .values({
        id: job.importId,
        client_id: clientId,
        connection_id: connectionId,
        document_id: documentId,
        status: 'completed',
        format: result.format,
        summary: full,
        issues: JSON.stringify(result.issues),
        finished_at: now(),
      })
      .execute();
  }
  const base = { connection_id: connectionId, external_id: job.externalId ?? null };
  await recordEvent(trx, {
    clientId,
    type: 'import.completed',
    data: {
      ...base,
      import_id: job.importId,
      status: 'completed',
      document_id: documentId,
      format: result.format,
      ...counts,
    },
  });
  if (firstLoad)
    await recordEvent(trx, {
      clientId,
      type: 'connection.historical_update',
      data: {
        ...base,
        import_id: job.importId,
        products: Object.fromEntries(
          allProducts.map((p) => [p, { count: productCounts[p], errored: false, error: null }]),
        ),
      },
    });
  else if (counts.added + counts.modified + counts.removed > 0)
    await recordEvent(trx, {
      clientId,
      type: 'connection.updated',
      data: { ...base, import_id: job.importId, ...counts },
    });
}

/** Imports one file now; returns the import as GET /v1/imports/{id} shows it. */
export async function importStatement(
  deps: Pick<EngineDeps, 'db' | 'now'>,
  clientId: string,
  input: ImportInput,
) {
  const target = await resolveTarget(deps.db, clientId, input);
  const result = parseFor(target, input);
  const importId = newId('import');
  await deps.db.transaction().execute((trx) =>
    writeImport(trx, deps.now, clientId, {
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

/** What a queued import needs to run: stored with the import (and, for older jobs, with the job). */
export interface QueuedImportOptions {
  format?: StatementFormat | undefined;
  currency?: string | undefined;
  csvMapping?: CsvMapping | undefined;
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
  deps: Pick<EngineDeps, 'db' | 'jobs'>,
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
      externalId: input.externalId,
      connectionId: target.connectionId,
      accountId: input.accountId,
    };
    await trx
      .insertInto('imports')
      .values({
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
      })
      .execute();
    await deps.jobs.send(IMPORT_STATEMENT, { importId, ...options } satisfies QueuedImportJob, { trx });
  });
  return getImportOrThrow(deps.db, clientId, importId);
}

/** Where a queued import's job stands with pg-boss: the last attempt fails the import for good. */
export interface JobAttempt {
  lastAttempt: boolean;
}

/**
 * The job of a queued import: parse the stored file, then write it, or mark the import failed.
 * A file that cannot be imported (IMPORT_UNREADABLE, a value the database refuses) fails at once;
 * any other error is retried by the queue, and fails the import on the last attempt. Either way
 * the import ends `failed` with its reason, its document deleted and its event recorded: it never
 * stays `processing`.
 */
export async function runQueuedImport(
  deps: Pick<EngineDeps, 'db' | 'now' | 'logger'>,
  job: QueuedImportJob,
  attempt: JobAttempt = { lastAttempt: true },
): Promise<void> {
  const row = await deps.db
    .selectFrom('imports')
    .select(['client_id', 'status', 'document_id', 'options'])
    .where('id', '=', job.importId)
    .executeTakeFirst();
  // Gone (its client was deleted) or already done by an earlier attempt of this job.
  if (row?.status !== 'processing' || !row.document_id) return;
  const documentId = row.document_id;
  const options = (row.options ?? job) as QueuedImportOptions;
  const failure = { clientId: row.client_id, documentId, options };
  try {
    const input: Pick<ImportInput, 'connectionId' | 'accountId'> = options;
    // The account may have been removed since the file was queued: checked again.
    const target = await resolveTarget(deps.db, row.client_id, input);
    const result = fitTarget(
      target,
      readableOrThrow(
        await parseStatementPieces(documentParts(deps.db, documentId), {
          format: options.format,
          csvMapping: options.csvMapping,
        }),
        options.currency ?? target.account?.currency,
      ),
    );
    deps.logger.debug(
      {
        import: job.importId,
        transactions: result.statements.reduce((n, s) => n + s.transactions.length, 0),
      },
      'storing a queued import',
    );
    await deps.db.transaction().execute(async (trx) => {
      if (!(await claimImport(trx, job.importId))) return;
      await writeImport(trx, deps.now, row.client_id, {
        result,
        connectionId: target.connectionId,
        accountKey: target.account?.key,
        externalId: options.externalId,
        importId: job.importId,
        queued: { documentId },
        input: null,
      });
    });
  } catch (error) {
    if (error instanceof AppError) {
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
    await failImport(deps, job.importId, failure, {
      message: isDataException(error)
        ? 'A value of the file could not be stored; nothing was imported.'
        : 'The import could not be completed; nothing was imported.',
      format: null,
      issues: [],
    });
  }
}

/**
 * Locks a queued import that is still processing (false when another run of its job has ended
 * it meanwhile): a job sent again after a crash never writes a file twice.
 */
async function claimImport(trx: Transaction<Schema>, importId: string): Promise<boolean> {
  const row = await trx
    .selectFrom('imports')
    .select('id')
    .where('id', '=', importId)
    .where('status', '=', 'processing')
    .forUpdate()
    .executeTakeFirst();
  return row !== undefined;
}

/** Ends a queued import as failed; nothing of a refused file is kept (as for a synchronous import). */
async function failImport(
  deps: Pick<EngineDeps, 'db' | 'now'>,
  importId: string,
  job: { clientId: string; documentId: string; options: QueuedImportOptions },
  failure: { message: string; format: string | null; issues: unknown[] },
): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    if (!(await claimImport(trx, importId))) return;
    await deleteDocument(trx, job.documentId);
    await trx
      .updateTable('imports')
      .set({
        status: 'failed',
        document_id: null,
        format: failure.format,
        issues: JSON.stringify(failure.issues),
        summary: JSON.stringify({ error: failure.message }),
        finished_at: deps.now(),
      })
      .where('id', '=', importId)
      .execute();
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
export async function resumeInterruptedImports(deps: Pick<EngineDeps, 'db' | 'jobs' | 'logger'>) {
  const processing = await deps.db
    .selectFrom('imports')
    .select(['id', 'options'])
    .where('status', '=', 'processing')
    .where('options', 'is not', null)
    .execute();
  for (const row of processing)
    await deps.jobs.send(IMPORT_STATEMENT, { importId: row.id, ...(row.options as QueuedImportOptions) });
  if (processing.length > 0)
    deps.logger.warn({ imports: processing.map((r) => r.id) }, 'resumed imports interrupted by a crash');
  return processing.length;
}

export async function getImportOrThrow(db: Kysely<Schema>, clientId: string, id: string) {
  const row = await db
    .selectFrom('imports')
    .selectAll()
    .where('client_id', '=', clientId)
    .where('id', '=', id)
    .executeTakeFirst();
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
