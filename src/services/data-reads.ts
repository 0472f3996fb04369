// Use cases of the data API: list and get records of a product, the "all data" view of a
// connection, and the readiness rule every read follows (Flinks' OPERATION_PENDING while the
// first extraction runs; an errored product answers with its error, never with an empty list that
// could mean "no data" — Flanks' ALL-DATA caveat).
import type { Kysely } from 'kysely';
import { type ConnectionStatus, errorStatuses, statusDetails } from '../domain/connection-status.ts';
import { AppError } from '../domain/errors.ts';
import type { Product } from '../domain/products.ts';
import { activeRefreshesOf, type ConnectionRow, connectionsForRead } from '../store/connections.ts';
import { decodeCursor, encodeCursor } from '../store/keyset.ts';
import {
  countRecords,
  listRecordPage,
  listRecords,
  type RecordFilters,
  sortKeyShape,
} from '../store/product-queries.ts';
import type { Schema } from '../store/schema.ts';

/** Seconds a client is told to wait before asking again while an extraction runs. */
export const PENDING_RETRY_SECONDS = 2;

/** What a read needs to know of a connection (not its sealed credentials and session). */
export type ScopedConnection = Pick<
  ConnectionRow,
  'id' | 'external_id' | 'status' | 'products' | 'product_status' | 'sync_seq'
>;

/** Connections a read is about: the one named, those of an end user, or none (every connection). */
export async function connectionsInScope(
  db: Kysely<Schema>,
  clientId: string,
  scope: { connectionId?: string | undefined; externalId?: string | undefined },
): Promise<ScopedConnection[] | undefined> {
  if (scope.connectionId === undefined && scope.externalId === undefined) return undefined;
  const rows = await connectionsForRead(db, clientId, scope);
  if (scope.connectionId !== undefined && rows.length === 0)
    throw new AppError('NOT_FOUND', `No connection ${scope.connectionId}.`);
  return rows;
}

const SETTLED_CACHE_MS = 1_000;
const SETTLED_CACHE_MAX = 10_000;

/** True when every product of the connection has been extracted once and none failed last time. */
const isSettled = (c: ScopedConnection) =>
  c.products.every((p) => c.product_status[p]?.created && !c.product_status[p]?.errored);

/**
 * The connections of list reads, kept for one second while they are settled. Looking them up costs
 * a round trip per list request (≈12 % of bench:api's throughput); a settled connection only
 * changes when a later refresh fails a product or the connection is deleted, and a reader may see
 * that up to a second late (an empty page instead of 404 for a just-deleted connection). Pending or
 * errored connections are never kept, so OPERATION_PENDING ends as soon as the extraction does.
 */
export class SettledConnections {
  readonly #entries = new Map<string, { rows: ScopedConnection[]; until: number }>();

  async inScope(
    db: Kysely<Schema>,
    clientId: string,
    scope: { connectionId?: string | undefined; externalId?: string | undefined },
  ): Promise<ScopedConnection[] | undefined> {
    if (scope.connectionId === undefined && scope.externalId === undefined) return undefined;
    const key = JSON.stringify([clientId, scope.connectionId ?? null, scope.externalId ?? null]);
    const now = Date.now();
    const cached = this.#entries.get(key);
    if (cached && cached.until > now) return cached.rows;
    const rows = (await connectionsInScope(db, clientId, scope))!;
    if (rows.every(isSettled)) {
      if (this.#entries.size >= SETTLED_CACHE_MAX) this.#entries.clear();
      this.#entries.set(key, { rows, until: now + SETTLED_CACHE_MS });
    }
    return rows;
  }
}

/**
 * True when the connection's login failed before anything was extracted: it sits in an error
 * status and no product was ever created. Its lists are empty because it never got in, which an
 * empty list would hide (the caller checks that no refresh is in flight: a retry may be running).
 */
const neverLoggedIn = (c: ScopedConnection) =>
  errorStatuses.includes(c.status as ConnectionStatus) &&
  !Object.values(c.product_status).some((state) => state.created);

/**
 * Throws OPERATION_PENDING while the first extraction of `product` runs for one of the connections,
 * CONNECTION_LOGIN_FAILED when one never logged in (and nothing is running for it), and
 * PRODUCT_EXTRACTION_FAILED when the product's last extraction failed.
 */
export async function assertProductReady(
  db: Kysely<Schema>,
  connections: readonly ScopedConnection[],
  product: Product,
): Promise<void> {
  const relevant = connections.filter((c) => c.products.includes(product));
  const waiting = relevant.filter((c) => !c.product_status[product]?.created);
  if (waiting.length > 0) {
    const active = await activeRefreshesOf(
      db,
      waiting.map((c) => c.id),
    );
    const refresh = active[0];
    if (refresh) {
      throw new AppError(
        'OPERATION_PENDING',
        `The first extraction of ${product} for connection ${refresh.connection_id} is still running.`,
        {
          extensions: { refresh_id: refresh.id, connection_id: refresh.connection_id },
          retryAfterSeconds: PENDING_RETRY_SECONDS,
        },
      );
    }
    const refused = waiting.find(neverLoggedIn);
    if (refused) {
      const status = refused.status as ConnectionStatus;
      throw new AppError(
        'CONNECTION_LOGIN_FAILED',
        `Connection ${refused.id} never logged in to its institution (${status}): ${statusDetails[status]}`,
        // Not `status`: RFC 9457 gives that member to the HTTP status.
        { extensions: { connection_id: refused.id, connection_status: status } },
      );
    }
  }
  const failed = relevant.find((c) => c.product_status[product]?.errored);
  if (failed) {
    const code = failed.product_status[product]?.error ?? 'unknown';
    throw new AppError(
      'PRODUCT_EXTRACTION_FAILED',
      `The last extraction of ${product} for connection ${failed.id} failed (${code}).`,
      { extensions: { connection_id: failed.id, product_error: code } },
    );
  }
}

export interface ListRequest {
  pageSize: number;
  cursor?: string | undefined;
  page?: number | undefined;
  includeRaw: boolean;
  count: boolean;
}

/** A page as JSON text: the rows arrive rendered by the database and are joined, not re-parsed. */
export async function listProductPage(
  db: Kysely<Schema>,
  product: Product,
  filters: RecordFilters,
  request: ListRequest,
  connections?: readonly ScopedConnection[],
): Promise<string> {
  const after = request.cursor ? decodeCursor(request.cursor, sortKeyShape(product)) : undefined;
  const page = await listRecordPage(
    db,
    product,
    filters,
    {
      pageSize: request.pageSize,
      ...(after ? { after } : {}),
      ...(request.page !== undefined ? { page: request.page } : {}),
      includeRaw: request.includeRaw,
    },
    connections && new Map(connections.map((c) => [c.id, c.external_id])),
  );
  const nextCursor = page.nextKey ? encodeCursor(page.nextKey) : null;
  const total = request.count ? `,"total":${await countRecords(db, product, filters)}` : '';
  return `{"data":[${page.json}],"has_more":${page.hasMore},"next_cursor":${JSON.stringify(nextCursor)}${total}}`;
}

/** One record as JSON text, or NOT_FOUND (another client's record is not found either). */
export async function getProductRecord(
  db: Kysely<Schema>,
  product: Product,
  clientId: string,
  id: string,
  includeRaw: boolean,
): Promise<string> {
  const rows = await listRecords(db, product, { clientId, id }, { pageSize: 1, includeRaw });
  if (rows.length === 0) throw new AppError('NOT_FOUND', `No ${product} record ${id}.`);
  return rows[0]!.json;
}
