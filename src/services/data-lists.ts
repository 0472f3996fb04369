// Use cases of the data API's lists: GET /v1/<product> and POST /v1/<product>/search. A list
// query (filters and paging, as the API names them) becomes the store's record filters, the
// readiness rule is checked for the connections it names, and one page is read as JSON text
// (services/data-reads.ts).
import type { Kysely } from 'kysely';
import { AppError } from '../domain/errors.ts';
import { type Product, parentField } from '../domain/products.ts';
import { type FieldCondition, parseSearchQuery, SearchQueryError } from '../domain/search-query.ts';
import { listRemovedRecords, type RecordFilters } from '../store/product-queries.ts';
import type { Schema } from '../store/schema.ts';
import { assertProductReady, listProductPage, type SettledConnections } from './data-reads.ts';

/**
 * A list query: which records (every filter optional; a product takes those that apply to it) and
 * which page. The parent's id is under the parent's field name (`account_id`, `card_id`, …).
 */
export interface ProductListQuery {
  readonly [parentField: string]: unknown;
  connection_id?: string | undefined;
  external_id?: string | undefined;
  operation_date_from?: string | undefined;
  operation_date_to?: string | undefined;
  value_date_from?: string | undefined;
  value_date_to?: string | undefined;
  amount_min?: number | undefined;
  amount_max?: number | undefined;
  currency?: string | undefined;
  pending?: boolean | undefined;
  category?: string | undefined;
  q?: string | undefined;
  updated_since?: string | undefined;
  include?: 'raw' | undefined;
  count: boolean;
  allow_partial: boolean;
  page_size: number;
  cursor?: string | undefined;
  page?: number | undefined;
}

/** A search: a product's list query plus Flanks' query object (domain/search-query.ts). */
export interface ProductSearch extends ProductListQuery {
  query?: Record<string, unknown> | undefined;
}

/** The search of cash transactions (POST /v1/transactions/search). */
export type TransactionSearch = ProductSearch;

/** The filters of a list query, once the connections it names are known. */
export function filtersOf(
  product: Product,
  clientId: string,
  query: ProductListQuery,
  connectionIds: readonly string[] | undefined,
): RecordFilters {
  const filters: RecordFilters = { clientId };
  if (connectionIds) filters.connectionIds = connectionIds;
  const parent = parentField[product];
  const parentId = parent === undefined ? undefined : query[parent];
  if (typeof parentId === 'string') filters.parentId = parentId;
  if (query.operation_date_from !== undefined) filters.operationDateFrom = query.operation_date_from;
  if (query.operation_date_to !== undefined) filters.operationDateTo = query.operation_date_to;
  if (query.value_date_from !== undefined) filters.valueDateFrom = query.value_date_from;
  if (query.value_date_to !== undefined) filters.valueDateTo = query.value_date_to;
  if (query.amount_min !== undefined) filters.amountMin = query.amount_min;
  if (query.amount_max !== undefined) filters.amountMax = query.amount_max;
  if (query.currency !== undefined) filters.currency = query.currency;
  if (query.pending !== undefined) filters.pending = query.pending;
  if (query.category !== undefined) filters.category = query.category;
  if (query.q !== undefined) filters.q = query.q;
  if (query.updated_since !== undefined) filters.updatedSince = query.updated_since;
  return filters;
}

/**
 * Lists a product for a validated query: readiness first (OPERATION_PENDING, PRODUCT_EXTRACTION_FAILED
 * unless `allow_partial`), then one page as JSON text.
 */
export async function listProduct(
  db: Kysely<Schema>,
  product: Product,
  clientId: string,
  query: ProductListQuery,
  scopes: SettledConnections,
  conditions?: readonly FieldCondition[],
): Promise<string> {
  const connections = await scopes.inScope(db, clientId, {
    connectionId: query.connection_id,
    externalId: query.external_id,
  });
  if (connections && !query.allow_partial) await assertProductReady(db, connections, product);
  return listProductPage(
    db,
    product,
    {
      ...filtersOf(
        product,
        clientId,
        query,
        connections?.map((c) => c.id),
      ),
      ...(conditions ? { conditions } : {}),
    },
    {
      pageSize: query.page_size,
      cursor: query.cursor,
      page: query.page,
      includeRaw: query.include === 'raw',
      count: query.count,
    },
    connections,
  );
}

/**
 * The records of a product removed since they were stored (pending movements that vanished), with
 * when each was removed, scoped and filtered as listProduct is (SPEC gap G26: Powens' `deleted`
 * and `all`). The most recently removed first, at most `limit`.
 */
export async function listRemovedProduct(
  db: Kysely<Schema>,
  product: Product,
  clientId: string,
  /** listProduct's filters (paging and readiness do not apply). */
  query: Partial<ProductListQuery> & { connection_id?: string; external_id?: string },
  scopes: SettledConnections,
  limit: number,
): Promise<Array<{ record: Record<string, unknown>; removedAt: string }>> {
  const connections = await scopes.inScope(db, clientId, {
    connectionId: query.connection_id,
    externalId: query.external_id,
  });
  const filters = filtersOf(
    product,
    clientId,
    query as ProductListQuery,
    connections?.map((c) => c.id),
  );
  const rows = await listRemovedRecords(db, product, filters, limit);
  return rows.map((row) => ({ record: JSON.parse(row.json), removedAt: row.removedAt }));
}

/** The conditions of a product's query object; a bad one is VALIDATION_FAILED pointing into the body. */
function conditionsOf(product: Product, query: Record<string, unknown>): FieldCondition[] {
  try {
    return parseSearchQuery(product, query);
  } catch (error) {
    if (!(error instanceof SearchQueryError)) throw error;
    throw new AppError('VALIDATION_FAILED', 'The query object is not valid.', {
      fields: [{ in: 'body', path: error.path, detail: error.message }],
    });
  }
}

/**
 * Lists the records of a product a search matches: its query object must hold for each, as well as
 * the list filters. The query is checked before anything is read, so a bad one changes nothing and
 * names no connection.
 */
export async function searchProduct(
  db: Kysely<Schema>,
  product: Product,
  clientId: string,
  search: ProductSearch,
  scopes: SettledConnections,
): Promise<string> {
  const { query, ...filters } = search;
  return listProduct(db, product, clientId, filters, scopes, conditionsOf(product, query ?? {}));
}

/** Lists the cash transactions a search matches (searchProduct). */
export const searchTransactions = (
  db: Kysely<Schema>,
  clientId: string,
  search: TransactionSearch,
  scopes: SettledConnections,
): Promise<string> => searchProduct(db, 'transactions', clientId, search, scopes);
