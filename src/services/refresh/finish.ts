// How a run ends: a refresh succeeds (the connection is ok, its next refresh scheduled, the
// counts read back from the rows it changed, the load announced) or fails with the status that
// explains why. announceLoad is shared with statement imports: a first load is
// connection.historical_update, a later one that changed something connection.updated.
import { type Kysely, sql, type Transaction } from 'kysely';
import { type ConnectionStatus, statusDetails } from '../../domain/connection-status.ts';
import { productTable } from '../../domain/products.ts';
import { countRefresh } from '../../observability/metrics.ts';
import { failChallengesOf } from '../../store/challenges.ts';
import {
  type ConnectionRow,
  type Db,
  findConnectionByIdForUpdate,
  type findRefresh,
  isRefreshActive,
  productsOfConnection,
  setStatus,
} from '../../store/connections.ts';
import { recordEvent } from '../../store/events.ts';
import { type ChangeCounts, changesSince, lastTransactionDate } from '../../store/records.ts';
import { updateRefresh } from '../../store/refreshes.ts';
import type { Schema } from '../../store/schema.ts';
import { recordBalanceSnapshot } from '../balance-history.ts';
import { REFRESH_INTERVALS_MS, type ServiceDeps } from '../deps.ts';
import { encodeSyncCursor } from '../transactions-sync.ts';

export type Refresh = NonNullable<Awaited<ReturnType<typeof findRefresh>>>;

const DOWN_RETRY_SECONDS = 300;

/**
 * Runs `write` in a transaction with the connection's row locked and read again, if the refresh is
 * still the one in flight; otherwise writes nothing and answers undefined. A run read the connection
 * when it started: a PATCH, new credentials, a disable or a re-authentication may have changed it
 * since, and what the run writes must be decided from the row as it is now (its settings win). One
 * that superseded the refresh gets the last word: the refresh writes nothing to the connection.
 */
export async function whileActive<T>(
  deps: Pick<ServiceDeps, 'db'>,
  connectionId: string,
  refreshId: string,
  write: (trx: Transaction<Schema>, connection: ConnectionRow) => Promise<T>,
): Promise<T | undefined> {
  return deps.db.transaction().execute(async (trx) => {
    // The row first: whatever supersedes a refresh writes it before the refresh (the same order).
    const connection = await findConnectionByIdForUpdate(trx, connectionId);
    if (!connection || !(await isRefreshActive(trx, refreshId))) return undefined;
    return write(trx, connection);
  });
}

/**
 * A successful extraction: the connection is ok and scheduled again, the refresh counted and
 * announced. Decided from the connection's row as it is when the refresh ends (whileActive), not
 * from the copy the run read when it started (`run` only names the row).
 */
export async function completeRefresh(
  deps: ServiceDeps,
  run: Pick<ConnectionRow, 'id'>,
  refresh: Refresh,
): Promise<void> {
  const last = await lastTransactionDate(deps.db, run.id);
  const ended = await whileActive(deps, run.id, refresh.id, async (trx, connection) => {
    const now = deps.now();
    const institution = deps.registry.institutionOf(connection.institution_id)!;
    const recurrent = connection.access_mode === 'recurrent';
    const firstLoad = connection.last_refresh_at === null;
    await setStatus(trx, connection, 'ok', statusDetails.ok, {
      last_refresh_at: now,
      last_transaction_date: last,
      refresh_count: refresh.refresh_number + 1,
      needs_user: recurrent && institution.alwaysManualRefresh,
      next_refresh_at:
        recurrent && !institution.alwaysManualRefresh && connection.refresh_interval
          ? new Date(now.getTime() + REFRESH_INTERVALS_MS[connection.refresh_interval]!)
          : null,
      // A one-shot connection keeps no credentials once its extraction has ended.
      ...(recurrent ? {} : { credentials_sealed: null, session_sealed: null }),
    });
    await recordBalanceSnapshot(trx, connection.id, now);
    const counts = await finishRefresh({ ...deps, db: trx as never }, refresh, 'succeeded');
    await announceLoad(trx, connection, {
      firstLoad,
      counts,
      data: { refresh_id: refresh.id },
      // The cursor from which /v1/transactions/sync returns exactly this refresh's changes.
      updatedData: {
        sync_cursor: encodeSyncCursor({ s: refresh.start_seq ?? 0, p: refresh.start_seq ?? 0, h: null }),
      },
    });
    return connection;
  });
  if (ended) countEnded(deps, ended, refresh, 'succeeded');
}

/** Counts a refresh that ended for /metrics (after its transaction committed), by connector. */
export function countEnded(
  deps: Pick<ServiceDeps, 'registry' | 'now'>,
  connection: Pick<ConnectionRow, 'institution_id'>,
  refresh: Pick<Refresh, 'started_at'>,
  outcome: string,
): void {
  const connector = deps.registry.connectorFor(connection.institution_id)?.id ?? 'unknown';
  const seconds = refresh.started_at ? (deps.now().getTime() - refresh.started_at.getTime()) / 1000 : null;
  countRefresh(connector, outcome, seconds);
}

/**
 * The webhook a load is worth: connection.historical_update after the first one (Datanomik's
 * historical webhook, with each product's count), connection.updated after a later one that changed
 * something. `data` is added to either; `updatedData` to connection.updated only. Returns the
 * event's id, if one was recorded.
 */
export async function announceLoad(
  trx: Db,
  connection: { id: string; client_id: string; external_id: string | null },
  load: {
    firstLoad: boolean;
    counts: ChangeCounts;
    data: Record<string, unknown>;
    updatedData?: Record<string, unknown>;
  },
): Promise<string | undefined> {
  const base = { connection_id: connection.id, external_id: connection.external_id, ...load.data };
  const { counts } = load;
  if (load.firstLoad) {
    const row = await productsOfConnection(trx, connection.id);
    const products = Object.fromEntries(
      Object.entries(row.product_status).map(([product, state]) => [
        product,
        { count: state.count ?? 0, errored: state.errored, error: state.error ?? null },
      ]),
    );
    return recordEvent(trx, {
      clientId: connection.client_id,
      type: 'connection.historical_update',
      data: { ...base, products },
    });
  }
  if (counts.added + counts.modified + counts.removed > 0) {
    return recordEvent(trx, {
      clientId: connection.client_id,
      type: 'connection.updated',
      data: { ...base, ...counts, ...load.updatedData },
    });
  }
  return undefined;
}

/** Ends a refresh, with its added / modified / removed counts read from the rows it changed. */
export async function finishRefresh(
  deps: { db: Kysely<Schema>; now(): Date },
  refresh: Refresh,
  status: 'succeeded' | 'failed',
  error?: { code: string; detail: string },
): Promise<ChangeCounts> {
  const counts =
    refresh.start_seq === null
      ? { added: 0, modified: 0, removed: 0 }
      : await changesSince(deps.db, refresh.connection_id, refresh.start_seq, Object.values(productTable));
  await updateRefresh(deps.db, refresh.id, {
    status,
    finished_at: deps.now(),
    started_at: refresh.started_at ?? deps.now(),
    ...counts,
    error_code: error?.code ?? null,
    error_detail: error?.detail ?? null,
    answers_sealed: null,
    // Who was present is kept only while the refresh runs; that someone was, for good (read budgets).
    attended: sql<boolean>`attended or user_present is not null`,
    user_present: null,
  });
  return counts;
}

/**
 * Fails the refresh and moves the connection to the status that explains why, decided from the row
 * as it is now (whileActive; `run`, the run's copy, only names it). The refresh's challenge still
 * open or answered is closed as failed in the same transaction: whoever waits on the answer (the
 * challenge route, a consent callback) sees the failure with the status, not an answer pending.
 */
export async function failWith(
  deps: ServiceDeps,
  run: Pick<ConnectionRow, 'id'>,
  refresh: Refresh,
  status: ConnectionStatus,
  detail: string,
  code: string = status,
  retryAfterSeconds?: number,
): Promise<void> {
  const now = deps.now();
  const retryable = status === 'rate_limited' || status === 'institution_down';
  const ended = await whileActive(deps, run.id, refresh.id, async (trx, connection) => {
    // Before the refresh's row: an answer locks the challenge, then the refresh (same order).
    await failChallengesOf(trx, refresh.id);
    const single = connection.access_mode === 'single';
    await setStatus(trx, connection, status, detail, {
      needs_user: !retryable,
      next_refresh_at: retryable
        ? new Date(now.getTime() + (retryAfterSeconds ?? DOWN_RETRY_SECONDS) * 1000)
        : null,
      // A one-shot connection's extraction has ended unless it will be retried by itself.
      ...(single && !retryable ? { credentials_sealed: null, session_sealed: null } : {}),
    });
    await finishRefresh({ ...deps, db: trx as never }, refresh, 'failed', { code, detail });
    await recordEvent(trx, {
      clientId: connection.client_id,
      type: 'refresh.failed',
      data: {
        connection_id: connection.id,
        external_id: connection.external_id,
        refresh_id: refresh.id,
        error_code: code,
        status,
        status_detail: detail,
        retryable,
      },
    });
    return connection;
  });
  if (ended) countEnded(deps, ended, refresh, status);
}
