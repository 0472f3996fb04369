// What an imported file is checked against before anything is stored: its format and issues
// (IMPORT_UNREADABLE with every issue and its line), and where it goes (a new connection, an
// existing statement-import connection, or one account of it, which the file must fit).
import { STATEMENT_INSTITUTION } from '../../connectors/files/index.ts';
import { accountKeyOf } from '../../connectors/files/transform.ts';
import { AppError } from '../../domain/errors.ts';
import type { CsvMapping } from '../../formats/csv/layout.ts';
import { parseStatementFile, supportedFormats } from '../../formats/index.ts';
import type { ParseResult, StatementFormat } from '../../formats/statement.ts';
import type { Db } from '../../store/connections.ts';
import { findAccountOfClient, findConnection } from '../../store/connections.ts';

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

/** The import's summary: what the file holds (formats/summary.ts is the CLI's, per statement). */
export function summaryOf(result: ParseResult) {
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
export function readableOrThrow(parsed: ParseResult | null, currency: string | undefined): ParseResult {
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

/** Parses a file for its target: one account's file must hold that account only, in its currency. */
export function parseFor(target: ImportTarget, input: ImportInput): ParseResult {
  return fitTarget(target, parseOrThrow({ ...input, currency: input.currency ?? target.account?.currency }));
}

export function fitTarget(target: ImportTarget, result: ParseResult): ParseResult {
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
