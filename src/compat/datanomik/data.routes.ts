// Datanomik's data endpoints (SPEC §4.4 D10–D20): accounts (list, detail, position), transactions
// (list, detail, manual ones), owners, general owners, users, balances history and investments.
// Every list spans the client's links unless `linkId` names one; naming a link whose first load
// runs answers 409 LINK_PROCESSING (allowPartial=true reads what is stored), a failed product 424
// DATA_EXTRACTION_FAILED, a link whose login failed its status. Filters the native lists have are
// passed down; the others (account balances, owners, institutions: SPEC gap G10) are applied
// here over the client's records, which is fine for thousands of accounts, not millions.
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../../domain/errors.ts';
import { authOf } from '../../http/auth.ts';
import { listBalanceHistory } from '../../services/balance-history.ts';
import { activeRefreshIdOf } from '../../services/connections.ts';
import { getProductRecord, PENDING_RETRY_SECONDS } from '../../services/data-reads.ts';
import { addManualTransactions, type ManualTransactionInput } from '../../services/manual-transactions.ts';
import type { FacadeDeps } from '../shared/facade.ts';
import { decodeGuid, type GuidKind, guidOf } from '../shared/guid.ts';
import type { NativeRecord } from '../shared/records.ts';
import { sendJson } from '../shared/stream.ts';
import { datanomikAnswers, type Resource } from './errors.ts';
import { linkConnection, memosOf } from './links.ts';
import {
  amountBounds,
  type DatanomikAccount,
  distinctOwners,
  type Flow,
  generalOwnerId,
  money,
  pageOf,
  slicePage,
  toAccountPosition,
  toDatanomikBalance,
  toDatanomikInvestment,
  toDatanomikOwner,
  toDatanomikTransaction,
  toDatanomikUser,
  toGeneralOwners,
} from './map.ts';
import { pageRequestOf } from './query.ts';
import { type ListQuery, Reader } from './reads.ts';
import { institutionUuid } from './sandbox-map.ts';
import {
  Account,
  AccountPosition,
  AccountsQuery,
  Balance,
  BalancesQuery,
  DatanomikError,
  GeneralOwner,
  GeneralOwnersQuery,
  IdParams,
  Investment,
  InvestmentsHistoryQuery,
  InvestmentsQuery,
  ManualTransactionsBody,
  Owner,
  OwnersQuery,
  Page,
  PartialQuery,
  Transaction,
  TransactionsQuery,
  User,
  UsersQuery,
} from './schemas.ts';

const errors = {
  400: DatanomikError,
  401: DatanomikError,
  404: DatanomikError,
  409: DatanomikError,
  424: DatanomikError,
};

/** The native id a Datanomik UUID of this kind stands for; Datanomik's 404 for the resource otherwise. */
function nativeIdOf(guid: unknown, kind: GuidKind, resource: Resource): string {
  const decoded = typeof guid === 'string' ? decodeGuid(guid) : null;
  if (decoded?.kind !== kind) throw datanomikAnswers.notFound(resource);
  return decoded.id;
}

/** One record of this client, or Datanomik's 404 for the resource (another client's too). */
async function recordOf(
  deps: FacadeDeps,
  clientId: string,
  product: 'accounts' | 'transactions' | 'holders' | 'identity',
  guid: unknown,
  kind: GuidKind,
  resource: Resource,
): Promise<NativeRecord> {
  const id = nativeIdOf(guid, kind, resource);
  try {
    return JSON.parse(await getProductRecord(deps.engine.db, product, clientId, id, false)) as NativeRecord;
  } catch (error) {
    if (error instanceof AppError && error.code === 'NOT_FOUND') throw datanomikAnswers.notFound(resource);
    throw error;
  }
}

/** `YYYY-MM-dd HH:mm:ss` (UTC) → epoch ms. */
const dayTime = (text: string) => Date.parse(`${text.replace(' ', 'T')}Z`);

const inRange = (value: number | null, gte: number | undefined, lte: number | undefined) =>
  (gte === undefined || (value !== null && value >= gte)) &&
  (lte === undefined || (value !== null && value <= lte));

interface AccountFilters {
  linkId?: string;
  allowPartial?: boolean;
  country?: string;
  institution?: string;
  institutionId?: string;
  accountId?: string;
  accountNumber?: string;
  accountType?: string;
  currency?: string;
  availableBalanceGte?: number;
  availableBalanceLte?: number;
  currentBalanceGte?: number;
  currentBalanceLte?: number;
  updateAtFrom?: string;
  updateAtTo?: string;
  ownerId?: string;
  blocked?: boolean;
  showBalanceInfo?: boolean;
}

function accountMatches(account: DatanomikAccount, filters: AccountFilters, clientId: string): boolean {
  const updated = account.updated_at ? Date.parse(account.updated_at) : Number.NaN;
  const owner = account.owner;
  return (
    (!filters.country || account.country === filters.country.toUpperCase()) &&
    (!filters.institution || account.institution === filters.institution.toUpperCase()) &&
    (!filters.institutionId || account.institution_id === filters.institutionId.toLowerCase()) &&
    (!filters.accountId || account.id === filters.accountId.toLowerCase()) &&
    (!filters.accountNumber || account.account_number === filters.accountNumber) &&
    (!filters.accountType ||
      [account.type, account.category].some(
        (value) => value?.toUpperCase() === filters.accountType!.toUpperCase(),
      )) &&
    (!filters.currency || account.balance.currency === filters.currency.toUpperCase()) &&
    inRange(account.balance.available_balance, filters.availableBalanceGte, filters.availableBalanceLte) &&
    inRange(account.balance.current_balance, filters.currentBalanceGte, filters.currentBalanceLte) &&
    (!filters.updateAtFrom || updated >= dayTime(filters.updateAtFrom)) &&
    (!filters.updateAtTo || updated <= dayTime(filters.updateAtTo)) &&
    (!filters.ownerId ||
      (owner !== null &&
        (owner.id === filters.ownerId.toLowerCase() ||
          (owner.document !== null &&
            generalOwnerId(clientId, owner.document) === filters.ownerId.toLowerCase())))) &&
    (filters.blocked === undefined || account.blocked === filters.blocked)
  );
}

/** showBalanceInfo=false: the account without its figures. */
const withoutBalance = <T extends DatanomikAccount>(account: T): T => ({
  ...account,
  balance: { ...account.balance, current_balance: null, available_balance: null },
});

export const dataRoutes: FastifyPluginAsync<FacadeDeps> = async (app, deps) => {
  const { engine, registry } = deps;
  const readerOf = (clientId: string) => new Reader(engine, registry, clientId);

  /**
   * The native scope of a `linkId` (checked to be the client's link: 404 LINK_NOT_FOUND). Datanomik
   * tells its clients to read a link once its historical webhook came: until the whole first load
   * has ended — not only the product read, as the native readiness rule says — the link's data
   * answers 409 LINK_PROCESSING, unless allowPartial.
   */
  async function linkScope(
    clientId: string,
    linkId: string | undefined,
    allowPartial?: boolean,
  ): Promise<ListQuery> {
    const scope: ListQuery = { allow_partial: allowPartial ?? false };
    if (linkId === undefined) return scope;
    const connection = await linkConnection(engine, clientId, linkId);
    scope.connection_id = connection.id;
    const loading = connection.products.some((product) => !connection.product_status[product]?.created);
    if (!allowPartial && loading && (await activeRefreshIdOf(engine.db, connection.id)))
      throw new AppError('OPERATION_PENDING', `The first load of link ${linkId} is still running.`, {
        retryAfterSeconds: PENDING_RETRY_SECONDS,
      });
    return scope;
  }

  async function filteredAccounts(clientId: string, filters: AccountFilters) {
    const reader = readerOf(clientId);
    const scope = await linkScope(clientId, filters.linkId, filters.allowPartial);
    const accounts = await reader.accounts(await reader.all('accounts', scope));
    return { reader, accounts: accounts.filter(({ account }) => accountMatches(account, filters, clientId)) };
  }

  app.get(
    '/v1/accounts',
    {
      config: {
        doc: {
          tag: 'Accounts',
          summary: 'The accounts',
          responses: { 200: Page(Account, 'DatanomikAccount'), ...errors },
        },
      },
      schema: { querystring: AccountsQuery },
    },
    async (request, reply) => {
      const clientId = authOf(request).client.id;
      const filters = request.query as AccountFilters;
      const { accounts } = await filteredAccounts(clientId, filters);
      const content = accounts.map(({ account }) =>
        filters.showBalanceInfo === false ? withoutBalance(account) : account,
      );
      return sendJson(reply, slicePage(content, pageRequestOf(request.query)));
    },
  );

  app.get(
    '/v1/accounts/position',
    {
      config: {
        doc: {
          tag: 'Accounts',
          summary: 'The accounts with their position (balances, investments, sync statuses)',
          description:
            'Tesoro keeps the current balance only: the start-of-day, last-day and forecast figures are the current one. Investments are those of the portfolios whose reference account is this account.',
          responses: { 200: Page(AccountPosition, 'DatanomikAccountPosition'), ...errors },
        },
      },
      schema: { querystring: AccountsQuery },
    },
    async (request, reply) => {
      const clientId = authOf(request).client.id;
      const filters = request.query as AccountFilters;
      const { reader, accounts } = await filteredAccounts(clientId, filters);
      const page = pageRequestOf(request.query);
      const slice = accounts.slice(page.page * page.size, (page.page + 1) * page.size);
      const content = [];
      for (const { native, account } of slice) {
        const connectionId = String(native.connection_id);
        const connection = await reader.connection(connectionId);
        const link = await reader.linkOf(connectionId);
        const held =
          connection?.products.includes('investments') && connection.products.includes('portfolios')
            ? await investmentsOfAccount(reader, connectionId, String(native.iban ?? ''))
            : [];
        const investments = held.map(([investment, portfolio]) =>
          toDatanomikInvestment(investment, portfolio, link?.link),
        );
        content.push(toAccountPosition(account, investments));
      }
      return sendJson(reply, pageOf(content, page, accounts.length));
    },
  );

  async function investmentsOfAccount(reader: Reader, connectionId: string, iban: string) {
    if (iban === '') return [];
    const portfolios = (await reader.recordsOf('portfolios', connectionId)).filter(
      (portfolio) =>
        portfolio.ref_account === iban ||
        (Array.isArray(portfolio.ref_accounts) && portfolio.ref_accounts.includes(iban)),
    );
    const byId = new Map(portfolios.map((portfolio) => [portfolio.id, portfolio]));
    return (await reader.recordsOf('investments', connectionId))
      .filter((investment) => byId.has(investment.portfolio_id))
      .map((investment) => [investment, byId.get(investment.portfolio_id)] as const);
  }

  app.get(
    '/v1/accounts/:id',
    {
      config: { doc: { tag: 'Accounts', summary: 'An account', responses: { 200: Account, ...errors } } },
      schema: { params: IdParams, querystring: PartialQuery },
    },
    async (request, reply) => {
      const clientId = authOf(request).client.id;
      const record = await recordOf(
        deps,
        clientId,
        'accounts',
        (request.params as { id: string }).id,
        'account',
        'account',
      );
      const [mapped] = await readerOf(clientId).accounts([record]);
      if (!mapped) throw datanomikAnswers.notFound('account');
      return sendJson(reply, mapped.account);
    },
  );

  /** Native transactions as Datanomik's, each with its link and account. */
  async function transactionsOf(reader: Reader, records: readonly NativeRecord[]) {
    const out = [];
    for (const record of records) {
      const connectionId = String(record.connection_id);
      const link = await reader.linkOf(connectionId);
      if (!link) continue;
      const account = await reader.accountFacts(connectionId, String(record.account_id));
      out.push(toDatanomikTransaction(record, { link: link.link, account }));
    }
    return out;
  }

  app.get(
    '/v1/transactions',
    {
      config: {
        doc: {
          tag: 'Transactions',
          summary: 'The transactions',
          description:
            '`amount` is always positive; `type` says INFLOW or OUTFLOW. `amountGte`/`amountLte` compare that positive amount. Newest first.',
          responses: { 200: Page(Transaction, 'DatanomikTransaction'), ...errors },
        },
      },
      schema: { querystring: TransactionsQuery },
    },
    async (request, reply) => {
      const clientId = authOf(request).client.id;
      const q = request.query as {
        linkId?: string;
        accountId?: string;
        dateFrom?: string;
        dateTo?: string;
        type?: Flow;
        amountGte?: number;
        amountLte?: number;
        currency?: string;
        description?: string;
        allowPartial?: boolean;
      };
      const page = pageRequestOf(request.query);
      const reader = readerOf(clientId);
      const query = await linkScope(clientId, q.linkId, q.allowPartial);
      // An account that is not the client's is not found, rather than an empty page.
      if (q.accountId !== undefined)
        query.account_id = String(
          (await recordOf(deps, clientId, 'accounts', q.accountId, 'account', 'account')).id,
        );
      if (q.dateFrom) query.operation_date_from = q.dateFrom;
      if (q.dateTo) query.operation_date_to = q.dateTo;
      if (q.currency) query.currency = q.currency.toUpperCase();
      if (q.description) query.q = q.description;
      const bounds = amountBounds({ type: q.type, gte: q.amountGte, lte: q.amountLte });
      if (bounds.amount_min !== undefined) query.amount_min = bounds.amount_min;
      if (bounds.amount_max !== undefined) query.amount_max = bounds.amount_max;
      // Money out is strictly below zero; a zero amount counts as money in.
      if (bounds.sign === 'OUTFLOW') query.query = { amount: { $lt: 0 } };
      if (bounds.absoluteFrom !== undefined) {
        // |amount| ≥ n is two ranges, which no native filter says: read what the other bounds
        // allow and keep the large enough ones here.
        const from = bounds.absoluteFrom;
        const records = (await reader.all('transactions', query)).filter(
          (record) => Math.abs(money(record.amount) ?? 0) >= from,
        );
        const slice = records.slice(page.page * page.size, (page.page + 1) * page.size);
        return sendJson(reply, pageOf(await transactionsOf(reader, slice), page, records.length));
      }
      const native = await reader.page('transactions', query, {
        page: page.page + 1,
        size: page.size,
        count: true,
      });
      return sendJson(reply, pageOf(await transactionsOf(reader, native.data), page, native.total ?? 0));
    },
  );

  app.get(
    '/v1/transactions/:id',
    {
      config: {
        doc: { tag: 'Transactions', summary: 'A transaction', responses: { 200: Transaction, ...errors } },
      },
      schema: { params: IdParams },
    },
    async (request, reply) => {
      const clientId = authOf(request).client.id;
      const record = await recordOf(
        deps,
        clientId,
        'transactions',
        (request.params as { id: string }).id,
        'transaction',
        'transaction',
      );
      const [transaction] = await transactionsOf(readerOf(clientId), [record]);
      if (!transaction) throw datanomikAnswers.notFound('transaction');
      return sendJson(reply, transaction);
    },
  );

  app.post(
    '/v1/transactions',
    {
      config: {
        doc: {
          tag: 'Transactions',
          summary: 'Add manual transactions to accounts',
          description:
            'Each is kept by its `external_id`: the same one again updates it rather than adding another. Served with the account’s other transactions, `mode: MANUAL`. The first category id, when given, is a category of Tesoro’s taxonomy. A batch for one account is written whole or not at all.',
          responses: { 201: Type.Array(Transaction), ...errors },
        },
      },
      schema: { body: ManualTransactionsBody },
    },
    async (request, reply) => {
      const clientId = authOf(request).client.id;
      const body = request.body as Array<{
        account_id: string;
        date: string;
        type: Flow;
        amount: number;
        external_id: string;
        categories_ids?: string[];
        description?: string;
        reference?: string;
      }>;
      // The movements by account, in the order given (the answer keeps the request's order).
      const byAccount = new Map<string, number[]>();
      body.forEach((item, index) => {
        const accountId = nativeIdOf(item.account_id, 'account', 'account');
        byAccount.set(accountId, [...(byAccount.get(accountId) ?? []), index]);
      });
      const served: NativeRecord[] = new Array(body.length);
      for (const [accountId, indexes] of byAccount) {
        const inputs: ManualTransactionInput[] = indexes.map((index) => {
          const item = body[index]!;
          return {
            external_id: item.external_id,
            operation_date: item.date,
            amount: String(item.type === 'OUTFLOW' ? -item.amount : item.amount),
            ...(item.description !== undefined ? { description: item.description } : {}),
            ...(item.reference !== undefined ? { reference: item.reference } : {}),
            ...(item.categories_ids?.[0] !== undefined ? { category: item.categories_ids[0] } : {}),
          };
        });
        const records = await addManualTransactions(engine, clientId, accountId, inputs).catch(
          (error: unknown) => {
            if (error instanceof AppError && error.code === 'NOT_FOUND')
              throw datanomikAnswers.notFound('account');
            throw error;
          },
        );
        indexes.forEach((index, i) => {
          served[index] = records[i]!;
        });
      }
      return sendJson(reply, await transactionsOf(readerOf(clientId), served), 201);
    },
  );

  /** The owners of the client (one per document and link), with their link's identity's names. */
  async function ownersOf(reader: Reader, scope: ListQuery, accountId?: string) {
    const holders = (await reader.all('holders', scope)).filter(
      (holder) => accountId === undefined || holder.product_id === accountId,
    );
    const out = [];
    for (const holder of distinctOwners(holders)) {
      const connectionId = String(holder.connection_id);
      const connection = await reader.connection(connectionId);
      const identities = connection?.products.includes('identity')
        ? await reader.recordsOf('identity', connectionId)
        : [];
      out.push({
        ...toDatanomikOwner(holder, identities[0]),
        created_at: (holder.first_seen_at as string) ?? null,
      });
    }
    return out;
  }

  app.get(
    '/v1/owners',
    {
      config: {
        doc: {
          tag: 'Owners',
          summary: 'The owners of the accounts',
          responses: { 200: Page(Owner, 'DatanomikOwner'), ...errors },
        },
      },
      schema: { querystring: OwnersQuery },
    },
    async (request, reply) => {
      const clientId = authOf(request).client.id;
      const q = request.query as { linkId?: string; accountId?: string; allowPartial?: boolean };
      const scope = await linkScope(clientId, q.linkId, q.allowPartial);
      const accountId =
        q.accountId === undefined
          ? undefined
          : String((await recordOf(deps, clientId, 'accounts', q.accountId, 'account', 'account')).id);
      const owners = (await ownersOf(readerOf(clientId), scope, accountId)).map(
        ({ created_at: _c, ...owner }) => owner,
      );
      return sendJson(reply, slicePage(owners, pageRequestOf(request.query)));
    },
  );

  app.get(
    '/v1/owners/:id',
    {
      config: { doc: { tag: 'Owners', summary: 'An owner', responses: { 200: Owner, ...errors } } },
      schema: { params: IdParams },
    },
    async (request, reply) => {
      const clientId = authOf(request).client.id;
      const holder = await recordOf(
        deps,
        clientId,
        'holders',
        (request.params as { id: string }).id,
        'holder',
        'owner',
      );
      const reader = readerOf(clientId);
      const connection = await reader.connection(String(holder.connection_id));
      const identities = connection?.products.includes('identity')
        ? await reader.recordsOf('identity', connection.id)
        : [];
      return sendJson(reply, toDatanomikOwner(holder, identities[0]));
    },
  );

  async function generalOwners(clientId: string) {
    return toGeneralOwners(clientId, await ownersOf(readerOf(clientId), { allow_partial: true }));
  }

  app.get(
    '/v1/general-owners',
    {
      config: {
        doc: {
          tag: 'Owners',
          summary: 'Owners grouped by document across links',
          responses: { 200: Page(GeneralOwner, 'DatanomikGeneralOwner'), ...errors },
        },
      },
      schema: { querystring: GeneralOwnersQuery },
    },
    async (request, reply) => {
      const clientId = authOf(request).client.id;
      const name = (request.query as { displayName?: string }).displayName?.toLowerCase();
      const groups = (await generalOwners(clientId)).filter(
        (group) => !name || (group.display_name ?? '').toLowerCase().includes(name),
      );
      return sendJson(reply, slicePage(groups, pageRequestOf(request.query)));
    },
  );

  app.get(
    '/v1/general-owners/:id',
    {
      config: {
        doc: { tag: 'Owners', summary: 'A general owner', responses: { 200: GeneralOwner, ...errors } },
      },
      schema: { params: IdParams },
    },
    async (request, reply) => {
      const clientId = authOf(request).client.id;
      const id = (request.params as { id: string }).id.toLowerCase();
      const group = (await generalOwners(clientId)).find((candidate) => candidate.id === id);
      if (!group) throw datanomikAnswers.notFound('general_owner');
      return sendJson(reply, group);
    },
  );

  async function usersOf(clientId: string, identities: readonly NativeRecord[]) {
    const memos = await memosOf(engine, clientId, [
      ...new Set(identities.map((identity) => String(identity.connection_id))),
    ]);
    return identities.map((identity) =>
      toDatanomikUser(identity, memos.get(String(identity.connection_id))?.username ?? null),
    );
  }

  app.get(
    '/v1/users',
    {
      config: {
        doc: {
          tag: 'Users',
          summary: 'The users who access the institutions',
          description:
            '`username` is the one the link was created (or last updated) with through this API; null for links made on the Connect page. Never the password.',
          responses: { 200: Page(User, 'DatanomikUser'), ...errors },
        },
      },
      schema: { querystring: UsersQuery },
    },
    async (request, reply) => {
      const clientId = authOf(request).client.id;
      const q = request.query as { linkId?: string; allowPartial?: boolean };
      const scope = await linkScope(clientId, q.linkId, q.allowPartial);
      const users = await usersOf(clientId, await readerOf(clientId).all('identity', scope));
      return sendJson(reply, slicePage(users, pageRequestOf(request.query)));
    },
  );

  app.get(
    '/v1/users/:id',
    {
      config: { doc: { tag: 'Users', summary: 'A user', responses: { 200: User, ...errors } } },
      schema: { params: IdParams },
    },
    async (request, reply) => {
      const clientId = authOf(request).client.id;
      const identity = await recordOf(
        deps,
        clientId,
        'identity',
        (request.params as { id: string }).id,
        'identity',
        'user',
      );
      return sendJson(reply, (await usersOf(clientId, [identity]))[0]);
    },
  );

  app.get(
    '/v1/balances/history',
    {
      config: {
        doc: {
          tag: 'Balances',
          summary: 'Daily balances of the accounts',
          description:
            'One entry per account and day: the balance Tesoro kept when that day’s last refresh ended (days before the link existed have none). By account, then oldest day first.',
          responses: { 200: Page(Balance, 'DatanomikBalance'), ...errors },
        },
      },
      schema: { querystring: BalancesQuery },
    },
    async (request, reply) => {
      const clientId = authOf(request).client.id;
      const q = request.query as {
        linkId?: string;
        accountId?: string;
        dateFrom?: string;
        dateTo?: string;
        allowPartial?: boolean;
      };
      const page = pageRequestOf(request.query);
      const scope = await linkScope(clientId, q.linkId, q.allowPartial);
      const accountId = q.accountId === undefined ? undefined : nativeIdOf(q.accountId, 'account', 'account');
      if (q.dateFrom && q.dateTo && q.dateFrom > q.dateTo)
        throw datanomikAnswers.invalidQuery('dateTo must be on or after dateFrom');
      const history = await listBalanceHistory(engine, clientId, {
        ...(accountId ? { accountId } : {}),
        ...(scope.connection_id ? { connectionId: scope.connection_id } : {}),
        ...(q.dateFrom ? { from: q.dateFrom } : {}),
        ...(q.dateTo ? { to: q.dateTo } : {}),
        limit: page.size,
        offset: page.page * page.size,
      }).catch((error: unknown) => {
        if (error instanceof AppError && error.code === 'NOT_FOUND')
          throw datanomikAnswers.notFound('account');
        throw error;
      });
      const reader = readerOf(clientId);
      const content = [];
      for (const row of history.data) {
        const natives = await reader.recordsOf('accounts', row.connection_id);
        const [mapped] = await reader.accounts(natives.filter((record) => record.id === row.account_id));
        // An account no longer listed by its institution keeps its history, with what is known of it.
        const account = mapped?.account;
        content.push(
          toDatanomikBalance(row, {
            id: guidOf(row.account_id),
            description: account?.description ?? null,
            account_number: account?.account_number ?? null,
            type: account?.type ?? null,
            category: account?.category ?? 'OTHER',
            blocked: false,
          }),
        );
      }
      return sendJson(reply, pageOf(content, page, history.total));
    },
  );

  interface InvestmentFilters {
    linkId?: string;
    allowPartial?: boolean;
    currency?: string;
    institutionId?: string;
    recurrent?: boolean;
    accountId?: string;
    country?: string;
    grossBalanceGte?: number;
    grossBalanceLte?: number;
    netBalanceGte?: number;
    netBalanceLte?: number;
    instrumentType?: string;
    investmentId?: string;
  }

  async function investments(clientId: string, q: InvestmentFilters) {
    const reader = readerOf(clientId);
    const scope = await linkScope(clientId, q.linkId, q.allowPartial);
    const records = await reader.all('investments', scope);
    const out = [];
    for (const record of records) {
      const connectionId = String(record.connection_id);
      const link = await reader.linkOf(connectionId);
      if (!link) continue;
      const portfolio = (await reader.recordsOf('portfolios', connectionId)).find(
        (candidate) => candidate.id === record.portfolio_id,
      );
      const investment = toDatanomikInvestment(record, portfolio, link.link);
      const matches =
        (!q.currency || investment.currency === q.currency.toUpperCase()) &&
        (!q.institutionId || institutionUuid(link.facts.institution.id) === q.institutionId.toLowerCase()) &&
        (q.recurrent === undefined || link.link.recurrent === q.recurrent) &&
        (!q.accountId || investment.account.id === q.accountId.toLowerCase()) &&
        (!q.country || link.link.country === q.country.toUpperCase()) &&
        inRange(investment.gross_balance, q.grossBalanceGte, q.grossBalanceLte) &&
        inRange(investment.net_balance, q.netBalanceGte, q.netBalanceLte) &&
        (!q.instrumentType || investment.instrument_type === q.instrumentType) &&
        (!q.investmentId || investment.id === q.investmentId.toLowerCase());
      if (matches) out.push(investment);
    }
    return out;
  }

  app.get(
    '/v1/investments',
    {
      config: {
        doc: {
          tag: 'Investments',
          summary: 'The investments (a bare array, as Datanomik documents it)',
          responses: { 200: Type.Array(Investment), ...errors },
        },
      },
      schema: { querystring: InvestmentsQuery },
    },
    async (request, reply) =>
      sendJson(reply, await investments(authOf(request).client.id, request.query as InvestmentFilters)),
  );

  app.get(
    '/v1/investments/history',
    {
      config: {
        doc: {
          tag: 'Investments',
          summary: 'The investments’ history (the current position only)',
          description: 'Tesoro keeps the current valuation only: the history is today’s position.',
          responses: { 200: Type.Array(Investment), ...errors },
        },
      },
      schema: { querystring: InvestmentsHistoryQuery },
    },
    async (request, reply) =>
      sendJson(reply, await investments(authOf(request).client.id, request.query as InvestmentFilters)),
  );
};
