// The data API: GET /v1/<product> (filters, keyset or page paging, count, include=raw),
// POST /v1/<product>/search (the same with Flanks' query object) and GET /v1/<product>/{id} for
// every product, all scoped to the calling client. Pages are rendered as
// JSON by the database (store/product-queries.ts) and sent as they come; the list use cases are
// services/data-lists.ts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { type Product, products } from '../../domain/products.ts';
import { authOf } from '../../http/auth.ts';
import { sendJsonStream, sendJsonText } from '../../http/json-text.ts';
import { allData } from '../../services/all-data.ts';
import { listProduct, searchProduct } from '../../services/data-lists.ts';
import { getProductRecord, SettledConnections } from '../../services/data-reads.ts';
import { syncTransactions } from '../../services/transactions-sync.ts';
import type { Schema } from '../../store/schema.ts';
import { Ref, registerSchemas } from '../common.schemas.ts';
import { recordExamples } from '../openapi/record-examples.ts';
import {
  answer,
  type Codes,
  jsonBody,
  pathId,
  problems,
  query,
  readiness,
  withScopes,
} from '../responses.ts';
import {
  AllDataParams,
  ConnectionDataSchema,
  GetRecordQuery,
  listQuery,
  listResponse,
  productLabels,
  productNames,
  productPaths,
  RemovedTransactionSchema,
  recordParams,
  recordRef,
  recordSchemas,
  SyncQuery,
  searchBody,
  searchDescription,
  TransactionsSyncSchema,
} from './data.schemas.ts';

/** The connection a read is scoped to (`connection_id`), when it is not the caller's. */
const noConnection = { NOT_FOUND: 'No connection con_3zuaj5q6r7wley95.' };

/**
 * What a product's list answers, read by GET or by search: a page, or the readiness problems
 * (202 OPERATION_PENDING while the first extraction of the product runs).
 */
const listAnswers = (product: Product, ...input: Codes[]) => ({
  200: answer(listResponse(product), `A page of ${productLabels[product]}.`),
  ...problems(withScopes, readiness, noConnection, ...input),
});

export const dataRoutes: FastifyPluginAsyncTypebox<{
  db: Kysely<Schema>;
  allDataMaxRecords?: number | undefined;
}> = async (app, deps) => {
  const { db } = deps;
  const settled = new SettledConnections();
  const searchBodies = products.map(searchBody);
  registerSchemas(app, [
    ...Object.values(recordSchemas),
    RemovedTransactionSchema,
    TransactionsSyncSchema,
    ConnectionDataSchema,
    ...searchBodies,
  ]);
  app.get(
    '/v1/transactions/sync',
    {
      config: { scopes: ['data:read'] },
      schema: {
        tags: ['Data'],
        operationId: 'syncTransactions',
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
          200: answer(Ref(TransactionsSyncSchema), 'What changed after `cursor`, in change order.'),
          ...problems(withScopes, query, readiness, noConnection, 'SYNC_MUTATION_DURING_PAGINATION', {
            VALIDATION_FAILED: 'The cursor is not a cursor returned by this feed.',
          }),
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
        operationId: 'getConnectionData',
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
          200: answer(Ref(ConnectionDataSchema), 'Every record of the connection, grouped.'),
          ...problems(withScopes, pathId, noConnection, 'RESULT_TOO_LARGE'),
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
  for (const [index, product] of products.entries()) {
    const path = `/v1/${productPaths[product]}`;
    const { one, many } = productNames[product];
    app.get(
      path,
      {
        config: { scopes: ['data:read'] },
        schema: {
          tags: ['Data'],
          operationId: `list${many}`,
          summary: `List ${productLabels[product]}`,
          description:
            `${product.endsWith('transactions') ? 'Newest first (operation date, then id).' : 'By id.'} ` +
            'Keyset pagination with `cursor`; `page` is accepted too. While the first extraction of this ' +
            'product runs for a connection named by `connection_id` or `external_id`, the answer is ' +
            '`202 OPERATION_PENDING` (unless `allow_partial=true`).',
          querystring: listQuery(product),
          response: listAnswers(product, query),
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
          operationId: `get${one}`,
          summary: `Get one of the ${productLabels[product]}`,
          params: recordParams(product),
          querystring: GetRecordQuery,
          response: {
            200: answer(recordRef(product), `The record, with its source record under \`raw\` if asked.`),
            ...problems(withScopes, pathId, query, {
              NOT_FOUND: `No ${product} record ${String(recordExamples[product].id)}.`,
            }),
          },
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
          operationId: `search${many}`,
          summary: `Search ${productLabels[product]} with a query object`,
          description: searchDescription(product),
          body: Ref(searchBodies[index]!),
          response: listAnswers(product, jsonBody, {
            VALIDATION_FAILED: {
              detail: 'The query object is not valid.',
              fields: [
                {
                  in: 'body',
                  path: ['query', 'id', '$like'],
                  detail: 'unknown operator $like; use one of $eq, $ne, $gt, $gte, $lt, $lte, $in, $nin',
                },
              ],
            },
          }),
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
