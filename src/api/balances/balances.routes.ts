// An account's daily balance history: one snapshot per day, kept when a refresh ends well or a
// statement is imported (services/balance-history.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { authOf } from '../../http/auth.ts';
import { type BalanceEntry, pageAccountBalances } from '../../services/balance-history.ts';
import type { Schema } from '../../store/schema.ts';
import { registerSchemas } from '../common.schemas.ts';
import { answer, pathId, problems, query, withScopes } from '../responses.ts';
import { BalancePage, BalanceParams, BalanceQuery, BalanceSchema } from './balances.schemas.ts';

/** Money on the wire is a JSON number in major units (DESIGN.md); the store keeps decimal text. */
const served = (entry: BalanceEntry) => ({
  ...entry,
  balance: Number(entry.balance),
  available_balance: entry.available_balance === null ? null : Number(entry.available_balance),
});

export const balanceRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<Schema> }> = async (app, deps) => {
  registerSchemas(app, [BalanceSchema]);
  app.get(
    '/v1/accounts/:id/balances',
    {
      config: { scopes: ['data:read'] },
      schema: {
        tags: ['Data'],
        operationId: 'listAccountBalances',
        summary: 'An account’s daily balance history',
        description:
          'One entry per day on which a refresh ended well or a statement was imported: the account’s ' +
          'balance at the last of them that day (UTC). Oldest first; `from` and `to` bound the days. ' +
          'Keyset pagination with `cursor`.',
        params: BalanceParams,
        querystring: BalanceQuery,
        response: {
          200: answer(BalancePage, 'Daily balances, oldest first.'),
          ...problems(withScopes, pathId, query, {
            NOT_FOUND: 'No accounts record acc_biztf7ol7ytaprqdnjvi.',
          }),
        },
      },
    },
    async (request) => {
      const page = await pageAccountBalances(
        deps,
        authOf(request).client.id,
        request.params.id,
        request.query,
      );
      return { ...page, data: page.data.map(served) };
    },
  );
};
