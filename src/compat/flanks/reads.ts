// How the Flanks facade reads: the connection a `credentials_token` names (another client's is
// "Invalid credentials_token", as an unknown one), and a product's native records page by page
// through the data services, with what Flanks' records need beside them (the entity, Flanks'
// external_id from the source keys, the accounts' IBANs).
import { createHash } from 'node:crypto';
import { AppError } from '../../domain/errors.ts';
import type { Product } from '../../domain/products.ts';
import { getConnectionOrThrow } from '../../services/connections.ts';
import { listProduct, type ProductListQuery, searchProduct } from '../../services/data-lists.ts';
import type { SettledConnections } from '../../services/data-reads.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import { sourceKeys } from '../../services/record-keys.ts';
import type { ConnectionRow } from '../../store/connections.ts';
import { flanksAnswers } from './errors.ts';
import type { FlanksRecordContext, NativeRecord } from './map.ts';
import { entityOf } from './sandbox-map.ts';

/** The largest page the native lists serve. */
const NATIVE_PAGE = 1000;

export async function connectionOf(
  engine: ServiceDeps,
  clientId: string,
  token: unknown,
): Promise<ConnectionRow> {
  if (typeof token !== 'string' || token === '') throw flanksAnswers.invalid('credentials_token');
  try {
    return await getConnectionOrThrow(engine.db, clientId, token);
  } catch (error) {
    if (error instanceof AppError && error.code === 'NOT_FOUND') throw flanksAnswers.invalidToken();
    throw error;
  }
}

export interface RecordRead {
  /** Read what is stored even while the first extraction runs or after it failed (`ignore_data_error`). */
  allowPartial: boolean;
  /** Flanks' query object, already in native field names. */
  query?: Record<string, unknown> | undefined;
  /** Only the movements of one parent: `{ account_id: … }`, `{ investment_id: … }`. */
  parent?: Record<string, string> | undefined;
  /** Skip this many records first (Flanks' `page`). */
  offset?: number | undefined;
  /** At most this many records (Flanks' `page_size`). */
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
  engine: ServiceDeps,
  settled: SettledConnections,
  product: Product,
  connection: ConnectionRow,
  read: RecordRead,
): Promise<AsyncGenerator<NativeRecord[]>> {
  const offset = read.offset ?? 0;
  // Flanks' page p of size s is the native page p of size s when s fits a native page; any other
  // window is read in native pages of the largest size and cut.
  const aligned = read.limit !== undefined && read.limit <= NATIVE_PAGE && offset % read.limit === 0;
  const pageSize = aligned ? read.limit! : NATIVE_PAGE;
  const base: ProductListQuery = {
    connection_id: connection.id,
    count: false,
    allow_partial: read.allowPartial,
    page_size: pageSize,
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
  engine: ServiceDeps,
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

/**
 * Flanks' `external_id`: an id "based on the external_id associated on the user" instead of the
 * credentials token, so it stays the same when the end user re-creates the credentials. Null
 * when the connection has no external_id.
 */
export function flanksExternalId(userExternalId: string, product: Product, sourceKey: string): string {
  return createHash('sha256')
    .update(`${userExternalId}\u0000${product}\u0000${sourceKey}`)
    .digest('base64url')
    .slice(0, 24);
}

/** What the mappers need beside a page of records. */
export async function recordContext(
  engine: ServiceDeps,
  connection: ConnectionRow,
  product: Product,
  records: readonly NativeRecord[],
  accountIbans?: ReadonlyMap<string, string | null>,
): Promise<FlanksRecordContext> {
  const userExternalId = connection.external_id;
  const keys =
    userExternalId === null
      ? new Map<string, string>()
      : await sourceKeys(
          engine.db,
          product,
          connection.client_id,
          records.map((record) => String(record.id)),
        );
  return {
    entity: entityOf(connection.institution_id),
    credentialsToken: connection.id,
    externalId: (record) => {
      const key = keys.get(String(record.id));
      return userExternalId === null || key === undefined
        ? null
        : flanksExternalId(userExternalId, product, key);
    },
    ...(accountIbans ? { accountIbans } : {}),
  };
}
