// Daily balance history (SPEC gap G18): a snapshot of every account's balance is kept when a
// refresh ends well and when a statement is imported (store/balance-history.ts), and listed here
// for the native route (GET /v1/accounts/{id}/balances, keyset pages) and for the facades
// (listBalanceHistory: numbered pages and a total, Datanomik's /v1/balances/history). Every read
// is scoped to the client: another client's account or connection is not found.
import type { Kysely } from 'kysely';
import { AppError, type FieldProblem, validationFailed } from '../domain/errors.ts';
import { fieldValue } from '../domain/product-document.ts';
import {
  type BalanceFilters,
  type BalanceRow,
  countBalanceRows,
  listBalanceRows,
  snapshotBalances,
} from '../store/balance-history.ts';
import { decodeCursor, keysetPage, type PageResult } from '../store/keyset.ts';
import { naturalKeysOf } from '../store/record-keys.ts';
import type { Db, Schema } from '../store/schema.ts';
import { connectionsInScope } from './data-reads.ts';
import type { ServiceDeps } from './deps.ts';

/** One account's balance at the end of one day; amounts as decimal strings. */
export type BalanceEntry = BalanceRow;

export interface BalanceHistoryQuery {
  accountId?: string;
  connectionId?: string;
  /** Inclusive days, YYYY-MM-DD. */
  from?: string;
  to?: string;
  limit: number;
  offset: number;
}

/** The day a snapshot taken at `at` is kept under: the UTC calendar day. */
export const snapshotDay = (at: Date): string => at.toISOString().slice(0, 10);

/**
 * Keeps the balance of every account of the connection that has one, under the day of `at`
 * (one statement; called in the transaction that ends a refresh or an import).
 */
export function recordBalanceSnapshot(db: Db, connectionId: string, at: Date): Promise<number> {
  return snapshotBalances(db, connectionId, { day: snapshotDay(at), takenAt: at });
}

/** The bad fields of a day range: days that do not exist, or a range that ends before it starts. */
export function dayRangeProblems(range: {
  from?: string | undefined;
  to?: string | undefined;
}): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const name of ['from', 'to'] as const) {
    const value = range[name];
    if (value !== undefined && fieldValue('date', value) === null)
      problems.push({ path: [name], detail: 'must be a calendar day YYYY-MM-DD' });
  }
  if (problems.length === 0 && range.from !== undefined && range.to !== undefined && range.from > range.to)
    problems.push({ path: ['to'], detail: 'must be on or after from' });
  return problems;
}

function assertDayRange(range: { from?: string | undefined; to?: string | undefined }): void {
  const problems = dayRangeProblems(range);
  if (problems.length > 0) throw validationFailed(problems);
}

/** NOT_FOUND unless the account is this client's (the native reads' answer for another's). */
async function assertAccountOf(db: Kysely<Schema>, clientId: string, accountId: string): Promise<void> {
  if ((await naturalKeysOf(db, 'accounts', clientId, [accountId])).size === 0)
    throw new AppError('NOT_FOUND', `No accounts record ${accountId}.`);
}

/** The filters of a read, once the account and connection it names are known to be the client's. */
async function scopedFilters(
  db: Kysely<Schema>,
  clientId: string,
  query: Pick<BalanceHistoryQuery, 'accountId' | 'connectionId' | 'from' | 'to'>,
): Promise<BalanceFilters> {
  assertDayRange(query);
  if (query.accountId !== undefined) await assertAccountOf(db, clientId, query.accountId);
  if (query.connectionId !== undefined)
    await connectionsInScope(db, clientId, { connectionId: query.connectionId });
  return {
    clientId,
    accountId: query.accountId,
    connectionId: query.connectionId,
    from: query.from,
    to: query.to,
  };
}

/**
 * The client's snapshots, by account then day (oldest first), `limit` from `offset`, with the
 * number that match. An account or connection named that is not the client's is NOT_FOUND; days
 * that do not exist, or `to` before `from`, VALIDATION_FAILED.
 */
export async function listBalanceHistory(
  deps: Pick<ServiceDeps, 'db'>,
  clientId: string,
  query: BalanceHistoryQuery,
): Promise<{ data: BalanceEntry[]; total: number }> {
  const problems: FieldProblem[] = [];
  if (!Number.isSafeInteger(query.limit) || query.limit < 1)
    problems.push({ path: ['limit'], detail: 'must be a positive integer' });
  if (!Number.isSafeInteger(query.offset) || query.offset < 0)
    problems.push({ path: ['offset'], detail: 'must be an integer ≥ 0' });
  if (problems.length > 0) throw validationFailed(problems);
  const filters = await scopedFilters(deps.db, clientId, query);
  const [data, total] = await Promise.all([
    listBalanceRows(deps.db, filters, { limit: query.limit, offset: query.offset }),
    countBalanceRows(deps.db, filters),
  ]);
  return { data, total };
}

/** One account's snapshots, oldest first, in keyset pages (the native list's paging). */
export async function pageAccountBalances(
  deps: Pick<ServiceDeps, 'db'>,
  clientId: string,
  accountId: string,
  query: {
    from?: string | undefined;
    to?: string | undefined;
    page_size: number;
    cursor?: string | undefined;
  },
): Promise<PageResult<BalanceEntry>> {
  const after = query.cursor ? decodeCursor(query.cursor, ['date'])[0]! : undefined;
  const filters = await scopedFilters(deps.db, clientId, { accountId, from: query.from, to: query.to });
  const rows = await listBalanceRows(deps.db, filters, {
    limit: query.page_size + 1,
    ...(after ? { after: [accountId, after] as const } : {}),
  });
  const page = keysetPage(rows, query.page_size, (row) => [row.date]);
  return { data: page.rows, has_more: page.has_more, next_cursor: page.next_cursor };
}
