// What the Powens answers read, through the native services: a user's connections (by
// `external_id = powens-user:<id>`), the four account-like products as Powens accounts, cash and
// card movements merged as Powens transactions, investments and documents — each with the integer
// ids of services/compat-ids.ts. Powens has no "still loading" answer (its connection `state` and
// `last_update` say it), so reads take what is stored (`allow_partial`). Used by the routes and by
// the Powens webhooks, which render from current data.
import type { ConnectorRegistry } from '../../connectors/registry.ts';
import { AppError } from '../../domain/errors.ts';
import { type Product, productIdPrefix } from '../../domain/products.ts';
import { integerIdsFor, nativeIdFor } from '../../services/compat-ids.ts';
import { listConnections } from '../../services/connection-list.ts';
import { presentConnection } from '../../services/connection-view.ts';
import { findClientConnection } from '../../services/connections.ts';
import {
  listProduct,
  listRemovedProduct,
  type ProductListQuery,
  searchProduct,
} from '../../services/data-lists.ts';
import { getProductRecord, SettledConnections } from '../../services/data-reads.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import { externalIdOf, idKinds, userOfExternalId } from './auth.ts';
import { powensAnswers } from './errors.ts';
import {
  type AccountSource,
  amountOf,
  type ConnectionFacts,
  toPowensAccount,
  toPowensConnection,
  toPowensConnector,
  toPowensInvestment,
  toPowensTransaction,
} from './map.ts';

type Json = Record<string, unknown>;
export type ReadEngine = Pick<ServiceDeps, 'db' | 'keyring' | 'now'>;

/** Whose records: a client's, narrowed to one user's and/or one connection's. */
export interface ReadScope {
  clientId: string;
  /** One user's connections only (a user token, or a manage token naming a user). */
  idUser?: number | null | undefined;
  /** One connection (native id). */
  connectionId?: string | undefined;
}

const NATIVE_PAGE = 1000;

type ConnectionView = Awaited<ReturnType<typeof presentConnection>>;

const nativeScope = (scope: ReadScope) => ({
  ...(scope.idUser != null ? { external_id: externalIdOf(scope.idUser) } : {}),
  ...(scope.connectionId ? { connection_id: scope.connectionId } : {}),
});

// ---- connections

/** Every connection in the scope, oldest first, as native views. */
export async function connectionViews(engine: ReadEngine, scope: ReadScope): Promise<ConnectionView[]> {
  if (scope.connectionId) return [await connectionView(engine, scope, scope.connectionId)];
  const views: ConnectionView[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await listConnections(engine.db, scope.clientId, {
      ...(scope.idUser != null ? { external_id: externalIdOf(scope.idUser) } : {}),
      page_size: 100,
      cursor,
    });
    views.push(...page.data);
    if (!page.has_more || !page.next_cursor) return views;
    cursor = page.next_cursor;
  }
}

async function connectionView(engine: ReadEngine, scope: ReadScope, nativeId: string) {
  const connection = await findClientConnection(engine.db, scope.clientId, nativeId);
  if (!connection) throw powensAnswers.notFound('connection');
  if (scope.idUser != null && connection.external_id !== externalIdOf(scope.idUser))
    throw powensAnswers.notFound('connection');
  return presentConnection(engine.db, connection);
}

/**
 * The native connection a Powens connection id names, in the scope; Powens' 404
 * connectionNotFound otherwise (another user's or another client's connection too).
 */
export async function connectionOfId(engine: ReadEngine, scope: ReadScope, id: string | number) {
  const text = String(id);
  const nativeId = /^\d{1,15}$/.test(text)
    ? await nativeIdFor(engine, scope.clientId, idKinds.connection, Number(text))
    : undefined;
  if (!nativeId) throw powensAnswers.notFound('connection');
  return connectionView(engine, scope, nativeId);
}

export const connectionIdsOf = (engine: ReadEngine, clientId: string, nativeIds: readonly string[]) =>
  integerIdsFor(engine, clientId, idKinds.connection, nativeIds);

export interface ConnectionExpansion {
  connector: boolean;
  accounts: boolean;
  transactions: boolean;
  /** Only the movements changed since (Powens' "new and updated transactions" of a sync). */
  transactionsSince?: string | undefined;
}

/** Native views → Powens connections, with the expansions asked for. */
export async function powensConnections(
  engine: ReadEngine,
  registry: ConnectorRegistry | undefined,
  clientId: string,
  views: readonly ConnectionView[],
  expand: ConnectionExpansion,
) {
  const ids = await connectionIdsOf(
    engine,
    clientId,
    views.map((view) => view.id),
  );
  const answers = [];
  for (const view of views) {
    const idUser = userOfExternalId(view.external_id);
    const institution = registry?.findInstitution(view.institution_id);
    const accounts = expand.accounts
      ? await powensAccounts(
          engine,
          { clientId, connectionId: view.id },
          {
            transactions: expand.transactions,
            transactionsSince: expand.transactionsSince,
          },
        )
      : undefined;
    answers.push(
      toPowensConnection(
        view as ConnectionFacts,
        { id: ids.get(view.id)!, idUser },
        {
          ...(expand.connector && institution
            ? { connector: toPowensConnector(institution, { withFields: false }) }
            : {}),
          ...(accounts ? { accounts } : {}),
        },
      ),
    );
  }
  return answers;
}

// ---- native reads

/** Every record of a product in the scope matching `filters`, in list order (at most `max`). */
async function readAll(
  engine: ReadEngine,
  product: Product,
  scope: ReadScope,
  filters: Partial<ProductListQuery> = {},
  options: { max?: number; query?: Json } = {},
): Promise<{ records: Json[]; total: number }> {
  const settled = new SettledConnections();
  const max = options.max ?? Number.POSITIVE_INFINITY;
  const records: Json[] = [];
  let cursor: string | undefined;
  let total = 0;
  for (;;) {
    const query: ProductListQuery = {
      ...filters,
      ...nativeScope(scope),
      allow_partial: true,
      count: cursor === undefined,
      page_size: Math.max(1, Math.min(NATIVE_PAGE, max - records.length)),
      ...(cursor ? { cursor } : {}),
    };
    const text = options.query
      ? await searchProduct(engine.db, product, scope.clientId, { ...query, query: options.query }, settled)
      : await listProduct(engine.db, product, scope.clientId, query, settled);
    const page = JSON.parse(text) as {
      data: Json[];
      has_more: boolean;
      next_cursor: string | null;
      total?: number;
    };
    if (page.total !== undefined) total = page.total;
    records.push(...page.data);
    if (!page.has_more || !page.next_cursor || records.length >= max) return { records, total };
    cursor = page.next_cursor;
  }
}

// ---- accounts

const accountSources: readonly AccountSource[] = ['accounts', 'cards', 'liabilities', 'portfolios'];

const sourceOfPrefix = new Map(
  accountSources.map((source) => [productIdPrefix[source as Product], source] as const),
);

function sourceOfNativeId(id: string): AccountSource | undefined {
  return sourceOfPrefix.get(id.split('_')[0]!);
}

/** A Powens account id → its native record and product, in the scope; 404 accountNotFound otherwise. */
export async function accountOfId(engine: ReadEngine, scope: ReadScope, id: string | number) {
  const text = String(id);
  const nativeId = /^\d{1,15}$/.test(text)
    ? await nativeIdFor(engine, scope.clientId, idKinds.account, Number(text))
    : undefined;
  const source = nativeId ? sourceOfNativeId(nativeId) : undefined;
  if (!nativeId || !source) throw powensAnswers.notFound('account');
  let record: Json;
  try {
    record = JSON.parse(
      await getProductRecord(engine.db, source as Product, scope.clientId, nativeId, false),
    );
  } catch (error) {
    if (error instanceof AppError && error.code === 'NOT_FOUND') throw powensAnswers.notFound('account');
    throw error;
  }
  if (scope.idUser != null && record.external_id !== externalIdOf(scope.idUser))
    throw powensAnswers.notFound('account');
  if (scope.connectionId && record.connection_id !== scope.connectionId)
    throw powensAnswers.notFound('account');
  return { id: Number(text), nativeId, source, record };
}

function sumBy(records: readonly Json[], key: string): Map<string, number> {
  const sums = new Map<string, number>();
  for (const record of records) {
    const parent = String(record[key]);
    sums.set(parent, Math.round(((sums.get(parent) ?? 0) + (amountOf(record.amount) ?? 0)) * 100) / 100);
  }
  return sums;
}

export interface AccountOptions {
  transactions?: boolean;
  transactionsSince?: string | undefined;
  /** Only this native account. */
  only?: string;
}

/** The scope's accounts, cards, loans and portfolios as Powens accounts. */
export async function powensAccounts(engine: ReadEngine, scope: ReadScope, options: AccountOptions = {}) {
  const bySource = new Map<AccountSource, Json[]>();
  for (const source of accountSources) {
    const { records } = await readAll(engine, source as Product, scope);
    bySource.set(source, options.only ? records.filter((record) => record.id === options.only) : records);
  }
  const all = accountSources.flatMap((source) => bySource.get(source)!.map((record) => ({ source, record })));
  const accountIds = await integerIdsFor(
    engine,
    scope.clientId,
    idKinds.account,
    all.map(({ record }) => String(record.id)),
  );
  const connectionIds = await connectionIdsOf(engine, scope.clientId, [
    ...new Set(all.map(({ record }) => String(record.connection_id))),
  ]);
  // Pending movements are Powens' `coming` of their account.
  const pendingCash = sumBy(
    (await readAll(engine, 'transactions', scope, { pending: true })).records,
    'account_id',
  );
  const pendingCard = sumBy(
    (await readAll(engine, 'card_transactions', scope, { pending: true })).records,
    'card_id',
  );
  const ibanAccount = new Map(
    (bySource.get('accounts') ?? []).map((record) => [`${record.connection_id} ${record.iban}`, record.id]),
  );
  const movements = options.transactions
    ? await movementsByAccount(engine, scope, options.transactionsSince)
    : undefined;
  return all.map(({ source, record }) => {
    const id = String(record.id);
    const parent =
      source === 'cards' ? ibanAccount.get(`${record.connection_id} ${record.account_iban}`) : undefined;
    const account = toPowensAccount(source, record, {
      id: accountIds.get(id)!,
      idConnection: connectionIds.get(String(record.connection_id))!,
      idUser: userOfExternalId(record.external_id as string | null),
      idParent: parent === undefined ? null : (accountIds.get(String(parent)) ?? null),
      coming: (source === 'cards' ? pendingCard.get(id) : pendingCash.get(id)) ?? 0,
    });
    return movements ? { ...account, transactions: movements.get(id) ?? [] } : account;
  });
}

/** Every movement of the scope (changed since `since`, when given), as Powens transactions by native account. */
async function movementsByAccount(engine: ReadEngine, scope: ReadScope, since: string | undefined) {
  const filters = since ? { updated_since: since } : {};
  const cash = (await readAll(engine, 'transactions', scope, filters)).records;
  const card = (await readAll(engine, 'card_transactions', scope, filters)).records;
  const mapped = await powensTransactions(engine, scope.clientId, [
    ...cash.map((record) => ({ record, onCard: false })),
    ...card.map((record) => ({ record, onCard: true })),
  ]);
  const groups = new Map<string, ReturnType<typeof toPowensTransaction>[]>();
  mapped.forEach((transaction, index) => {
    const { record, onCard } =
      index < cash.length
        ? { record: cash[index]!, onCard: false }
        : { record: card[index - cash.length]!, onCard: true };
    const parent = String(onCard ? record.card_id : record.account_id);
    const group = groups.get(parent);
    if (group) group.push(transaction);
    else groups.set(parent, [transaction]);
  });
  return groups;
}

// ---- transactions

export interface MovementFilters {
  operation_date_from?: string;
  operation_date_to?: string;
  amount_min?: number;
  amount_max?: number;
  q?: string;
  updated_since?: string;
  /** Any of these exact amounts (Powens' `value=XX|-XX`). */
  amounts?: number[];
}

/** Native movements (cash or card) → Powens transactions, allocating their integer ids. */
export async function powensTransactions(
  engine: ReadEngine,
  clientId: string,
  movements: ReadonlyArray<{ record: Json; onCard: boolean; removedAt?: string }>,
) {
  const ids = await integerIdsFor(
    engine,
    clientId,
    idKinds.transaction,
    movements.map(({ record }) => String(record.id)),
  );
  const accountIds = await integerIdsFor(engine, clientId, idKinds.account, [
    ...new Set(movements.map(({ record, onCard }) => String(onCard ? record.card_id : record.account_id))),
  ]);
  const cards = new Map<string, string | null>();
  for (const { record, onCard } of movements)
    if (onCard && !cards.has(String(record.card_id))) cards.set(String(record.card_id), null);
  if (cards.size > 0) {
    // The card's masked number, for Powens' `card` of a card purchase.
    const { records } = await readAll(engine, 'cards', { clientId }, {});
    for (const card of records)
      if (cards.has(String(card.id))) cards.set(String(card.id), (card.pan as string) ?? null);
  }
  return movements.map(({ record, onCard, removedAt }) =>
    toPowensTransaction(record, {
      id: ids.get(String(record.id))!,
      idAccount: accountIds.get(String(onCard ? record.card_id : record.account_id))!,
      ...(onCard ? { card: cards.get(String(record.card_id)) ?? null } : {}),
      ...(removedAt ? { deleted: removedAt } : {}),
    }),
  );
}

/** Movement order: the newest operation first, then by id (the native list order). */
const newestFirst = (a: Json, b: Json) =>
  String(b.operation_date).localeCompare(String(a.operation_date)) ||
  String(b.id).localeCompare(String(a.id));

/**
 * One window (`offset`, `limit`) of the scope's movements, cash and card merged newest first, with
 * the total. Native lists page by cursor or page number (SPEC gap G25): each product's first
 * `offset + limit` records are read and the merged list is cut.
 */
export async function transactionWindow(
  engine: ReadEngine,
  scope: ReadScope,
  filters: MovementFilters,
  window: { limit: number; offset: number },
  products: { cash: boolean; card: boolean; cashParent?: string; cardParent?: string },
  /** Powens' `deleted` (removed movements only) and `all` (live and removed). */
  removed: 'none' | 'only' | 'include' = 'none',
) {
  const { amounts, ...native } = filters;
  const query = amounts ? { amount: { $in: amounts } } : undefined;
  const max = window.offset + window.limit;
  type Movement = { record: Json; onCard: boolean; removedAt?: string };
  const read = async (product: Product, parent: Json, onCard: boolean) => {
    const movements: Movement[] = [];
    let total = 0;
    if (removed !== 'only') {
      const live = await readAll(
        engine,
        product,
        scope,
        { ...native, ...parent },
        { max, ...(query ? { query } : {}) },
      );
      movements.push(...live.records.map((record) => ({ record, onCard })));
      total += live.total;
    }
    if (removed !== 'none') {
      const gone = (
        await listRemovedProduct(
          engine.db,
          product,
          scope.clientId,
          { ...native, ...parent, ...nativeScope(scope) },
          new SettledConnections(),
          MAX_REMOVED,
        )
      ).filter(({ record }) => !amounts || amounts.includes(Number(record.amount)));
      movements.push(...gone.map(({ record, removedAt }) => ({ record, onCard, removedAt })));
      total += gone.length;
    }
    return { movements, total };
  };
  const cash = products.cash
    ? await read('transactions', products.cashParent ? { account_id: products.cashParent } : {}, false)
    : { movements: [], total: 0 };
  const card = products.card
    ? await read('card_transactions', products.cardParent ? { card_id: products.cardParent } : {}, true)
    : { movements: [], total: 0 };
  const merged = [...cash.movements, ...card.movements].sort((a, b) => newestFirst(a.record, b.record));
  const slice = merged.slice(window.offset, max);
  return {
    transactions: await powensTransactions(engine, scope.clientId, slice),
    total: cash.total + card.total,
  };
}

/** The removed movements read at most for one answer (they are few: vanished pending rows). */
const MAX_REMOVED = 10_000;

// ---- investments

/** The scope's investments (of one portfolio when given) as Powens investments. */
export async function powensInvestments(engine: ReadEngine, scope: ReadScope, portfolioId?: string) {
  const { records } = await readAll(
    engine,
    'investments',
    scope,
    portfolioId ? { portfolio_id: portfolioId } : {},
  );
  const ids = await integerIdsFor(
    engine,
    scope.clientId,
    idKinds.investment,
    records.map((record) => String(record.id)),
  );
  const portfolios = await integerIdsFor(engine, scope.clientId, idKinds.account, [
    ...new Set(records.map((record) => String(record.portfolio_id))),
  ]);
  const valuations = sumBy(
    records.map((record) => ({ ...record, amount: record.balance })),
    'portfolio_id',
  );
  return records.map((record) =>
    toPowensInvestment(record, {
      id: ids.get(String(record.id))!,
      idAccount: portfolios.get(String(record.portfolio_id))!,
      portfolioValuation: valuations.get(String(record.portfolio_id)) ?? 0,
    }),
  );
}
