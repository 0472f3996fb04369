// The data API: GET /v1/<product> (filters, keyset or page paging, count, include=raw) and
// GET /v1/<product>/{id} for every product, all scoped to the calling client. Pages are rendered as
// JSON by the database (store/product-queries.ts) and sent as they come; the list use cases are
// services/data-lists.ts.
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import { products } from '../../domain/products.ts';
import { authOf } from '../../http/auth.ts';
import { allData } from '../../services/all-data.ts';
import { listProduct, searchTransactions } from '../../services/data-lists.ts';
import { getProductRecord, SettledConnections } from '../../services/data-reads.ts';
import { syncTransactions } from '../../services/transactions-sync.ts';
import type { Schema } from '../../store/schema.ts';
import { problemResponses } from '../common.schemas.ts';
import {
  AllDataResponse,
  GetRecordQuery,
  listQuery,
  listResponse,
  productLabels,
  productPaths,
  RecordParams,
  recordSchema,
  SyncQuery,
  searchBody,
  syncResponse,
} from './data.schemas.ts';

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

/** Sends JSON text produced elsewhere as it is (the route schema documents its shape). */
export function sendJsonText(reply: FastifyReply, text: string, status = 200): FastifyReply {
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .serializer((payload) => payload as string)
    .send(text);
}

const pendingRef = Type.Unsafe({ $ref: 'Problem#' });

export const dataRoutes: FastifyPluginAsyncTypebox<{
  db: Kysely<Schema>;
  allDataMaxRecords?: number | undefined;
}> = async (app, deps) => {
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
        querystring: SyncQuery,
        response: {
          200: syncResponse(),
          202: pendingRef,
          ...problemResponses(400, 401, 403, 404, 409, 424),
        },
      },
    },
    async (request, reply) => {
      const { query } = request;
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
        params: RecordParams,
        response: {
          200: AllDataResponse,
          ...problemResponses(400, 401, 403, 404, 422),
        },
      },
    },
    async (request, reply) => {
      const pieces = await allData(db, authOf(request).client.id, request.params.id, {
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
          202: pendingRef,
          ...problemResponses(400, 401, 403, 404, 424),
        },
      },
    },
    async (request, reply) =>
      sendJsonText(reply, await searchTransactions(db, authOf(request).client.id, request.body, settled)),
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
            202: pendingRef,
            ...problemResponses(400, 401, 403, 404, 424),
          },
        },
      },
      async (request, reply) =>
        sendJsonText(
          reply,
          await listProduct(db, product, authOf(request).client.id, request.query, settled),
        ),
    );
    app.get(
      `${path}/:id`,
      {
        config: { scopes: ['data:read'] },
        schema: {
          tags: ['Data'],
          summary: `Get one of the ${productLabels[product]}`,
          params: RecordParams,
          querystring: GetRecordQuery,
          response: { 200: recordSchema(product), ...problemResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) =>
        sendJsonText(
          reply,
          await getProductRecord(
            db,
            product,
            authOf(request).client.id,
            request.params.id,
            request.query.include === 'raw',
          ),
        ),
    );
  }
};
