// Inserting many new rows at once, the fastest way each engine offers. On PostgreSQL that is `COPY
// … FROM STDIN` (rows cross the wire once, as text, with no array parameters to build and parse:
// bench/README.md measured it ahead of `insert … select from unnest(…)`). Embedded PGlite handles a
// COPY blob slower than an `unnest` insert, so it gets the insert.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Kysely, sql } from 'kysely';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

export interface BulkColumn {
  name: string;
  /** The PostgreSQL type of the column (`text`, `jsonb`, `date`, …). */
  type: string;
}

/** Inserts rows (values in `columns` order); rejects with DuplicateRowError if a key exists. */
export type BulkInsert = (
  table: string,
  columns: readonly BulkColumn[],
  rows: readonly (readonly unknown[])[],
) => Promise<void>;

export class DuplicateRowError extends Error {
  constructor(table: string) {
    super(`A row inserted into ${table} already exists.`);
  }
}

const UNIQUE_VIOLATION = '23505';

const escapes: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

const NEEDS_ESCAPE = /[\\\t\n\r]/;

const escaped = (text: string) =>
  NEEDS_ESCAPE.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => escapes[c]!) : text;

/**
 * One value in COPY's text format: `\N` for null, backslash escapes for the delimiters. Numbers
 * and booleans cannot hold a delimiter, so only text is scanned.
 */
export function copyValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return escaped(value);
    case 'number':
    case 'bigint':
      return `${value}`;
    case 'boolean':
      return value ? 't' : 'f';
    default:
      return value === null || value === undefined ? '\\N' : escaped(String(value));
  }
}

/**
 * Rows in COPY's text format (tab-separated, one line per row). Appended value by value, with no
 * array per row to map and join: at tens of thousands of rows the garbage of those arrays cost
 * more than the escaping (bench:ingest's JavaScript per row).
 */
export function copyText(rows: readonly (readonly unknown[])[]): string {
  let text = '';
  for (const row of rows) {
    for (let index = 0; index < row.length; index++) {
      if (index > 0) text += '\t';
      text += copyValue(row[index]);
    }
    text += '\n';
  }
  return text;
}

export function copyInsert(pool: pg.Pool): BulkInsert {
  return async (table, columns, rows) => {
    if (rows.length === 0) return;
    const client = await pool.connect();
    try {
      const names = columns.map((c) => c.name).join(', ');
      await pipeline(
        Readable.from([copyText(rows)]),
        client.query(copyFrom(`copy ${table} (${names}) from stdin`)),
      );
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw new DuplicateRowError(table);
      throw error;
    } finally {
      client.release();
    }
  };
}

/**
 * The columns of an insert with those null in every row left out (they default to null): fewer
 * array parameters to serialise in JavaScript and parse in WASM on PGlite, where each costs more
 * than its values. Sources leave most optional fields empty, and a chunk is one source's. (COPY
 * writes a null as two bytes: nothing to gain there.)
 */
function withoutEmptyColumns(
  columns: readonly BulkColumn[],
  rows: readonly (readonly unknown[])[],
): { columns: readonly BulkColumn[]; rows: readonly (readonly unknown[])[] } {
  const kept: number[] = [];
  for (let index = 0; index < columns.length; index++)
    if (rows.some((row) => row[index] !== null && row[index] !== undefined)) kept.push(index);
  if (kept.length === columns.length) return { columns, rows };
  return {
    columns: kept.map((index) => columns[index]!),
    rows: rows.map((row) => kept.map((index) => row[index])),
  };
}

/** `insert … select * from unnest(…)`: one array parameter per column. */
export function unnestInsert(db: Kysely<unknown>): BulkInsert {
  return async (table, columns, rows) => {
    if (rows.length === 0) return;
    const arrays = sql.join(
      columns.map((column, index) => sql`${rows.map((row) => row[index])}::${sql.raw(column.type)}[]`),
    );
    const names = sql.raw(columns.map((c) => c.name).join(', '));
    try {
      await sql`insert into ${sql.table(table)} (${names}) select * from unnest(${arrays})`.execute(db);
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw new DuplicateRowError(table);
      throw error;
    }
  };
}

/** unnestInsert without the columns that are null in every row (the embedded engine's insert). */
export function sparseUnnestInsert(db: Kysely<unknown>): BulkInsert {
  const insert = unnestInsert(db);
  return (table, allColumns, allRows) => {
    const { columns, rows } = withoutEmptyColumns(allColumns, allRows);
    return insert(table, columns, rows);
  };
}
