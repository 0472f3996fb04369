// The data API: every product (accounts, transactions, cards, …) is listed, searched and read by id
// the same way. Lists answer 202 OPERATION_PENDING while a connection's first extraction of the
// product runs; the SDK waits that out (see the client's `pending` option).
import type { Http, RequestOptions } from '../http.ts';
import {
  type Body,
  type Endpoint,
  type Item,
  type ListPage,
  listByBody,
  listByQuery,
  type Query,
  Resource,
  type Result,
} from '../operations.ts';
import { type PagedList, SyncFeed } from '../pagination.ts';

/** The path of each product's list. */
export type ProductPath =
  | '/v1/accounts'
  | '/v1/transactions'
  | '/v1/cards'
  | '/v1/card-transactions'
  | '/v1/portfolios'
  | '/v1/investments'
  | '/v1/investment-transactions'
  | '/v1/liabilities'
  | '/v1/liability-transactions'
  | '/v1/identities'
  | '/v1/holders'
  | '/v1/mifid-answers';

type ListKey<P extends ProductPath> = `GET ${P}`;
type GetKey<P extends ProductPath> = `GET ${P}/{id}`;
type SearchKey<P extends ProductPath> = `POST ${P}/search`;

/** One record of a product, e.g. `RecordOf<'/v1/transactions'>`. */
export type RecordOf<P extends ProductPath> = Result<GetKey<P>>;

export class Records<P extends ProductPath> extends Resource {
  /**
   * The records matching the filters (a connection, an end user's `external_id`, a parent account,
   * dates, amounts, text…), newest first for movements; iterate it for all of them.
   */
  readonly list: ((
    query?: Query<ListKey<P>>,
    options?: RequestOptions,
  ) => PagedList<Item<ListKey<P>>, ListPage<ListKey<P>>>) &
    Endpoint;

  /** One record by id; `{ include: 'raw' }` adds the source record. */
  readonly get: ((id: string, query?: Query<GetKey<P>>, options?: RequestOptions) => Promise<RecordOf<P>>) &
    Endpoint;

  /** The same lists with Flanks' MongoDB-style `query` object in the body (docs/search.md). */
  readonly search: ((
    body?: Body<SearchKey<P>>,
    options?: RequestOptions,
  ) => PagedList<Item<SearchKey<P>>, ListPage<SearchKey<P>>>) &
    Endpoint;

  constructor(http: Http, path: P) {
    super(http);
    // The keys are built from `path`; TypeScript cannot follow a template literal through a generic.
    this.list = this.endpoint(
      `GET ${path}` as ListKey<ProductPath>,
      (call) =>
        (query = {}, options?: RequestOptions) =>
          listByQuery(call, { query }, options),
    ) as never;
    this.get = this.endpoint(
      `GET ${path}/{id}` as GetKey<ProductPath>,
      (call) => (id: string, query?: object, options?: RequestOptions) =>
        call({ path: { id }, query }, options),
    ) as never;
    this.search = this.endpoint(
      `POST ${path}/search` as SearchKey<ProductPath>,
      (call) =>
        (body: object = {}, options?: RequestOptions) =>
          listByBody(call, body, options),
    ) as never;
  }
}

export type Transaction = RecordOf<'/v1/transactions'>;
type SyncKey = 'GET /v1/transactions/sync';
type SyncResult = Result<SyncKey>;

export class Transactions extends Records<'/v1/transactions'> {
  /**
   * The incremental feed of a connection's transactions (Plaid's /transactions/sync): without
   * `cursor` everything stored so far as `added`; from a stored `next_cursor`, what was added,
   * modified or removed since. `await feed.collect()` reads every page of the update.
   */
  readonly sync = this.endpoint(
    'GET /v1/transactions/sync',
    (call) =>
      ({ cursor, ...query }: Query<SyncKey>, options?: RequestOptions) =>
        new SyncFeed<SyncResult['added'][number], SyncResult['removed'][number], SyncResult>(
          (at) => call({ query: { ...query, cursor: at } }, options),
          cursor,
        ),
  );

  /** Removes a manual transaction (one added with accounts.addTransactions). */
  readonly delete = this.endpoint(
    'DELETE /v1/transactions/{id}',
    (call) =>
      async (id: string, options?: RequestOptions): Promise<void> => {
        await call({ path: { id } }, options);
      },
  );

  constructor(http: Http) {
    super(http, '/v1/transactions');
  }
}

export class Accounts extends Records<'/v1/accounts'> {
  /** The account's daily balance history, oldest first. */
  readonly balances = this.endpoint(
    'GET /v1/accounts/{id}/balances',
    (call) =>
      (id: string, query: Query<'GET /v1/accounts/{id}/balances'> = {}, options?: RequestOptions) =>
        listByQuery(call, { path: { id }, query }, options),
  );

  /** Adds (or, by `external_id`, updates) manual transactions of an account. */
  readonly addTransactions = this.endpoint(
    'POST /v1/accounts/{id}/transactions',
    (call) => (id: string, body: Body<'POST /v1/accounts/{id}/transactions'>, options?: RequestOptions) =>
      call({ path: { id }, body }, options),
  );

  constructor(http: Http) {
    super(http, '/v1/accounts');
  }
}
