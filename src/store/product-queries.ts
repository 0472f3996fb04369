// Reads of stored records for the data API. Every row carries its served JSON after `external_id`
// (`api_tail`, rendered when it was written: store/record-rows.ts), so a page is the rows' texts
// joined with each connection's external id spliced in: nothing is parsed, built or re-serialised
// per request (bench/README.md, bench:api).
import { type Kysely, type RawBuilder, sql } from 'kysely';
import {
  movementFields,
  movementProducts,
  type Product,
  productCatalog,
  productTable,
} from '../domain/product-catalog.ts';
import type { FieldCondition, SearchField, SearchFieldType } from '../domain/search-query.ts';
import { isEmbedded } from './embedded.ts';
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
  /** 1-based page number (offset paging, for clients that page by number). */
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
  /** The served JSON after `external_id`, without the closing brace. */
  api_tail: string;
  /** The source record as JSON text (selected with include_raw only). */
  raw?: string | null;
}

/** The columns a record is rendered from (`r` being its table). */
export function recordColumns(includeRaw: boolean): RawBuilder<unknown> {
  return includeRaw ? sql`r.id, r.connection_id, r.api_tail, r.raw` : sql`r.id, r.connection_id, r.api_tail`;
}

/** One record as the API serves it: its ids, the connection's external id, the stored text, raw. */
export function renderRecord(row: RecordColumns, externalId: string | null): string {
  const head = `{"id":"${row.id}","connection_id":"${row.connection_id}","external_id":${externalId === null ? 'null' : JSON.stringify(externalId)}`;
  return row.raw === undefined
    ? `${head}${row.api_tail}}`
    : `${head}${row.api_tail},"raw":${row.raw ?? 'null'}}`;
}

const sqlType: Record<SearchFieldType, string> = {
  date: 'date',
  number: 'numeric',
  text: 'text',
  boolean: 'boolean',
};
const comparison = { $eq: '=', $ne: 'is distinct from', $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' } as const;

/** What a condition compares: an SQL expression, and the type its values are cast to. */
interface Operand {
  value: RawBuilder<unknown>;
  type: string;
}

/**
 * Where a field is read: its column (the row's own columns, and every scalar field of a movement,
 * which has a typed column), or else the record's document. A document holds each field as its
 * kind (domain/product-document.ts), but a row stored before a field had its kind may not: a value
 * of another JSON type, or a day that does not exist, reads as null, as a typed column would hold
 * it, so no cast can fail.
 */
function operandOf(product: Product, field: SearchField): Operand {
  if (field.column !== undefined || isMovement(product))
    return { value: sql.ref(`r.${field.column ?? field.name}`), type: sqlType[field.type] };
  const json = sql`r.data->${sql.lit(field.name)}`;
  const text = sql`r.data->>${sql.lit(field.name)}`;
  switch (field.type) {
    case 'text':
      return { value: text, type: 'text' };
    case 'number':
      return {
        value: sql`(case when json_typeof(${json}) = 'number' then (${text})::numeric end)`,
        type: 'numeric',
      };
    case 'boolean':
      return {
        value: sql`(case when json_typeof(${json}) = 'boolean' then (${text})::boolean end)`,
        type: 'boolean',
      };
    case 'date':
      return { value: existingDay(text), type: 'date' };
  }
}

/**
 * A `YYYY-MM-DD` text as a date when that day exists, else null: a cast of 2025-02-30 or of year
 * 0000 would fail the whole query. The inner case runs only once the outer one has checked the
 * shape, so make_date sees a real month.
 */
const existingDay = (text: RawBuilder<unknown>) => sql`(case
  when ${text} ~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' and left(${text}, 4) <> '0000' then
    case when right(${text}, 2)::int <= extract(day from make_date(left(${text}, 4)::int, substr(${text}, 6, 2)::int, 1) + interval '1 month - 1 day')
    then (${text})::date end
  end)`;

/** One search condition as SQL, on the field's typed column or document value. */
function conditionSql(product: Product, { field, operator, value }: FieldCondition): RawBuilder<unknown> {
  const { value: target, type: typeName } = operandOf(product, field);
  const type = sql.raw(typeName);
  if (operator === '$in') return sql`${target} = any(${value}::${type}[])`;
  if (operator === '$nin') return sql`coalesce(not (${target} = any(${value}::${type}[])), true)`;
  if (value === null) return operator === '$eq' ? sql`${target} is null` : sql`${target} is not null`;
  return sql`${target} ${sql.raw(comparison[operator])} ${value}::${type}`;
}

/** The conditions of a list: live records, or (`removed`) those removed since they were stored. */
function whereClauses(product: Product, f: RecordFilters, removed = false): RawBuilder<unknown>[] {
  const where: RawBuilder<unknown>[] = [
    sql`r.client_id = ${f.clientId}`,
    removed ? sql`r.removed_at is not null` : sql`r.removed_at is null`,
  ];
  if (f.id !== undefined) where.push(sql`r.id = ${f.id}`);
  if (f.connectionIds !== undefined)
    where.push(
      f.connectionIds.length === 1
        ? sql`r.connection_id = ${f.connectionIds[0]}`
        : sql`r.connection_id = any(${[...f.connectionIds]}::text[])`,
    );
  if (f.parentId !== undefined) where.push(sql`r.parent_id = ${f.parentId}`);
  if (f.updatedSince !== undefined) where.push(sql`r.updated_at >= ${f.updatedSince}::timestamptz`);
  for (const condition of f.conditions ?? []) where.push(conditionSql(product, condition));
  if (!isMovement(product)) return where;
  if (f.operationDateFrom !== undefined) where.push(sql`r.operation_date >= ${f.operationDateFrom}::date`);
  if (f.operationDateTo !== undefined) where.push(sql`r.operation_date <= ${f.operationDateTo}::date`);
  if (f.valueDateFrom !== undefined) where.push(sql`r.value_date >= ${f.valueDateFrom}::date`);
  if (f.valueDateTo !== undefined) where.push(sql`r.value_date <= ${f.valueDateTo}::date`);
  const money = movementFields[product]!;
  if (f.amountMin !== undefined) where.push(sql`${sql.ref(`r.${money.amount}`)} >= ${f.amountMin}`);
  if (f.amountMax !== undefined) where.push(sql`${sql.ref(`r.${money.amount}`)} <= ${f.amountMax}`);
  if (f.currency !== undefined) where.push(sql`${sql.ref(`r.${money.currency}`)} = ${f.currency}`);
  if (f.pending !== undefined) where.push(sql`r.pending = ${f.pending}`);
  if (f.category !== undefined)
    where.push(
      'category' in productCatalog[product].fields
        ? sql`(r.category = ${f.category} or r.subcategory = ${f.category})`
        : sql`false`,
    );
  if (f.q !== undefined) {
    const pattern = `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(sql`concat_ws(' ', ${sql.join(searchedText(product))}) ilike ${pattern}`);
  }
  return where;
}

/** The text columns `q=` searches: those of the movement product among these. */
const searchedText = (product: Product) =>
  ['description', 'counterparty', 'shop', 'merchant_name']
    .filter((name) => name in productCatalog[product].fields)
    .map((name) => sql.ref(`r.${name}`));

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
 * Whether a movement list spans connections with no narrower index to read it by. Movement tables
 * have no client-wide index (migration 0010: it cost every insert more than it saved), so such a
 * list merges the newest rows of each connection, each read on its own index.
 */
const mergesConnections = (product: Product, f: RecordFilters) =>
  isMovement(product) && f.id === undefined && f.parentId === undefined && f.connectionIds?.length !== 1;

/** The query of one page of a product's records (`pageSize + 1` rows, in list order). */
function pageQuery(
  product: Product,
  filters: RecordFilters,
  request: RecordPageRequest,
): RawBuilder<RecordColumns & { k1: string }> {
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
  const offset = request.page !== undefined ? (request.page - 1) * request.pageSize : 0;
  const limit = request.pageSize + 1;
  const columns = sql`${movement ? sql`r.operation_date::text` : sql`r.id`} as k1, ${recordColumns(request.includeRaw)}`;
  return mergesConnections(product, filters)
    ? sql`
        select ${sql.raw(request.includeRaw ? 'm.k1, m.id, m.connection_id, m.api_tail, m.raw' : 'm.k1, m.id, m.connection_id, m.api_tail')}
        from ${connectionsOf(filters)} cross join lateral (
          select r.operation_date, ${columns} from ${table} r
          where r.connection_id = c.id and ${sql.join(where, sql` and `)}
          order by r.operation_date desc, r.id desc
          limit ${offset + limit}) m
        order by m.operation_date desc, m.id desc
        limit ${limit} offset ${offset}`
    : sql`
        select ${columns} from ${table} r
        where ${sql.join(where, sql` and `)}
        order by ${movement ? sql`r.operation_date desc, r.id desc` : sql`r.id`}
        limit ${limit} offset ${offset}`;
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
  const rows = await pageQuery(product, filters, request).execute(db);
  const external = await externalIdsOf(
    db,
    filters.clientId,
    rows.rows.map((row) => row.connection_id),
    externalIds,
  );
  const movement = isMovement(product);
  return rows.rows.map((row) => ({
    key: movement ? [row.k1, row.id] : [row.k1],
    json: renderRecord(row, external.get(row.connection_id) ?? null),
  }));
}

const SEPARATOR = '\u001e';

/** A page of records as the API lists them: their texts joined, and where the next page starts. */
export interface RecordPage {
  /** The records' JSON texts, comma-separated (the inside of the page's `data` array). */
  json: string;
  hasMore: boolean;
  /** The sort key of the page's last record (the next page's cursor) when more follow. */
  nextKey: unknown[] | null;
}

/**
 * One page of a product's records as listed. On PostgreSQL the rows come back one by one and
 * are joined here; on embedded PGlite the page is joined inside the database and comes back as one
 * text, since there decoding a hundred result rows in PGlite's JavaScript protocol parser cost more
 * than the query itself (performance-analysis §5.2: 2.35× the per-row route, against 0.84× on
 * PostgreSQL, where the server's work grows instead). The page is aggregated as two texts (the
 * rows' keys and ids, their served texts) and rendered here, as renderRecord renders a row.
 */
export async function listRecordPage(
  db: Kysely<Schema>,
  product: Product,
  filters: RecordFilters,
  request: RecordPageRequest,
  externalIds?: ExternalIds,
): Promise<RecordPage> {
  const movement = isMovement(product);
  if (!isEmbedded(db)) {
    const rows = await listRecords(db, product, filters, request, externalIds);
    const page = rows.slice(0, request.pageSize);
    const hasMore = rows.length > request.pageSize;
    return {
      json: page.map((row) => row.json).join(','),
      hasMore,
      nextKey: hasMore ? page.at(-1)!.key : null,
    };
  }
  // Each column's values joined by a character JSON text never holds unescaped (JSON.stringify
  // writes U+001E as \u001e), in list order; ids never hold a space or a comma.
  const order = movement ? sql`q.k1 desc, q.id desc` : sql`q.id`;
  const raws = request.includeRaw
    ? sql`, string_agg(coalesce(q.raw, 'null'), ${SEPARATOR} order by ${order}) as raws`
    : sql``;
  const result = await sql<{ heads: string | null; tails: string; raws?: string }>`
    select string_agg(q.k1 || ' ' || q.id || ' ' || q.connection_id, ',' order by ${order}) as heads,
      string_agg(q.api_tail, ${SEPARATOR} order by ${order}) as tails ${raws}
    from (${pageQuery(product, filters, request)}) q`.execute(db);
  const { heads, tails, raws: rawTexts } = result.rows[0]!;
  if (heads === null) return { json: '', hasMore: false, nextKey: null };
  const rows = heads.split(',').map((head) => head.split(' ') as [string, string, string]);
  const tailTexts = tails.split(SEPARATOR);
  const rawList = rawTexts?.split(SEPARATOR);
  const external = await externalIdsOf(
    db,
    filters.clientId,
    rows.map((row) => row[2]),
    externalIds,
  );
  const count = Math.min(rows.length, request.pageSize);
  let json = '';
  for (let i = 0; i < count; i++) {
    const [, id, connectionId] = rows[i]!;
    const row: RecordColumns = { id, connection_id: connectionId, api_tail: tailTexts[i]! };
    if (rawList) row.raw = rawList[i]!;
    json += `${i > 0 ? ',' : ''}${renderRecord(row, external.get(connectionId) ?? null)}`;
  }
  const hasMore = rows.length > request.pageSize;
  const last = rows[count - 1]!;
  return { json, hasMore, nextKey: hasMore ? (movement ? [last[0], last[1]] : [last[0]]) : null };
}

/** The connections a merged list reads (`c.id`): those named, or every one of the client. */
const connectionsOf = (f: RecordFilters) =>
  f.connectionIds !== undefined
    ? sql`unnest(${[...f.connectionIds]}::text[]) as c(id)`
    : sql`(select id from connections where client_id = ${f.clientId}) c`;

/**
 * A product's removed records (pending movements that vanished, say) matching the filters, each
 * rendered as it was last served and with when it was removed: the most recently removed first,
 * at most `limit`. Removed rows are few and read rarely (SPEC gap G26: Powens' `deleted`): this
 * is a plain query, not the list's page path.
 */
export async function listRemovedRecords(
  db: Kysely<Schema>,
  product: Product,
  filters: RecordFilters,
  limit: number,
): Promise<Array<{ json: string; removedAt: string }>> {
  const where = whereClauses(product, filters, true);
  const { rows } = await sql<RecordColumns & { external_id: string | null; removed_at: Date | string }>`
    select ${recordColumns(false)}, c.external_id, r.removed_at
    from ${sql.table(productTable[product])} r join connections c on c.id = r.connection_id
    where ${sql.join(where, sql` and `)}
    order by r.removed_at desc, r.id desc
    limit ${limit}`.execute(db);
  return rows.map((row) => ({
    json: renderRecord(row, row.external_id),
    removedAt: new Date(row.removed_at).toISOString(),
  }));
}

export async function countRecords(
  db: Kysely<Schema>,
  product: Product,
  filters: RecordFilters,
): Promise<number> {
  const where = whereClauses(product, filters);
  // Read through each connection's index, as the merged list does.
  if (mergesConnections(product, filters) && filters.connectionIds === undefined)
    where.push(sql`r.connection_id in (select id from connections where client_id = ${filters.clientId})`);
  const result = await sql<{ n: string | number }>`
    select count(*) as n from ${sql.table(productTable[product])} r
    where ${sql.join(where, sql` and `)}`.execute(db);
  return Number(result.rows[0]!.n);
}

/** One record of a connection, rendered, with what "all data" groups it by. */
export interface ConnectionRecord {
  id: string;
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
    // Movements are grouped by their parent only; the others keep their document in `data`.
    const result = await sql<RecordColumns & { type: string | null; product_id: string | null; k: string }>`
      select ${movement ? sql`null as type, null as product_id, r.operation_date::text` : sql`r.data->>'type' as type, r.data->>'product_id' as product_id, ''`} as k,
        ${recordColumns(false)}
      from ${sql.table(productTable[product])} r
      where ${sql.join(where, sql` and `)}
      order by ${movement ? sql`r.operation_date desc, r.id desc` : sql`r.id`}
      limit ${options.batchSize}`.execute(db);
    const rows = result.rows;
    if (rows.length > 0)
      yield rows.map((row) => ({
        id: row.id,
        type: row.type,
        product_id: row.product_id,
        json: renderRecord(row, connection.external_id),
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
