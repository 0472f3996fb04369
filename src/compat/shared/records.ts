// How a facade reads a product's records of one connection: native pages through the data
// services (so readiness, scoping and filters are the native ones), as an async sequence of
// batches or as one array.
import type { Product } from '../../domain/products.ts';
import { listProduct, type ProductListQuery, searchProduct } from '../../services/data-lists.ts';
import type { SettledConnections } from '../../services/data-reads.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import type { ConnectionRow } from '../../store/connections.ts';

/** One native record as served by /v1. */
export type NativeRecord = Record<string, unknown>;

/** The largest page the native lists serve. */
const NATIVE_PAGE = 1000;

export interface RecordRead {
  /** Read what is stored even while the first extraction runs or after it failed. */
  allowPartial: boolean;
  /** A search query object, in native field names (domain/search-query.ts). */
  query?: Record<string, unknown> | undefined;
  /** Only the movements of one parent: `{ account_id: … }`, `{ investment_id: … }`. */
  parent?: Record<string, string> | undefined;
  /** Native list filters (`operation_date_from`, `pending`, …). */
  filters?: Omit<ProductListQuery, 'count' | 'allow_partial' | 'page_size'> | undefined;
  /** Skip this many records first. */
  offset?: number | undefined;
  /** At most this many records. */
  limit?: number | undefined;
}

interface NativePage {
  data: NativeRecord[];
  has_more: boolean;
  next_cursor: string | null;
}

/**
 * A product's records of one connection, in native pages. The first page is read before this
 * returns, so OPERATION_PENDING, PRODUCT_EXTRACTION_FAILED and bad query objects are thrown before
 * anything is sent.
 */
export async function recordPages(
  engine: Pick<ServiceDeps, 'db'>,
  settled: SettledConnections,
  product: Product,
  connection: ConnectionRow,
  read: RecordRead,
): Promise<AsyncGenerator<NativeRecord[]>> {
  const offset = read.offset ?? 0;
  // A window of size s starting at a multiple of s is the native page of that size when s fits a
  // native page; any other window is read in native pages of the largest size and cut.
  const aligned = read.limit !== undefined && read.limit <= NATIVE_PAGE && offset % read.limit === 0;
  const pageSize = aligned ? read.limit! : NATIVE_PAGE;
  const base: ProductListQuery = {
    connection_id: connection.id,
    count: false,
    allow_partial: read.allowPartial,
    page_size: pageSize,
    ...read.filters,
    ...read.parent,
  };
  const fetch = async (paging: { cursor?: string; page?: number }, allowPartial: boolean) => {
    const query = { ...base, ...paging, allow_partial: allowPartial };
    const text = read.query
      ? await searchProduct(
          engine.db,
          product,
          connection.client_id,
          { ...query, query: read.query },
          settled,
        )
      : await listProduct(engine.db, product, connection.client_id, query, settled);
    return JSON.parse(text) as NativePage;
  };
  // The native page that holds the first record wanted is read by number, the rest follow by cursor.
  let page = await fetch({ page: Math.floor(offset / pageSize) + 1 }, read.allowPartial);
  let skip = offset % pageSize;
  let left = read.limit ?? Number.POSITIVE_INFINITY;
  return (async function* () {
    for (;;) {
      const records = page.data.slice(skip, skip + Math.min(left, pageSize));
      skip = 0;
      left -= records.length;
      if (records.length > 0) yield records;
      if (!page.has_more || left <= 0 || !page.next_cursor) return;
      page = await fetch({ cursor: page.next_cursor }, true);
    }
  })();
}

/** Every record of a product of one connection, as one array (small products: identity, MiFID, accounts). */
export async function allRecords(
  engine: Pick<ServiceDeps, 'db'>,
  settled: SettledConnections,
  product: Product,
  connection: ConnectionRow,
  read: RecordRead,
): Promise<NativeRecord[]> {
  const all: NativeRecord[] = [];
  for await (const records of await recordPages(engine, settled, product, connection, read))
    all.push(...records);
  return all;
}
