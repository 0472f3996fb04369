// Reads of stored records for the data API. PostgreSQL renders each record's JSON (the stored
// document plus ids and timestamps) and Node passes the text through: a page of 100 transactions
// is never parsed and re-serialised in JavaScript (bench/README.md, bench:api).
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { parentField } from '../domain/product-fields.ts';
import { movementProducts, type Product, productTable } from '../domain/products.ts';
import type { Schema } from './schema.ts';

export interface RecordFilters {
  clientId: string;
  id?: string;
  connectionIds?: readonly string[];
  parentId?: string;
  operationDateFrom?: string;
  operationDateTo?: string;
  valueDateFrom?: string;
  valueDateTo?: string;
  amountMin?: number;
  amountMax?: number;
  currency?: string;
  pending?: boolean;
  category?: string;
  q?: string;
  updatedSince?: string;
}

export interface RecordPageRequest {
  pageSize: number;
  /** Sort key of the last row of the previous page (keyset). */
  after?: readonly unknown[];
  /** 1-based page number (offset paging, for clients that use the seeds' `page`). */
  page?: number;
  includeRaw: boolean;
}

export interface RenderedRow {
  key: unknown[];
  json: string;
}

export const isMovement = (product: Product) => movementProducts.has(product);

/** The sort key of a product's lists: newest movement first; other records by id. */
export const sortKeyArity = (product: Product) => (isMovement(product) ? 2 : 1);

/** The SQL expression that renders one record as the API serves it. */
export function renderRecord(product: Product, includeRaw: boolean): RawBuilder<string> {
  const parent = parentField[product];
  const head = sql`json_build_object('id', r.id, 'connection_id', r.connection_id, 'external_id', c.external_id${
    parent ? sql.raw(`, '${parent}', r.parent_id`) : sql``
  })::text`;
  const tail = sql`json_build_object(${
    isMovement(product)
      ? sql`'pending', r.pending, 'pending_transaction_id', r.pending_transaction_id, `
      : sql``
  }'first_seen_at', r.first_seen_at, 'updated_at', r.updated_at${
    includeRaw ? sql`, 'raw', r.raw::json` : sql``
  })::text`;
  // {head…} + {data…} + {tail…}: the data document always has fields (product-fields.ts).
  // (left(…, -1) drops exactly one closing brace; the document's last value may itself be an object.)
  return sql<string>`left(${head}, -1) || ', ' || substr(r.data::text, 2, length(r.data::text) - 2) || ', ' || substr(${tail}, 2)`;
}

function whereClauses(product: Product, f: RecordFilters): RawBuilder<unknown>[] {
  const where: RawBuilder<unknown>[] = [sql`r.client_id = ${f.clientId}`, sql`r.removed_at is null`];
  if (f.id !== undefined) where.push(sql`r.id = ${f.id}`);
  if (f.connectionIds !== undefined)
    where.push(
      f.connectionIds.length === 1
        ? sql`r.connection_id = ${f.connectionIds[0]}`
        : sql`r.connection_id = any(${[...f.connectionIds]}::text[])`,
    );
  if (f.parentId !== undefined) where.push(sql`r.parent_id = ${f.parentId}`);
  if (f.updatedSince !== undefined) where.push(sql`r.updated_at >= ${f.updatedSince}::timestamptz`);
  if (!isMovement(product)) return where;
  if (f.operationDateFrom !== undefined) where.push(sql`r.operation_date >= ${f.operationDateFrom}::date`);
  if (f.operationDateTo !== undefined) where.push(sql`r.operation_date <= ${f.operationDateTo}::date`);
  if (f.valueDateFrom !== undefined) where.push(sql`r.value_date >= ${f.valueDateFrom}::date`);
  if (f.valueDateTo !== undefined) where.push(sql`r.value_date <= ${f.valueDateTo}::date`);
  if (f.amountMin !== undefined) where.push(sql`r.amount >= ${f.amountMin}`);
  if (f.amountMax !== undefined) where.push(sql`r.amount <= ${f.amountMax}`);
  if (f.currency !== undefined) where.push(sql`r.currency = ${f.currency}`);
  if (f.pending !== undefined) where.push(sql`r.pending = ${f.pending}`);
  if (f.category !== undefined)
    where.push(sql`(r.data->>'category' = ${f.category} or r.data->>'subcategory' = ${f.category})`);
  if (f.q !== undefined) {
    const pattern = `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(
      sql`concat_ws(' ', r.data->>'description', r.data->>'counterparty', r.data->>'shop', r.data->>'merchant_name') ilike ${pattern}`,
    );
  }
  return where;
}

/** One page of a product's records, rendered; `pageSize + 1` rows tell whether more follow. */
export async function listRecords(
  db: Kysely<Schema>,
  product: Product,
  filters: RecordFilters,
  request: RecordPageRequest,
): Promise<RenderedRow[]> {
  const table = sql.table(productTable[product]);
  const where = whereClauses(product, filters);
  const movement = isMovement(product);
  if (request.after && request.page === undefined) {
    where.push(
      movement
        ? sql`(r.operation_date, r.id) < (${request.after[0]}::date, ${request.after[1]})`
        : sql`r.id > ${request.after[0]}`,
    );
  }
  const order = movement ? sql`r.operation_date desc, r.id desc` : sql`r.id`;
  const offset = request.page !== undefined ? (request.page - 1) * request.pageSize : 0;
  const result = await sql<{ k1: string; k2: string | null; json: string }>`
    select ${movement ? sql`r.operation_date::text` : sql`r.id`} as k1, ${movement ? sql`r.id` : sql`null`} as k2,
      ${renderRecord(product, request.includeRaw)} as json
    from ${table} r join connections c on c.id = r.connection_id
    where ${sql.join(where, sql` and `)}
    order by ${order}
    limit ${request.pageSize + 1} offset ${offset}`.execute(db);
  return result.rows.map((row) => ({ key: movement ? [row.k1, row.k2] : [row.k1], json: row.json }));
}

export async function countRecords(
  db: Kysely<Schema>,
  product: Product,
  filters: RecordFilters,
): Promise<number> {
  const result = await sql<{ n: string | number }>`
    select count(*) as n from ${sql.table(productTable[product])} r
    where ${sql.join(whereClauses(product, filters), sql` and `)}`.execute(db);
  return Number(result.rows[0]!.n);
}

/** Every live record of one product of a connection, rendered, in list order (for "all data"). */
export async function allRecordsOf(
  db: Kysely<Schema>,
  product: Product,
  clientId: string,
  connectionId: string,
): Promise<Array<{ id: string; parent_id: string | null; json: string; type: string | null }>> {
  const order = isMovement(product) ? sql`r.operation_date desc, r.id desc` : sql`r.id`;
  const result = await sql<{ id: string; parent_id: string | null; json: string; type: string | null }>`
    select r.id, r.parent_id, r.data->>'type' as type, ${renderRecord(product, false)} as json
    from ${sql.table(productTable[product])} r join connections c on c.id = r.connection_id
    where r.client_id = ${clientId} and r.connection_id = ${connectionId} and r.removed_at is null
    order by ${order}`.execute(db);
  return result.rows;
}
