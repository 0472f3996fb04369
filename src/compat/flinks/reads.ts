// The bodies of Flinks' data answers, read from a session: GetAccountsDetail / GetAccountsSummary
// and Investments. Shared by the data routes and the Flinks webhooks (which push the same
// bodies). "A 202 response is expected on the initial call": while the session's data is not
// ready the read throws 202 OPERATION_PENDING with the RequestId — for a cached session while
// the login's first extraction runs (the native 202), for a live one while the refresh Authorize
// started has not ended — and after 210 s OPERATION_DISPATCHED, Flinks' "poll the Async
// endpoint". A login the bank refused is its 401; accounts or transactions that failed, 500
// AGGREGATION_ERROR. Pending movements are left out: Flinks lists posted history.
import type { ConnectorRegistry } from '../../connectors/registry.ts';
import type { ConnectionStatus } from '../../domain/connection-status.ts';
import { AppError } from '../../domain/errors.ts';
import type { Product } from '../../domain/products.ts';
import { activeRefreshIdOf, findClientConnection } from '../../services/connections.ts';
import { SettledConnections } from '../../services/data-reads.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import type { ConnectionRow } from '../../store/connections.ts';
import { VendorAnswer } from '../shared/errors.ts';
import { allRecords, type NativeRecord } from '../shared/records.ts';
import { flinksAnswers, flinksError, loginFailureAnswer } from './errors.ts';
import { type LoginFacts, loginFacts } from './logins.ts';
import { toFlinksAccount, toFlinksCardAccount, toFlinksHolder, toFlinksInvestmentAccount } from './map.ts';
import type { DataOptions, OpenSession } from './sessions.ts';

/** After this long a session still loading is "dispatched" (Flinks: long-running jobs). */
export const DISPATCHED_AFTER_MS = 210_000;

export interface FlinksReadDeps {
  /** What reading needs: the routes pass the engine, the webhooks the dispatcher's context. */
  engine: Pick<ServiceDeps, 'db' | 'keyring' | 'now'>;
  registry: ConnectorRegistry;
}

/** The session's connection and what every answer says about its login. */
export async function sessionLogin(deps: FlinksReadDeps, session: OpenSession) {
  const connection = await findClientConnection(deps.engine.db, session.clientId, session.data.connection_id);
  if (!connection) throw flinksAnswers.sessionNonexistent();
  return { connection, facts: await loginFacts(deps.engine, deps.registry, connection) };
}

function pending(deps: FlinksReadDeps, session: OpenSession, facts: LoginFacts): VendorAnswer {
  const waited = deps.engine.now().getTime() - Date.parse(session.data.opened_at);
  return flinksAnswers.pending(session.requestId, facts.links, waited >= DISPATCHED_AFTER_MS);
}

/** A live session waits for the refresh Authorize started: 202 until it has ended. */
async function assertSessionReady(
  deps: FlinksReadDeps,
  session: OpenSession,
  connection: ConnectionRow,
  facts: LoginFacts,
): Promise<void> {
  if (session.data.mode !== 'live' || !session.data.refresh_id) return;
  if ((await activeRefreshIdOf(deps.engine.db, connection.id)) === session.data.refresh_id)
    throw pending(deps, session, facts);
}

/** Native refusals of a read, in the session's words. */
async function inSession<T>(
  deps: FlinksReadDeps,
  session: OpenSession,
  facts: LoginFacts,
  read: () => Promise<T>,
): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (!(error instanceof AppError) || error instanceof VendorAnswer) throw error;
    if (error.code === 'OPERATION_PENDING') throw pending(deps, session, facts);
    if (error.code === 'CONNECTION_LOGIN_FAILED')
      throw loginFailureAnswer(
        (error.extensions?.connection_status ?? 'institution_down') as ConnectionStatus,
        null,
        session.requestId,
      );
    if (error.code === 'PRODUCT_EXTRACTION_FAILED')
      throw new VendorAnswer(
        'PRODUCT_EXTRACTION_FAILED',
        flinksError(500, 'AGGREGATION_ERROR', error.message, {
          links: facts.links,
          requestId: session.requestId,
        }),
      );
    throw error;
  }
}

/** A product the answer can do without (cards, the holder): empty when its extraction failed. */
async function optional(read: () => Promise<NativeRecord[]>): Promise<NativeRecord[]> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof AppError && error.code === 'PRODUCT_EXTRACTION_FAILED') return [];
    throw error;
  }
}

function byParent(records: readonly NativeRecord[], key: string): Map<string, NativeRecord[]> {
  const groups = new Map<string, NativeRecord[]>();
  for (const record of records) {
    const parent = String(record[key]);
    const group = groups.get(parent);
    if (group) group.push(record);
    else groups.set(parent, [record]);
  }
  return groups;
}

/** The GetAccountsDetail (or, without transactions and holder, GetAccountsSummary) body. */
export async function accountsBody(deps: FlinksReadDeps, session: OpenSession, options: DataOptions) {
  const { connection, facts } = await sessionLogin(deps, session);
  await assertSessionReady(deps, session, connection, facts);
  const settled = new SettledConnections();
  const has = (product: Product) => connection.products.includes(product);
  const movementFilters = {
    pending: false,
    ...(options.from ? { operation_date_from: options.from } : {}),
    ...(options.to ? { operation_date_to: options.to } : {}),
  };
  const read = (product: Product, movements = false) =>
    allRecords(deps.engine, settled, product, connection, {
      allowPartial: false,
      ...(movements ? { filters: movementFilters } : {}),
    });
  const data = await inSession(deps, session, facts, async () => {
    const accounts = await read('accounts');
    const transactions =
      options.withTransactions && has('transactions') ? await read('transactions', true) : [];
    const cards = has('cards') ? await optional(() => read('cards')) : [];
    const cardTransactions =
      options.withTransactions && cards.length > 0 && has('card_transactions')
        ? await optional(() => read('card_transactions', true))
        : [];
    const identities = options.withHolder && has('identity') ? await optional(() => read('identity')) : [];
    return { accounts, transactions, cards, cardTransactions, identities };
  });
  const holder = options.withHolder ? toFlinksHolder(data.identities[0]) : undefined;
  const detail = (movements: NativeRecord[] | undefined) => ({
    withIdentity: options.withIdentity,
    ...(options.withTransactions ? { transactions: movements ?? [] } : {}),
    ...(holder !== undefined ? { holder } : {}),
  });
  const txByAccount = byParent(data.transactions, 'account_id');
  const txByCard = byParent(data.cardTransactions, 'card_id');
  const wanted = options.accounts && new Set(options.accounts.map((id) => id.toLowerCase()));
  const accounts = [
    ...data.accounts.map((account) => toFlinksAccount(account, detail(txByAccount.get(String(account.id))))),
    ...data.cards.map((card) => toFlinksCardAccount(card, detail(txByCard.get(String(card.id))))),
  ].filter((account) => !wanted || wanted.has(account.Id));
  return {
    HttpStatusCode: 200,
    Accounts: accounts,
    Login: facts.Login,
    Institution: facts.institutionName,
    RequestId: session.requestId,
  };
}

/** The cash of an investment account: the balance of its settlement account, when known. */
function cashOf(balance: unknown): number | null {
  const value =
    typeof balance === 'number' ? balance : typeof balance === 'string' ? Number(balance) : Number.NaN;
  return Number.isFinite(value) ? value : null;
}

/** The Investments body: each portfolio with its positions, its transactions and its cash. */
export async function investmentsBody(deps: FlinksReadDeps, session: OpenSession) {
  const { connection, facts } = await sessionLogin(deps, session);
  if (!connection.products.includes('portfolios'))
    throw flinksAnswers.invalidRequest('This login holds no investment accounts.');
  await assertSessionReady(deps, session, connection, facts);
  const settled = new SettledConnections();
  const has = (product: Product) => connection.products.includes(product);
  const read = (product: Product) =>
    allRecords(deps.engine, settled, product, connection, { allowPartial: false });
  const data = await inSession(deps, session, facts, async () => ({
    portfolios: await read('portfolios'),
    investments: has('investments') ? await read('investments') : [],
    movements: has('investment_transactions') ? await optional(() => read('investment_transactions')) : [],
    accounts: has('accounts') ? await optional(() => read('accounts')) : [],
  }));
  const positions = byParent(data.investments, 'portfolio_id');
  // An investment transaction belongs to an investment, which belongs to a portfolio.
  const portfolioOf = new Map(data.investments.map((investment) => [investment.id, investment.portfolio_id]));
  const movements = byParent(
    data.movements.map((movement) => ({
      ...movement,
      portfolio_id: portfolioOf.get(movement.investment_id),
    })),
    'portfolio_id',
  );
  const balanceOfIban = new Map(data.accounts.map((account) => [account.iban, account.balance]));
  // Portfolios may settle into one cash account: its balance is counted once, in the first.
  const counted = new Set<unknown>();
  const cashOfPortfolio = (portfolio: NativeRecord) => {
    if (counted.has(portfolio.ref_account)) return null;
    counted.add(portfolio.ref_account);
    return cashOf(balanceOfIban.get(portfolio.ref_account));
  };
  const institution = facts.institution.Institution as { Id: number; Name: string };
  return {
    HttpStatusCode: 200,
    Institution: {
      Name: institution.Name,
      Id: String(institution.Id),
      Accounts: data.portfolios.map((portfolio) =>
        toFlinksInvestmentAccount(portfolio, {
          positions: positions.get(String(portfolio.id)) ?? [],
          transactions: movements.get(String(portfolio.id)) ?? [],
          cash: cashOfPortfolio(portfolio),
        }),
      ),
    },
    Login: facts.Login,
    RequestId: session.requestId,
  };
}
