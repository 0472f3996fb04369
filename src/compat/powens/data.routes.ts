// Powens' data (SPEC §5.4 P16–P20): accounts (Tesoro's accounts, cards, loans and portfolios),
// transactions (cash and card movements merged, newest first, paged by `limit` and `offset`, by
// default over the last month), investments, documents (imported statements) and subscriptions
// (none: Tesoro has no billing-provider data). Each is the user's (`me` or an id), one
// connection's or one account's, and `all` with a manage token is the client's.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { integerIdsFor } from '../../services/compat-ids.ts';
import { listDocuments } from '../../services/documents.ts';
import { withoutIds } from '../shared/openapi.ts';
import { sendJson } from '../shared/stream.ts';
import { idKinds, userOfExternalId, userScopeOf } from './auth.ts';
import type { PowensDeps } from './deps.ts';
import { powensAnswers } from './errors.ts';
import { toPowensDocument } from './map.ts';
import { boolOf, dateTimeOf } from './params.ts';
import {
  accountOfId,
  connectionOfId,
  connectionViews,
  type MovementFilters,
  powensAccounts,
  powensInvestments,
  type ReadScope,
  transactionWindow,
} from './reads.ts';
import {
  Account,
  AccountList,
  AccountParams,
  ConnectionParams,
  DocumentList,
  DocumentsQuery,
  ExpandQuery,
  InvestmentList,
  PowensError,
  SubscriptionList,
  TransactionList,
  TransactionsQuery,
  UserParams,
} from './schemas.ts';

/** Powens' default page of transactions [inference: its swagger gives no default]. */
export const DEFAULT_LIMIT = 50;

const errors = { 400: PowensError, 401: PowensError, 403: PowensError, 404: PowensError };

interface TransactionsQueryValues {
  limit?: number;
  offset?: number;
  min_date?: string;
  max_date?: string;
  income?: boolean | string;
  deleted?: boolean | string;
  all?: boolean | string;
  last_update?: string;
  wording?: string;
  search?: string;
  min_value?: number;
  max_value?: number;
  value?: string;
}

const isDay = (text: string) =>
  !Number.isNaN(Date.parse(`${text}T00:00:00Z`)) &&
  new Date(`${text}T00:00:00Z`).toISOString().startsWith(text);

/** Powens' transaction filters → native list filters. */
export function movementFiltersOf(query: TransactionsQueryValues, today: Date): MovementFilters {
  const filters: MovementFilters = {};
  for (const name of ['min_date', 'max_date'] as const)
    if (query[name] !== undefined && !isDay(query[name]!))
      throw powensAnswers.invalid(name, 'a date YYYY-MM-DD');
  if (query.min_date === undefined && query.max_date === undefined) {
    // Powens' default window: the last month.
    const from = new Date(today);
    from.setUTCMonth(from.getUTCMonth() - 1);
    filters.operation_date_from = from.toISOString().slice(0, 10);
    filters.operation_date_to = today.toISOString().slice(0, 10);
  } else {
    if (query.min_date !== undefined) filters.operation_date_from = query.min_date;
    if (query.max_date !== undefined) filters.operation_date_to = query.max_date;
  }
  if (
    filters.operation_date_from &&
    filters.operation_date_to &&
    filters.operation_date_from > filters.operation_date_to
  )
    throw powensAnswers.invalid('min_date', 'after max_date');
  const bounds: { min?: number; max?: number } = {};
  const income = boolOf(query.income, 'income');
  if (income === true) bounds.min = 0.01;
  if (income === false) bounds.max = -0.01;
  if (query.min_value !== undefined) bounds.min = Math.max(bounds.min ?? -Infinity, query.min_value);
  if (query.max_value !== undefined) bounds.max = Math.min(bounds.max ?? Infinity, query.max_value);
  if (bounds.min !== undefined) filters.amount_min = bounds.min;
  if (bounds.max !== undefined) filters.amount_max = bounds.max;
  if (query.value !== undefined) {
    const signed = /^(±|\+-)/.test(query.value);
    const values = query.value
      .replace(/^(±|\+-)/, '')
      .split('|')
      .map(Number);
    filters.amounts = [...new Set(signed ? values.flatMap((v) => [Math.abs(v), -Math.abs(v)]) : values)];
  }
  const text = query.search ?? query.wording;
  if (text !== undefined && text.trim() !== '') filters.q = text.trim();
  const since = dateTimeOf(query.last_update, 'last_update');
  if (since) filters.updated_since = since;
  return filters;
}

/** Powens' `deleted=true` (only the movements the bank no longer lists) and `all=true` (both). */
function removedOf(query: TransactionsQueryValues): 'none' | 'only' | 'include' {
  if (boolOf(query.deleted, 'deleted') === true) return 'only';
  return boolOf(query.all, 'all') === true ? 'include' : 'none';
}

export const dataRoutes: FastifyPluginAsync<PowensDeps> = async (app, deps) => {
  const { engine } = deps;

  /** The read scope of a path: its user (or all), narrowed to the connection it names. */
  async function scopeOf(request: FastifyRequest): Promise<ReadScope> {
    const user = await userScopeOf(engine, request);
    const scope: ReadScope = { clientId: user.clientId, idUser: user.user?.id };
    const { id_connection: connection } = request.params as { id_connection?: string };
    if (connection !== undefined) scope.connectionId = (await connectionOfId(engine, scope, connection)).id;
    return scope;
  }

  const accountsDoc = (summary: string) => ({
    tag: 'Data',
    summary,
    responses: { 200: AccountList, ...errors },
  });

  for (const path of ['/users/:id_user/accounts', '/users/:id_user/connections/:id_connection/accounts']) {
    app.get(
      path,
      {
        config: {
          powensAuth: 'user',
          powensScopes: ['data:read'],
          doc: accountsDoc(
            path.includes('connections')
              ? 'A connection’s accounts'
              : 'The user’s accounts: current and savings accounts, cards, loans and portfolios',
          ),
        },
        schema: {
          params: withoutIds(path.includes('connections') ? ConnectionParams : UserParams),
          querystring: ExpandQuery,
        },
      },
      async (request, reply) => {
        const scope = await scopeOf(request);
        const accounts = await powensAccounts(engine, scope);
        return sendJson(reply, { accounts, total: accounts.length });
      },
    );
  }

  app.get(
    '/users/:id_user/accounts/:id_account',
    {
      config: {
        powensAuth: 'user',
        powensScopes: ['data:read'],
        doc: { tag: 'Data', summary: 'An account', responses: { 200: Account, ...errors } },
      },
      schema: { params: withoutIds(AccountParams), querystring: ExpandQuery },
    },
    async (request, reply) => {
      const scope = await scopeOf(request);
      const account = await accountOfId(engine, scope, (request.params as { id_account: string }).id_account);
      const [answer] = await powensAccounts(
        engine,
        { ...scope, connectionId: String(account.record.connection_id) },
        {
          only: account.nativeId,
        },
      );
      if (!answer) throw powensAnswers.notFound('account');
      return sendJson(reply, answer);
    },
  );

  const transactionPaths = [
    '/users/:id_user/transactions',
    '/users/:id_user/connections/:id_connection/transactions',
    '/users/:id_user/accounts/:id_account/transactions',
  ];
  for (const path of transactionPaths) {
    const params = path.includes(':id_account')
      ? AccountParams
      : path.includes(':id_connection')
        ? ConnectionParams
        : UserParams;
    app.get(
      path,
      {
        config: {
          powensAuth: 'user',
          powensScopes: ['data:read'],
          doc: {
            tag: 'Data',
            summary: 'Transactions, newest first',
            description:
              'Cash and card movements. `min_date`/`max_date` (inclusive, on the date the movement happened; both absent: the last month), `income`, `min_value`/`max_value`, `value` (`XX|-XX` any of these amounts, `±XX` either sign), `wording`/`search` (text), `last_update` (changed since), `limit` (default 50, at most 1000) and `offset`. `deleted=true` lists only the movements the bank no longer lists (with `deleted`, when), `all=true` both.',
            responses: { 200: TransactionList, ...errors },
          },
        },
        schema: { params: withoutIds(params), querystring: TransactionsQuery },
      },
      async (request, reply) => {
        const query = request.query as TransactionsQueryValues;
        const scope = await scopeOf(request);
        const filters = movementFiltersOf(query, engine.now());
        const window = { limit: query.limit ?? DEFAULT_LIMIT, offset: query.offset ?? 0 };
        let products: Parameters<typeof transactionWindow>[4] = { cash: true, card: true };
        const accountId = (request.params as { id_account?: string }).id_account;
        if (accountId !== undefined) {
          const account = await accountOfId(engine, scope, accountId);
          products =
            account.source === 'accounts'
              ? { cash: true, card: false, cashParent: account.nativeId }
              : account.source === 'cards'
                ? { cash: false, card: true, cardParent: account.nativeId }
                : // Loans and portfolios have no Powens transactions here.
                  { cash: false, card: false };
        }
        const { transactions, total } = await transactionWindow(
          engine,
          scope,
          filters,
          window,
          products,
          removedOf(query),
        );
        return sendJson(reply, {
          transactions,
          total,
          first_date: filters.operation_date_from ?? null,
          last_date: filters.operation_date_to ?? null,
        });
      },
    );
  }

  for (const path of ['/users/:id_user/investments', '/users/:id_user/accounts/:id_account/investments']) {
    app.get(
      path,
      {
        config: {
          powensAuth: 'user',
          powensScopes: ['data:read'],
          doc: { tag: 'Data', summary: 'Investments', responses: { 200: InvestmentList, ...errors } },
        },
        schema: {
          params: withoutIds(path.includes(':id_account') ? AccountParams : UserParams),
          querystring: ExpandQuery,
        },
      },
      async (request, reply) => {
        const scope = await scopeOf(request);
        const accountId = (request.params as { id_account?: string }).id_account;
        let portfolio: string | undefined;
        if (accountId !== undefined) {
          const account = await accountOfId(engine, scope, accountId);
          if (account.source !== 'portfolios') return sendJson(reply, { investments: [], total: 0 });
          portfolio = account.nativeId;
        }
        const investments = await powensInvestments(engine, scope, portfolio);
        return sendJson(reply, { investments, total: investments.length });
      },
    );
  }

  app.get(
    '/users/:id_user/documents',
    {
      config: {
        powensAuth: 'user',
        powensScopes: ['data:read'],
        doc: {
          tag: 'Data',
          summary: 'Documents: the statement files imported for the user’s connections',
          responses: { 200: DocumentList, ...errors },
        },
      },
      schema: { params: withoutIds(UserParams), querystring: DocumentsQuery },
    },
    async (request, reply) => {
      const scope = await scopeOf(request);
      const query = request.query as {
        limit?: number;
        offset?: number;
        min_timestamp?: string;
        max_timestamp?: string;
        min_date?: string;
        max_date?: string;
      };
      const from =
        dateTimeOf(query.min_timestamp, 'min_timestamp') ??
        (query.min_date && `${query.min_date}T00:00:00.000Z`);
      const to =
        dateTimeOf(query.max_timestamp, 'max_timestamp') ??
        (query.max_date && `${query.max_date}T23:59:59.999Z`);
      const connectionIds =
        scope.idUser == null ? undefined : (await connectionViews(engine, scope)).map((view) => view.id);
      const { data, total } = await listDocuments(engine, scope.clientId, {
        ...(connectionIds ? { connectionIds } : {}),
        ...(from ? { createdFrom: new Date(from) } : {}),
        ...(to ? { createdTo: new Date(to) } : {}),
        limit: query.limit ?? DEFAULT_LIMIT,
        offset: query.offset ?? 0,
      });
      const ids = await integerIdsFor(
        engine,
        scope.clientId,
        idKinds.document,
        data.map((document) => document.id),
      );
      return sendJson(reply, {
        documents: data.map((document) =>
          toPowensDocument(document, {
            id: ids.get(document.id)!,
            idUser: scope.idUser ?? userOfExternalId(null),
          }),
        ),
        total,
      });
    },
  );

  app.get(
    '/users/:id_user/subscriptions',
    {
      config: {
        powensAuth: 'user',
        powensScopes: ['data:read'],
        doc: {
          tag: 'Data',
          summary: 'Subscriptions (Powens Trust): always none here',
          responses: { 200: SubscriptionList, ...errors },
        },
      },
      schema: { params: withoutIds(UserParams) },
    },
    async (request, reply) => {
      await userScopeOf(engine, request);
      return sendJson(reply, { subscriptions: [], total: 0 });
    },
  );
};
