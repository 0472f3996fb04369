// Keyset pagination: an opaque cursor encodes the sort key of the last row returned, so page N
// costs what page 1 costs and rows inserted meanwhile do not shift pages. Every list pages this way;
// the lists ordered by creation share pageByCreation.
import { type SelectQueryBuilder, sql } from 'kysely';
import { AppError } from '../domain/errors.ts';

export interface PageResult<T> {
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

export function encodeCursor(key: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * What each element of a sort key is. A cursor's values go into SQL casts (`::date`,
 * `::timestamptz`), so each is checked for its form: a tampered cursor is a 400, never a 500.
 */
export type CursorPart = 'date' | 'timestamp' | 'id' | 'text';

const YEAR = '(?!0000)\\d{4}';
const cursorPart: Record<CursorPart, RegExp> = {
  date: new RegExp(`^${YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$`),
  // As PostgreSQL prints a timestamptz as text (the lists keep its microseconds).
  timestamp: new RegExp(
    `^${YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])[ T]([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(\\.\\d{1,6})?([+-]\\d{2}(:?\\d{2}){0,2}|Z)$`,
  ),
  id: /^[A-Za-z0-9_.-]{1,128}$/,
  // Compared in memory only (the institutions catalog), never cast.
  text: /^[\s\S]{0,512}$/,
};

/** The key of lists ordered by creation: `created_at` as PostgreSQL prints it, then the id. */
export const CREATED_KEY: readonly CursorPart[] = ['timestamp', 'id'];

/** Decodes a cursor made by encodeCursor; a tampered or foreign cursor is a validation error. */
export function decodeCursor(cursor: string, shape: readonly CursorPart[]): string[] {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(key) &&
      key.length === shape.length &&
      key.every((value, i) => typeof value === 'string' && cursorPart[shape[i]!].test(value))
    )
      return key as string[];
  } catch {
    // fall through
  }
  throw new AppError('VALIDATION_FAILED', 'The cursor is not valid for this list.', {
    fields: [{ in: 'query', path: ['cursor'], detail: 'is not a cursor returned by this list' }],
  });
}

/** Pages an already-sorted in-memory list (small catalogs); `keyOf` gives each row's sort key. */
export function pageInMemory<T>(
  rows: readonly T[],
  keyOf: (row: T) => readonly string[],
  compare: (a: readonly string[], b: readonly string[]) => number,
  query: { page_size: number; cursor?: string | undefined },
  shape: readonly CursorPart[],
): PageResult<T> {
  let start = 0;
  if (query.cursor) {
    const after = decodeCursor(query.cursor, shape);
    start = rows.findIndex((row) => compare(keyOf(row), after) > 0);
    if (start === -1) start = rows.length;
  }
  const data = rows.slice(start, start + query.page_size);
  const hasMore = start + query.page_size < rows.length;
  return {
    data,
    has_more: hasMore,
    next_cursor: hasMore ? encodeCursor(keyOf(data[data.length - 1]!)) : null,
  };
}

/**
 * Splits the rows of a keyset query fetched with `limit(pageSize + 1)`: the extra row only says that
 * another page follows; the cursor is the sort key of the last row kept.
 */
export function keysetPage<T>(
  rows: readonly T[],
  pageSize: number,
  keyOf: (row: T) => readonly unknown[],
): { rows: T[]; has_more: boolean; next_cursor: string | null } {
  const page = rows.slice(0, pageSize);
  const last = page.at(-1);
  const hasMore = rows.length > pageSize;
  return { rows: page, has_more: hasMore, next_cursor: hasMore && last ? encodeCursor(keyOf(last)) : null };
}

/**
 * One page of a list ordered by (created_at, id), oldest first (`asc`) or newest first (`desc`):
 * the timestamp travels as PostgreSQL prints it, since a JS Date would drop its microseconds.
 * `table` qualifies the columns when the query joins.
 */
export async function pageByCreation<DB, TB extends keyof DB, O extends { id: string }>(
  query: SelectQueryBuilder<DB, TB, O>,
  page: { page_size: number; cursor?: string | undefined },
  order: { direction: 'asc' | 'desc'; table?: string },
): Promise<{ rows: O[]; has_more: boolean; next_cursor: string | null }> {
  const column = (name: string) => sql.raw(order.table ? `${order.table}.${name}` : name);
  const direction = sql.raw(order.direction);
  let q = query.select(
    sql<string>`${column('created_at')}::text`.as('created_key'),
  ) as unknown as SelectQueryBuilder<DB, TB, O & { created_key: string }>;
  if (page.cursor) {
    const [createdAt, id] = decodeCursor(page.cursor, CREATED_KEY);
    const after = sql.raw(order.direction === 'asc' ? '>' : '<');
    q = q.where(
      sql<boolean>`(${column('created_at')}, ${column('id')}) ${after} (${createdAt}::timestamptz, ${id})`,
    );
  }
  const rows = await q
    .orderBy(sql`${column('created_at')} ${direction}`)
    .orderBy(sql`${column('id')} ${direction}`)
    .limit(page.page_size + 1)
    .execute();
  const result = keysetPage(rows, page.page_size, (row) => [row.created_key, row.id]);
  return { ...result, rows: result.rows.map(({ created_key: _, ...row }) => row as unknown as O) };
}
