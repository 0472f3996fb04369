// What an imported file is checked against before anything is stored: its format and issues
// (IMPORT_UNREADABLE with every issue and its line), and where it goes (a new connection, an
// existing statement-import connection, or one account of it, which the file must fit). The file
// is scanned (connectors/files/scan.ts: read once through its parser, 4 bytes kept per movement)
// and checked before the transaction that writes it opens; the writing reads it again.

import { STATEMENT_INSTITUTION } from '../../connectors/files/index.ts';
import { type FileScan, scanStatementFile } from '../../connectors/files/scan.ts';
import { AppError } from '../../domain/errors.ts';
import type { CsvMapping } from '../../formats/csv/layout.ts';
import type { NamedEncoding } from '../../formats/encoding.ts';
import { supportedFormats } from '../../formats/index.ts';
import type { Balance, StatementFormat } from '../../formats/statement.ts';
import type { Db } from '../../store/connections.ts';
import { findAccountOfClient, findConnection } from '../../store/connections.ts';

/** How a file is read and where it goes: the options of POST /v1/imports and `tesoro import`. */
export interface ImportOptions {
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
  /** The file's encoding, when the sender knows it (else worked out: formats/encoding.ts). */
  encoding?: NamedEncoding | undefined;
}

/** A file sent whole (POST /v1/imports): its bytes are in memory. */
export interface ImportInput extends ImportOptions {
  bytes: Uint8Array;
}

/**
 * A file read in pieces (a file on disk, a stored document): `pieces` gives its bytes from the
 * start each time it is called, the same bytes in the same pieces (an import reads a file twice,
 * or three times when it stores it too; `db` is the handle to read a stored file with).
 */
export type FilePieces = (db: Db) => AsyncIterable<Uint8Array>;

/** Bytes in memory as a file of one piece: read whole, as a file sent whole always was. */
export const piecesOf = (bytes: Uint8Array): FilePieces =>
  async function* whole() {
    yield bytes;
  };

/** A scanned file that can be imported. */
export type ReadableScan = FileScan & { format: StatementFormat };

/**
 * Each account's balances, once per account however many statements it has (a CSV of interleaved
 * accounts is a statement per run of rows): the earliest opening and the latest closing.
 */
function balancesOf(statements: ReadableScan['statements']) {
  type Balances = { account: string; currency: string; opening: Balance | null; closing: Balance | null };
  const byAccount = new Map<string, Balances>();
  // One pass: a CSV of interleaved accounts is a statement per run of rows. On equal (or unknown)
  // dates the earlier statement's opening and the later one's closing win.
  for (const { key, header } of statements) {
    const known = byAccount.get(key);
    if (!known) {
      byAccount.set(key, {
        account: header.account.iban ?? header.account.number,
        currency: header.account.currency,
        opening: header.opening,
        closing: header.closing,
      });
      continue;
    }
    if (header.opening && (!known.opening || (header.opening.date ?? '') < (known.opening.date ?? '')))
      known.opening = header.opening;
    if (header.closing && (!known.closing || (header.closing.date ?? '') >= (known.closing.date ?? '')))
      known.closing = header.closing;
  }
  return [...byAccount.values()].map(({ opening, closing, ...account }) => ({
    ...account,
    opening: opening?.amount ?? null,
    closing: closing?.amount ?? null,
  }));
}

/** How many transactions the scanned file holds, over its statements. */
export const transactionsOf = (scan: Pick<FileScan, 'statements'>): number =>
  scan.statements.reduce((n, s) => n + s.transactions, 0);

/** The import's summary: what the file holds (formats/summary.ts is the CLI's, per statement). */
export function summaryOf(scan: ReadableScan) {
  const { statements } = scan;
  return {
    format: scan.format,
    statements: statements.length,
    accounts: new Set(statements.map((s) => s.key)).size,
    transactions: transactionsOf(scan),
    ...(statements.some((s) => s.header.investment) && {
      positions: statements.reduce((n, s) => n + s.positions.length, 0),
      investment_transactions: statements.reduce((n, s) => n + s.investmentTransactions, 0),
    }),
    first_date: scan.firstDate,
    last_date: scan.lastDate,
    balances: balancesOf(statements),
    // What Tesoro worked out rather than was told: to check, or to give explicitly next time.
    detected: scan.detected,
  };
}

/** A scanned file that can be imported, or IMPORT_UNREADABLE with every issue and its line. */
export function readableOrThrow(scan: FileScan): ReadableScan {
  const { format } = scan;
  if (!format) {
    // An empty body is a mistake of the request (curl -d @wrong-path sends nothing), said as such.
    const empty = scan.size === 0;
    throw new AppError(
      'IMPORT_UNREADABLE',
      empty
        ? 'The file is empty: send the statement file as the request body (or the `file` part of a form).'
        : `The file is not in a format Tesoro reads (${supportedFormats.join(', ')}).`,
      {
        extensions: {
          issues: [
            { severity: 'error', line: null, message: empty ? 'empty file' : 'format not recognised' },
          ],
        },
      },
    );
  }
  const errors = scan.issues.filter((issue) => issue.severity === 'error');
  if (errors.length > 0 || scan.statements.length === 0)
    throw new AppError(
      'IMPORT_UNREADABLE',
      `The ${format} file has ${errors.length || 'no'} ${errors.length ? 'errors' : 'statements'}; nothing was imported.`,
      {
        extensions: { format, issues: scan.issues },
      },
    );
  return { ...scan, format };
}

/** Where a file goes: a new connection, an existing one, or one account of an existing one. */
export interface ImportTarget {
  connectionId: string | undefined;
  account: { key: string; currency: string } | null;
}

/**
 * The connection (and account) a file is added to must be this client's and a statement-import
 * connection; an account names its connection, which `connection_id`, if given too, must match.
 */
export async function resolveTarget(
  db: Db,
  clientId: string,
  input: Pick<ImportInput, 'connectionId' | 'accountId'>,
): Promise<ImportTarget> {
  let connectionId = input.connectionId;
  let account: ImportTarget['account'] = null;
  if (input.accountId) {
    const row = await findAccountOfClient(db, clientId, input.accountId);
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
  if (existing.institution_id !== STATEMENT_INSTITUTION)
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

/**
 * Scans a file for its target (the currency of formats that have none: the one given, else the
 * account's): it must be readable, and one account's file must hold that account only, in its
 * currency. Throws IMPORT_UNREADABLE otherwise; nothing has been written by then.
 */
export async function scanFor(
  target: ImportTarget,
  options: Pick<ImportOptions, 'format' | 'csvMapping' | 'currency' | 'encoding'>,
  pieces: AsyncIterable<Uint8Array>,
): Promise<ReadableScan> {
  const scan = await scanStatementFile(pieces, {
    format: options.format,
    csvMapping: options.csvMapping,
    encoding: options.encoding,
    currency: options.currency ?? target.account?.currency,
  });
  return fitTarget(target, readableOrThrow(scan));
}

export function fitTarget(target: ImportTarget, scan: ReadableScan): ReadableScan {
  if (!target.account) return scan;
  const accounts = [...new Set(scan.statements.map((s) => s.key))];
  const currencies = [...new Set(scan.statements.map((s) => s.header.account.currency))];
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
        extensions: { format: scan.format, issues: [{ severity: 'error', line: null, message: problem }] },
      },
    );
  return scan;
}
