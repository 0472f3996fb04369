// The data API: GET /v1/<product> (filters, keyset or page paging, count, include=raw),
// POST /v1/<product>/search (the same with Flanks' query object) and GET /v1/<product>/{id} for
// every product, all scoped to the calling client. Pages are rendered as
// JSON by the database (store/product-queries.ts) and sent as they come; the list use cases are
// services/data-lists.ts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import { type Product, products } from '../../domain/products.ts';
import { authOf } from '../../http/auth.ts';
import { sendJsonStream, sendJsonText } from '../../http/json-text.ts';
import { allData } from '../../services/all-data.ts';
import { listProduct, searchProduct } from '../../services/data-lists.ts';
import { getProductRecord, SettledConnections } from '../../services/data-reads.ts';
import { syncTransactions } from '../../services/transactions-sync.ts';
import type { Schema } from '../../store/schema.ts';
import { problemResponses } from '../common.schemas.ts';
import {
  AllDataParams,
  AllDataResponse,
  GetRecordQuery,
  listQuery,
  listResponse,
  productLabels,
  productPaths,
  recordParams,
  recordSchema,
  SyncQuery,
  searchBody,
  searchDescription,
  syncResponse,
} from './data.schemas.ts';

const pendingRef = Type.Unsafe({ $ref: 'Problem#' });

/** What a product's list answers, read by GET or by search: a page, or the readiness problems. */
const listAnswers = (product: Product) => ({
  200: listResponse(product),
  202: pendingRef,
  ...problemResponses(400, 401, 403, 404, 409, 424),
});

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
        params: AllDataParams,
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
      return sendJsonStream(reply, pieces);
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
          response: listAnswers(product),
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
          params: recordParams(product),
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
    app.post(
      `${path}/search`,
      {
        config: { scopes: ['data:read'] },
        schema: {
          tags: ['Data'],
          summary: `Search ${productLabels[product]} with a query object`,
          description: searchDescription(product),
          body: searchBody(product),
          response: listAnswers(product),
        },
      },
      async (request, reply) =>
        sendJsonText(
          reply,
          await searchProduct(db, product, authOf(request).client.id, request.body, settled),
        ),
    );
  }
};
