// Reads of stored records for the data API. PostgreSQL renders each record's JSON (the stored
// document plus ids and timestamps) and Node passes the text through: a page of 100 transactions
// is never parsed and re-serialised in JavaScript (bench/README.md, bench:api).
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { movementProducts, type Product, parentField, productTable } from '../domain/products.ts';
import type { FieldCondition, SearchFieldType } from '../domain/search-query.ts';
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
  /** Conditions of a search query object (domain/search-query.ts), all of which must hold. */
  conditions?: readonly FieldCondition[];
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

/** The sort key of a product's lists: newest movement first (date, id); other records by id. */
export const sortKeyShape = (product: Product): readonly ('date' | 'id')[] =>
  isMovement(product) ? ['date', 'id'] : ['id'];

/** A stored record's columns, as selected by `recordColumns`. */
export interface RecordColumns {
  id: string;
  connection_id: string;
  parent_id: string | null;
  /** The served document as JSON text (always an object with fields: product-fields.ts). */
  data: string;
  pending?: boolean;
  pending_transaction_id?: string | null;
  /** JSON string literals (to_json of the timestamps). */
  first_seen_at: string;
  updated_at: string;
  raw?: string | null;
}

/**
 * The columns a record is rendered from. The pieces are put together by `renderRecord` in
 * JavaScript: building the object with json_build_object and substr in SQL cost ≈1 ms of
 * PostgreSQL time per 100-row page (multibyte substr, JSON building), selecting the parts ≈0.1 ms.
 */
export function recordColumns(product: Product, includeRaw: boolean): RawBuilder<unknown> {
  return sql`r.id, r.connection_id, r.parent_id, r.data::text as data${
    isMovement(product) ? sql`, r.pending, r.pending_transaction_id` : sql``
  }, to_json(r.first_seen_at)::text as first_seen_at, to_json(r.updated_at)::text as updated_at${
    includeRaw ? sql`, r.raw` : sql``
  }`;
}

/** One record as the API serves it: ids, the stored document, movement state, timestamps, raw. */
export function renderRecord(product: Product, row: RecordColumns, externalId: string | null): string {
  const parent = parentField[product];
  let json = `{"id":${JSON.stringify(row.id)},"connection_id":${JSON.stringify(row.connection_id)},"external_id":${JSON.stringify(externalId)}`;
  if (parent) json += `,"${parent}":${JSON.stringify(row.parent_id)}`;
  json += `,${row.data.slice(1, -1)}`;
  if (isMovement(product))
    json += `,"pending":${row.pending},"pending_transaction_id":${JSON.stringify(row.pending_transaction_id ?? null)}`;
  json += `,"first_seen_at":${row.first_seen_at},"updated_at":${row.updated_at}`;
  if (row.raw !== undefined) json += `,"raw":${row.raw ?? 'null'}`;
  return `${json}}`;
}

const sqlType: Record<SearchFieldType, string> = {
  date: 'date',
  number: 'numeric',
  text: 'text',
  boolean: 'boolean',
};
const comparison = { $eq: '=', $ne: 'is distinct from', $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' } as const;

/** One search condition as SQL; a document field is read from the stored JSON and cast. */
function conditionSql({ field, operator, value }: FieldCondition): RawBuilder<unknown> {
  const type = sqlType[field.type];
  const target = field.column
    ? sql.ref(`r.${field.column}`)
    : sql`(r.data->>${sql.lit(field.name)})::${sql.raw(type)}`;
  if (operator === '$in') return sql`${target} = any(${value}::${sql.raw(type)}[])`;
  if (operator === '$nin') return sql`coalesce(not (${target} = any(${value}::${sql.raw(type)}[])), true)`;
  if (value === null) return operator === '$eq' ? sql`${target} is null` : sql`${target} is not null`;
  return sql`${target} ${sql.raw(comparison[operator])} ${value}::${sql.raw(type)}`;
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
  for (const condition of f.conditions ?? []) where.push(conditionSql(condition));
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

/** The end-user reference (`external_id`) of each connection named, for rendering records. */
export type ExternalIds = ReadonlyMap<string, string | null>;

async function externalIdsOf(
  db: Kysely<Schema>,
  clientId: string,
  connectionIds: readonly string[],
  known: ExternalIds | undefined,
): Promise<ExternalIds> {
  const missing = [...new Set(connectionIds)].filter((id) => !known?.has(id));
  if (missing.length === 0) return known ?? new Map();
  const rows = await db
    .selectFrom('connections')
    .select(['id', 'external_id'])
    .where('client_id', '=', clientId)
    .where('id', 'in', missing)
    .execute();
  return new Map([...(known ?? []), ...rows.map((row) => [row.id, row.external_id] as const)]);
}

/**
 * One page of a product's records, rendered; `pageSize + 1` rows tell whether more follow.
 * `externalIds` saves the lookup of the connections' external ids when the caller has them.
 */
export async function listRecords(
  db: Kysely<Schema>,
  product: Product,
  filters: RecordFilters,
  request: RecordPageRequest,
  externalIds?: ExternalIds,
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
  const result = await sql<RecordColumns & { k1: string }>`
    select ${movement ? sql`r.operation_date::text` : sql`r.id`} as k1, ${recordColumns(product, request.includeRaw)}
    from ${table} r
    where ${sql.join(where, sql` and `)}
    order by ${order}
    limit ${request.pageSize + 1} offset ${offset}`.execute(db);
  const external = await externalIdsOf(
    db,
    filters.clientId,
    result.rows.map((row) => row.connection_id),
    externalIds,
  );
  return result.rows.map((row) => ({
    key: movement ? [row.k1, row.id] : [row.k1],
    json: renderRecord(product, row, external.get(row.connection_id) ?? null),
  }));
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

/** One record of a connection, rendered, with what "all data" groups it by. */
export interface ConnectionRecord {
  id: string;
  parent_id: string | null;
  /** The document's `type` (investments are grouped by it). */
  type: string | null;
  /** The document's `product_id` (a holder names the product it holds). */
  product_id: string | null;
  json: string;
}

/**
 * Every live record of one product of a connection (or of one parent record), rendered, in list
 * order, `batchSize` at a time (keyset on the list order): a large connection is read in steps,
 * with the event loop free between them, never as one result.
 */
export async function* connectionRecords(
  db: Kysely<Schema>,
  product: Product,
  connection: { id: string; client_id: string; external_id: string | null },
  options: { parentId?: string; batchSize: number },
): AsyncGenerator<ConnectionRecord[]> {
  const movement = isMovement(product);
  let after: { date: string; id: string } | undefined;
  for (;;) {
    const where = [
      sql`r.client_id = ${connection.client_id}`,
      sql`r.connection_id = ${connection.id}`,
      sql`r.removed_at is null`,
    ];
    if (options.parentId !== undefined) where.push(sql`r.parent_id = ${options.parentId}`);
    if (after)
      where.push(
        movement
          ? sql`(r.operation_date, r.id) < (${after.date}::date, ${after.id})`
          : sql`r.id > ${after.id}`,
      );
    const result = await sql<RecordColumns & { type: string | null; product_id: string | null; k: string }>`
      select r.data->>'type' as type, r.data->>'product_id' as product_id,
        ${movement ? sql`r.operation_date::text` : sql`''`} as k, ${recordColumns(product, false)}
      from ${sql.table(productTable[product])} r
      where ${sql.join(where, sql` and `)}
      order by ${movement ? sql`r.operation_date desc, r.id desc` : sql`r.id`}
      limit ${options.batchSize}`.execute(db);
    const rows = result.rows;
    if (rows.length > 0)
      yield rows.map((row) => ({
        id: row.id,
        parent_id: row.parent_id,
        type: row.type,
        product_id: row.product_id,
        json: renderRecord(product, row, connection.external_id),
      }));
    if (rows.length < options.batchSize) return;
    const last = rows.at(-1)!;
    after = { date: last.k, id: last.id };
  }
}

/** How many live records a connection holds, over every product. */
export async function countConnectionRecords(db: Kysely<Schema>, connectionId: string): Promise<number> {
  const counts = Object.values(productTable).map(
    (table) =>
      sql`select count(*) as n from ${sql.table(table)} where connection_id = ${connectionId} and removed_at is null`,
  );
  const result = await sql<{ n: string | number }>`
    select sum(n) as n from (${sql.join(counts, sql` union all `)}) counts`.execute(db);
  return Number(result.rows[0]?.n ?? 0);
}
