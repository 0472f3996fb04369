// How the Datanomik routes read: native product lists through the data services (so scoping,
// readiness — 409 LINK_PROCESSING while the first load runs, 424 when a product failed, the
// link's status when its login failed — and filters are the native ones), across every link of
// the client or one of them, and a per-request directory of what the answers embed beside a
// record: its link, its account's number and owner.
import type { ConnectorRegistry } from '../../connectors/registry.ts';
import type { Product } from '../../domain/products.ts';
import { findClientConnection } from '../../services/connections.ts';
import { listProduct, type ProductListQuery, searchProduct } from '../../services/data-lists.ts';
import { SettledConnections } from '../../services/data-reads.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import type { ConnectionRow } from '../../store/connections.ts';
import type { NativeRecord } from '../shared/records.ts';
import { type LinkReadDeps, linksOf } from './links.ts';
import {
  accountOwnerOf,
  type DatanomikLink,
  type DatanomikOwner,
  type LinkFacts,
  toDatanomikAccount,
} from './map.ts';

const NATIVE_PAGE = 1000;

/** The native list filters the Datanomik routes use (services/data-lists.ts ProductListQuery). */
export interface ListQuery {
  connection_id?: string;
  account_id?: string;
  operation_date_from?: string;
  operation_date_to?: string;
  amount_min?: number;
  amount_max?: number;
  currency?: string;
  q?: string;
  allow_partial?: boolean;
  /** A search object in native names (domain/search-query.ts). */
  query?: Record<string, unknown>;
}

interface NativePage {
  data: NativeRecord[];
  has_more: boolean;
  next_cursor: string | null;
  total?: number;
}

export class Reader {
  readonly deps: LinkReadDeps & { engine: ServiceDeps };
  readonly clientId: string;
  readonly #settled = new SettledConnections();
  readonly #connections = new Map<string, Promise<ConnectionRow | undefined>>();
  readonly #links = new Map<string, { link: DatanomikLink; facts: LinkFacts }>();
  readonly #records = new Map<string, Promise<NativeRecord[]>>();

  constructor(engine: ServiceDeps, registry: ConnectorRegistry, clientId: string) {
    this.deps = { engine, registry };
    this.clientId = clientId;
  }

  /** One native page (page is 1-based, as natively), with its total when asked. */
  async page(
    product: Product,
    query: ListQuery,
    paging: { page?: number; cursor?: string; size: number; count: boolean },
  ) {
    const { query: search, ...filters } = query;
    const native: ProductListQuery = {
      ...filters,
      allow_partial: query.allow_partial ?? false,
      count: paging.count,
      page_size: paging.size,
      ...(paging.cursor ? { cursor: paging.cursor } : { page: paging.page ?? 1 }),
    };
    const db = this.deps.engine.db;
    const text = search
      ? await searchProduct(db, product, this.clientId, { ...native, query: search }, this.#settled)
      : await listProduct(db, product, this.clientId, native, this.#settled);
    return JSON.parse(text) as NativePage;
  }

  /** Every record a query matches, in the native order (newest first for movements). */
  async all(product: Product, query: ListQuery): Promise<NativeRecord[]> {
    const records: NativeRecord[] = [];
    let page = await this.page(product, query, { size: NATIVE_PAGE, count: false });
    for (;;) {
      records.push(...page.data);
      if (!page.has_more || !page.next_cursor) return records;
      // Later pages of a read whose readiness was checked on the first.
      page = await this.page(
        product,
        { ...query, allow_partial: true },
        { cursor: page.next_cursor, size: NATIVE_PAGE, count: false },
      );
    }
  }

  /** The records of one product of one connection, read once per request, whatever is stored. */
  recordsOf(product: Product, connectionId: string): Promise<NativeRecord[]> {
    const key = `${product}|${connectionId}`;
    let records = this.#records.get(key);
    if (!records) {
      records = this.all(product, { connection_id: connectionId, allow_partial: true });
      this.#records.set(key, records);
    }
    return records;
  }

  connection(id: string): Promise<ConnectionRow | undefined> {
    let found = this.#connections.get(id);
    if (!found) {
      found = findClientConnection(this.deps.engine.db, this.clientId, id);
      this.#connections.set(id, found);
    }
    return found;
  }

  /** The links of these connections (deleted ones are left out). */
  async links(ids: Iterable<string>): Promise<Map<string, { link: DatanomikLink; facts: LinkFacts }>> {
    const wanted = [...new Set(ids)].filter((id) => !this.#links.has(id));
    if (wanted.length > 0) {
      const rows = (await Promise.all(wanted.map((id) => this.connection(id)))).filter(
        (row): row is ConnectionRow => row !== undefined,
      );
      for (const [id, link] of await linksOf(this.deps, this.clientId, rows)) this.#links.set(id, link);
    }
    return this.#links;
  }

  async linkOf(connectionId: string) {
    return (await this.links([connectionId])).get(connectionId);
  }

  /** The owner an account embeds (holders and identity of its link, read once). */
  async accountOwner(account: NativeRecord): Promise<DatanomikOwner | null> {
    const connectionId = String(account.connection_id);
    const connection = await this.connection(connectionId);
    if (!connection?.products.includes('holders')) return null;
    const [holders, identities] = await Promise.all([
      this.recordsOf('holders', connectionId),
      connection.products.includes('identity')
        ? this.recordsOf('identity', connectionId)
        : Promise.resolve([]),
    ]);
    return accountOwnerOf(account, holders, identities[0]);
  }

  /** Native accounts as Datanomik accounts (their link and owner read once per link). */
  async accounts(records: readonly NativeRecord[]) {
    const links = await this.links(records.map((record) => String(record.connection_id)));
    const out: Array<{ native: NativeRecord; account: ReturnType<typeof toDatanomikAccount> }> = [];
    for (const record of records) {
      const link = links.get(String(record.connection_id));
      if (!link) continue;
      const owner = await this.accountOwner(record);
      out.push({
        native: record,
        account: toDatanomikAccount(record, link.link, link.facts.connection.product_status, owner),
      });
    }
    return out;
  }

  /** The account facts a transaction embeds, by native account id. */
  async accountFacts(connectionId: string, accountId: string) {
    const accounts = await this.recordsOf('accounts', connectionId);
    const account = accounts.find((record) => record.id === accountId);
    if (!account) return null;
    const [mapped] = await this.accounts([account]);
    return mapped
      ? { id: mapped.account.id, account_number: mapped.account.account_number, owner: mapped.account.owner }
      : null;
  }
}
