// Manual transactions: a client adds movements to an existing account and removes them again
// (services/manual-transactions.ts). They are served by GET /v1/transactions like any other.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { authOf } from '../../http/auth.ts';
import { withIdempotency } from '../../http/idempotency.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import { addManualTransactions, removeManualTransaction } from '../../services/manual-transactions.ts';
import { problemResponses } from '../common.schemas.ts';
import {
  AccountParams,
  ManualTransactionsBody,
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
  app.post(
    '/v1/accounts/:id/transactions',
    {
      config: writeScope,
      schema: {
        tags: ['Data'],
        summary: 'Add manual transactions to an account',
        description:
          'Up to 1,000 movements you enter yourself, added to an account of any connection and served by ' +
          '`GET /v1/transactions` with `"manual": true`. Idempotent by `external_id`: the same one again ' +
          'updates (or returns unchanged) the same transaction. Refreshes keep them. All or nothing: one bad ' +
          'movement and none is stored. `Idempotency-Key` replays the first answer.',
        params: AccountParams,
        body: ManualTransactionsBody,
        response: { 201: ManualTransactionsResponse, ...problemResponses(400, 401, 403, 404, 409, 422) },
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
        summary: 'Remove a manual transaction',
        description:
          'Only a manual transaction can be removed (one a source gave answers 409 TRANSACTION_NOT_MANUAL). ' +
          '`/v1/transactions/sync` reports it removed; adding its `external_id` again restores it.',
        params: TransactionParams,
        response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await removeManualTransaction(engine, authOf(request).client.id, request.params.id);
      reply.code(204);
    },
  );
};
