// Manual transactions: a client adds movements to an existing account and removes them again
// (services/manual-transactions.ts). They are served by GET /v1/transactions like any other.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { authOf } from '../../http/auth.ts';
import { withIdempotency } from '../../http/idempotency.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import { addManualTransactions, removeManualTransaction } from '../../services/manual-transactions.ts';
import { IdempotencyHeaders, Ref, registerSchemas } from '../common.schemas.ts';
import { recordSchemas } from '../data/data.schemas.ts';
import {
  answer,
  anyBody,
  idempotent,
  invalidField,
  jsonBody,
  pathId,
  problems,
  withScopes,
} from '../responses.ts';
import {
  AccountParams,
  ManualTransactionInput,
  ManualTransactionsRequest,
  ManualTransactionsResponse,
  TransactionParams,
} from './manual-transactions.schemas.ts';

/** Writing the client's own data into the store, as statement imports do. */
const writeScope = { scopes: ['imports:write' as const] };

export const manualTransactionRoutes: FastifyPluginAsyncTypebox<{ engine: ServiceDeps }> = async (
  app,
  deps,
) => {
  const { engine } = deps;
  registerSchemas(app, [recordSchemas.transactions, ManualTransactionInput, ManualTransactionsRequest]);
  app.post(
    '/v1/accounts/:id/transactions',
    {
      config: writeScope,
      schema: {
        tags: ['Data'],
        operationId: 'createManualTransactions',
        summary: 'Add manual transactions to an account',
        description:
          'Up to 1,000 movements you enter yourself, added to an account of any connection and served by ' +
          '`GET /v1/transactions` with `"manual": true`. Idempotent by `external_id`: the same one again ' +
          'updates (or returns unchanged) the same transaction. Refreshes keep them. All or nothing: one bad ' +
          'movement and none is stored. `Idempotency-Key` replays the first answer.',
        params: AccountParams,
        body: Ref(ManualTransactionsRequest),
        headers: IdempotencyHeaders,
        response: {
          201: answer(ManualTransactionsResponse, 'The transactions stored, in the order sent.'),
          ...problems(withScopes, pathId, jsonBody, idempotent, {
            NOT_FOUND: 'No accounts record acc_biztf7ol7ytaprqdnjvi.',
            VALIDATION_FAILED: invalidField(
              'body',
              ['transactions', 0, 'category'],
              'must be a category or subcategory of the taxonomy (docs/data.md)',
            ),
          }),
        },
      },
    },
    async (request, reply) => {
      const { client } = authOf(request);
      const result = await withIdempotency(engine.db, client.id, request, reply, 201, async () => ({
        data: await addManualTransactions(engine, client.id, request.params.id, request.body.transactions),
      }));
      if (reply.statusCode === 200) reply.code(201);
      return result;
    },
  );
  app.delete(
    '/v1/transactions/:id',
    {
      config: writeScope,
      schema: {
        tags: ['Data'],
        operationId: 'deleteManualTransaction',
        summary: 'Remove a manual transaction',
        description:
          'Only a manual transaction can be removed (one a source gave answers 409 TRANSACTION_NOT_MANUAL). ' +
          '`/v1/transactions/sync` reports it removed; adding its `external_id` again restores it.',
        params: TransactionParams,
        response: {
          204: Type.Null({ description: 'Removed; the feed reports it removed.' }),
          ...problems(withScopes, pathId, anyBody, 'TRANSACTION_NOT_MANUAL', {
            NOT_FOUND: 'No transactions record txn_q4m1c9w0d2s7xk5ve8ta.',
          }),
        },
      },
    },
    async (request, reply) => {
      await removeManualTransaction(engine, authOf(request).client.id, request.params.id);
      reply.code(204);
    },
  );
};
