// The data API: GET /v1/<product> (filters, keyset or page paging, count, include=raw) and
// GET /v1/<product>/{id} for every product, all scoped to the calling client. Pages are rendered as
// JSON by the database (store/product-queries.ts) and sent as they come.
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import { AppError } from '../../domain/errors.ts';
import { type Product, parentField, products } from '../../domain/products.ts';
import { type FieldCondition, parseSearchQuery, SearchQueryError } from '../../domain/search-query.ts';
import { authOf } from '../../http/auth.ts';
import { allData } from '../../services/all-data.ts';
import {
  assertProductReady,
  getProductRecord,
  listProductPage,
  SettledConnections,
} from '../../services/data-reads.ts';
import { syncTransactions } from '../../services/transactions-sync.ts';
import type { RecordFilters } from '../../store/product-queries.ts';
import type { Schema } from '../../store/schema.ts';
import { problemResponses, StringEnum } from '../common.schemas.ts';
import {
  listQuery,
  listResponse,
  productLabels,
  productPaths,
  recordSchema,
  searchBody,
} from './data.schemas.ts';

export interface ListQuery {
  connection_id?: string;
  external_id?: string;
  operation_date_from?: string;
  operation_date_to?: string;
  value_date_from?: string;
  value_date_to?: string;
  amount_min?: number;
  amount_max?: number;
  currency?: string;
  pending?: boolean;
  category?: string;
  q?: string;
  updated_since?: string;
  include?: 'raw';
  count: boolean;
  allow_partial: boolean;
  page_size: number;
  cursor?: string;
  page?: number;
  [parent: string]: unknown;
}

/** Sends JSON text produced elsewhere as it is (the route schema documents its shape). */
/** Joins small pieces of text into chunks of about 64 KB, so a stream is not a write per piece. */
async function* inChunks(pieces: AsyncIterable<string>): AsyncGenerator<string> {
  let chunk = '';
  for await (const piece of pieces) {
    chunk += piece;
    if (chunk.length >= 65_536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

export function sendJsonText(reply: FastifyReply, text: string, status = 200): FastifyReply {
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .serializer((payload) => payload as string)
    .send(text);
}

/** The filters of a list query, once the connections it names are known. */
export function filtersOf(
  product: Product,
  clientId: string,
  query: ListQuery,
  connectionIds: readonly string[] | undefined,
): RecordFilters {
  const parent = parentField[product];
  const defined = <T>(value: T | undefined) => value !== undefined;
  const filters: RecordFilters = { clientId };
  if (connectionIds) filters.connectionIds = connectionIds;
  if (parent && defined(query[parent])) filters.parentId = query[parent] as string;
  if (defined(query.operation_date_from)) filters.operationDateFrom = query.operation_date_from!;
  if (defined(query.operation_date_to)) filters.operationDateTo = query.operation_date_to!;
  if (defined(query.value_date_from)) filters.valueDateFrom = query.value_date_from!;
  if (defined(query.value_date_to)) filters.valueDateTo = query.value_date_to!;
  if (defined(query.amount_min)) filters.amountMin = query.amount_min!;
  if (defined(query.amount_max)) filters.amountMax = query.amount_max!;
  if (defined(query.currency)) filters.currency = query.currency!;
  if (defined(query.pending)) filters.pending = query.pending!;
  if (defined(query.category)) filters.category = query.category!;
  if (defined(query.q)) filters.q = query.q!;
  if (defined(query.updated_since)) filters.updatedSince = query.updated_since!;
  return filters;
}

/** Lists a product for a validated query: readiness first, then one page. */
export async function listProduct(
  db: Kysely<Schema>,
  product: Product,
  clientId: string,
  query: ListQuery,
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

export function registerDataRoutes(
  app: FastifyInstance,
  deps: { db: Kysely<Schema>; allDataMaxRecords?: number | undefined },
): void {
  const { db } = deps;
  const settled = new SettledConnections();
  app.get(
    '/v1/transactions/sync',
    {
      config: { scopes: ['data:read'] },
      schema: {
        tags: ['Data'],
        summary: 'Incremental feed of a connection’s transactions',
        description:
          "Plaid's /transactions/sync semantics: call without `cursor` to get everything stored so far as " +
          '`added`, then with the last `next_cursor` to get what was added, modified or removed since, in ' +
          'change order, while `has_more` is true. A pending transaction that posts appears as removed ' +
          '(the pending id) and added (the posted one, with `pending_transaction_id`). If the data changes ' +
          'between two pages of one loop, the answer is `409 SYNC_MUTATION_DURING_PAGINATION` with ' +
          '`restart_cursor`.',
        querystring: Type.Object(
          {
            connection_id: Type.String({ maxLength: 64 }),
            cursor: Type.Optional(Type.String({ maxLength: 512 })),
            count: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            added: Type.Array(recordSchema('transactions')),
            modified: Type.Array(recordSchema('transactions')),
            removed: Type.Array(
              Type.Object({
                transaction_id: Type.String(),
                account_id: Type.Union([Type.String(), Type.Null()]),
              }),
            ),
            next_cursor: Type.String(),
            has_more: Type.Boolean(),
          }),
          202: Type.Unsafe({ $ref: 'Problem#' }),
          ...problemResponses(400, 401, 403, 404, 409, 424),
        },
      },
    },
    async (request, reply) => {
      const query = request.query as { connection_id: string; cursor?: string; count: number };
      return sendJsonText(
        reply,
        await syncTransactions(db, authOf(request).client.id, {
          connectionId: query.connection_id,
          cursor: query.cursor,
          count: query.count,
        }),
      );
    },
  );
  app.get(
    '/v1/connections/:id/all',
    {
      config: { scopes: ['data:read'] },
      schema: {
        tags: ['Data'],
        summary: 'Everything extracted for a connection, grouped',
        description:
          'Flanks\' "ALL DATA": accounts, cards and liabilities with their transactions and holders, ' +
          'portfolios with holders, investments grouped by type (funds, stocks, etfs, fixed_income, ' +
          'pension_plans, …) each with its transactions, identity and MiFID answers, plus ' +
          '`product_status`, which tells an empty list from one still being extracted or failed. ' +
          'Streamed as it is read. A connection of more than 100,000 records answers 422 RESULT_TOO_LARGE: ' +
          'read it with the paged lists.',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: {
          200: Type.Object({}, { additionalProperties: true }),
          ...problemResponses(400, 401, 403, 404, 422),
        },
      },
    },
    async (request, reply) => {
      const pieces = await allData(db, authOf(request).client.id, (request.params as { id: string }).id, {
        maxRecords: deps.allDataMaxRecords,
      });
      return reply.type('application/json; charset=utf-8').send(Readable.from(inChunks(pieces)));
    },
  );
  app.post(
    '/v1/transactions/search',
    {
      config: { scopes: ['data:read'] },
      schema: {
        tags: ['Data'],
        summary: 'Search cash transactions with a query object',
        description:
          "For clients that prefer Flanks' query object to query-string filters: the body takes the " +
          'same filters and paging as `GET /v1/transactions`, plus `query`, a MongoDB-style object ' +
          '(`{"operationDate": {"$gte": "2025-01-01"}, "amount": {"$lt": 0}, "category": {"$in": ' +
          '["food", "transport"]}}`) with $eq, $ne, $gt, $gte, $lt, $lte, $in and $nin on the seed’s or ' +
          'the native field names (docs/search.md). Unknown fields or operators are a 400, never ignored.',
        body: searchBody(),
        response: {
          200: listResponse('transactions'),
          202: Type.Unsafe({ $ref: 'Problem#' }),
          ...problemResponses(400, 401, 403, 404, 424),
        },
      },
    },
    async (request, reply) => {
      const { query: queryObject, ...filters } = request.body as ListQuery & {
        query?: Record<string, unknown>;
      };
      let conditions: FieldCondition[] = [];
      try {
        conditions = parseSearchQuery(queryObject ?? {});
      } catch (error) {
        if (!(error instanceof SearchQueryError)) throw error;
        throw new AppError('VALIDATION_FAILED', 'The query object is not valid.', {
          fields: [{ in: 'body', path: error.path, detail: error.message }],
        });
      }
      return sendJsonText(
        reply,
        await listProduct(db, 'transactions', authOf(request).client.id, filters, settled, conditions),
      );
    },
  );
  for (const product of products) {
    const path = `/v1/${productPaths[product]}`;
    app.get(
      path,
      {
        config: { scopes: ['data:read'] },
        schema: {
          tags: ['Data'],
          summary: `List ${productLabels[product]}`,
          description:
            `${product.endsWith('transactions') ? 'Newest first (operation date, then id).' : 'By id.'} ` +
            'Keyset pagination with `cursor`; `page` is accepted too. While the first extraction of this ' +
            'product runs for a connection named by `connection_id` or `external_id`, the answer is ' +
            '`202 OPERATION_PENDING` (unless `allow_partial=true`).',
          querystring: listQuery(product),
          response: {
            200: listResponse(product),
            202: Type.Unsafe({ $ref: 'Problem#' }),
            ...problemResponses(400, 401, 403, 404, 424),
          },
        },
      },
      async (request, reply) =>
        sendJsonText(
          reply,
          await listProduct(db, product, authOf(request).client.id, request.query as ListQuery, settled),
        ),
    );
    app.get(
      `${path}/:id`,
      {
        config: { scopes: ['data:read'] },
        schema: {
          tags: ['Data'],
          summary: `Get one of the ${productLabels[product]}`,
          params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
          querystring: Type.Object(
            { include: Type.Optional(StringEnum(['raw'])) },
            { additionalProperties: false },
          ),
          response: { 200: recordSchema(product), ...problemResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        const { id } = request.params as { id: string };
        const { include } = request.query as { include?: 'raw' };
        return sendJsonText(
          reply,
          await getProductRecord(db, product, authOf(request).client.id, id, include === 'raw'),
        );
      },
    );
  }
}
