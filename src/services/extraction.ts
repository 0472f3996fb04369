// The extraction engine: runs one refresh of one connection. It logs in through the connector
// (raising a challenge for the end user when the institution asks one), streams every product into
// the store, links and removes pending movements, and moves the connection through its status
// machine. Running it again for the same refresh (a retried job after a crash) is safe: records
// are upserted by deterministic id and the counts are read back from the rows' change sequence.

import { sql } from 'kysely';
import { type ChallengeRequest, ConnectorError, type LoginResult } from '../connectors/connector.ts';
import { withCategories } from '../domain/categories/enrich.ts';
import { type ConnectionStatus, statusDetails, statusForError } from '../domain/connection-status.ts';
import { newId } from '../domain/ids.ts';
import { movementProducts, type Product, productTable } from '../domain/products.ts';
import { REFRESH_CONNECTION } from '../jobs/queues.ts';
import { open, seal } from '../security/envelope.ts';
import {
  type ConnectionRow,
  type Db,
  findConnectionById,
  findOpenChallenge,
  findRefresh,
  isRefreshActive,
  setStatus,
  updateProductState,
} from '../store/connections.ts';
import { recordEvent } from '../store/events.ts';
import {
  changesSince,
  currentChangeSeq,
  publishChanges,
  removeVanishedPending,
  upsertRecords,
} from '../store/records.ts';
import { type EngineDeps, REFRESH_INTERVALS_MS, sealContext } from './engine.ts';
import { encodeSyncCursor } from './transactions-sync.ts';

interface ChangeCounts {
  added: number;
  modified: number;
  removed: number;
}

export const CHALLENGE_ATTEMPTS = 3;
const DOWN_RETRY_SECONDS = 300;

type Refresh = NonNullable<Awaited<ReturnType<typeof findRefresh>>>;

export async function runRefresh(deps: EngineDeps, refreshId: string): Promise<void> {
  const { db } = deps;
  const refresh = await findRefresh(db, refreshId);
  if (!refresh || refresh.status === 'succeeded' || refresh.status === 'failed') return;
  const connection = await findConnectionById(db, refresh.connection_id);
  if (!connection) return;
  if (connection.status === 'disabled') {
    await finishRefresh(deps, refresh, 'failed', {
      code: 'disabled',
      detail: 'The connection was disabled.',
    });
    return;
  }
  const connector = deps.registry.connectorFor(connection.institution_id);
  if (!connector) throw new Error(`No connector for ${connection.institution_id}`);
  if (!connection.credentials_sealed) {
    await failWith(
      deps,
      connection,
      refresh,
      'consent_expired',
      'No credentials are kept for this connection any more; reconnect it.',
    );
    return;
  }

  const challenge = await findOpenChallenge(db, connection.id);
  if (refresh.status === 'waiting_user' && challenge) {
    if (challenge.expires_at.getTime() <= deps.now().getTime()) {
      await db.updateTable('challenges').set({ status: 'expired' }).where('id', '=', challenge.id).execute();
      await failWith(
        deps,
        connection,
        refresh,
        'challenge_required',
        'The verification step expired before it was completed.',
        'challenge_expired',
      );
      return;
    }
    // Nothing to do until the end user answers (a decoupled approval is polled instead).
    if (challenge.status === 'open' && challenge.type !== 'decoupled') return;
  }
  refresh.started_at ??= deps.now();
  // Kept across retries: the refresh's counts are every change made since it first ran.
  refresh.start_seq ??= await currentChangeSeq(db);
  await db
    .updateTable('refreshes')
    .set({ status: 'running', started_at: refresh.started_at, start_seq: refresh.start_seq })
    .where('id', '=', refresh.id)
    .execute();

  const credentials = JSON.parse(
    open(deps.keyring, connection.credentials_sealed, sealContext.credentials(connection.id)),
  );
  const session = connection.session_sealed
    ? JSON.parse(open(deps.keyring, connection.session_sealed, sealContext.session(connection.id)))
    : {};
  const answers = refresh.answers_sealed
    ? JSON.parse(open(deps.keyring, refresh.answers_sealed, sealContext.answers(refresh.id)))
    : undefined;

  let result: LoginResult;
  try {
    result = await connector.login({
      institutionId: connection.institution_id,
      credentials,
      session,
      answers,
      refreshNumber: refresh.refresh_number,
      now: deps.now(),
    });
  } catch (error) {
    if (!(error instanceof ConnectorError)) throw error;
    await handleLoginError(deps, connection, refresh, challenge, error);
    return;
  }
  if (result.status === 'challenge') {
    await raiseChallenge(deps, connection, refresh, challenge, result.challenge, result.session);
    return;
  }

  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('connections')
      .set({
        session_sealed: seal(
          deps.keyring,
          JSON.stringify(result.session),
          sealContext.session(connection.id),
        ),
      })
      .where('id', '=', connection.id)
      .execute();
    await trx.updateTable('refreshes').set({ answers_sealed: null }).where('id', '=', refresh.id).execute();
    if (challenge) {
      await trx
        .updateTable('challenges')
        .set({ status: 'completed' })
        .where('id', '=', challenge.id)
        .execute();
    }
    // The end user did their part: while the records load, the status says so (a first load is
    // pending again; a connection that had data is ok, with its refresh running).
    if (connection.status === 'challenge_required') {
      const to = connection.last_refresh_at ? 'ok' : 'pending';
      await setStatus(trx, connection, to, statusDetails[to], { needs_user: false });
    }
  });
  await extractProducts(deps, connection, refresh, result.session);
}

async function extractProducts(
  deps: EngineDeps,
  connection: ConnectionRow,
  refresh: Refresh,
  session: Record<string, unknown>,
): Promise<void> {
  const { db } = deps;
  const connector = deps.registry.connectorFor(connection.institution_id)!;
  const context = { clientId: connection.client_id, connectionId: connection.id };
  const since = new Date(deps.now().getTime() - connection.history_days * 86_400_000);
  for (const product of connection.products as Product[]) {
    const seenPending: string[] = [];
    try {
      for await (const batch of connector.extract({
        institutionId: connection.institution_id,
        session,
        product,
        since,
        refreshNumber: refresh.refresh_number,
        now: deps.now(),
      })) {
        await upsertRecords(db, deps.ingest, context, product, withCategories(product, batch));
        await publishChanges(db, connection.id);
        deps.logger.debug({ refresh: refresh.id, product, records: batch.length }, 'stored a batch');
        for (const record of batch) if (record.data.pending === true) seenPending.push(record.naturalKey);
      }
      if (movementProducts.has(product)) {
        await removeVanishedPending(db, context, product, seenPending);
        await publishChanges(db, connection.id);
      }
      const table = productTable[product];
      const { n } = (
        await sql<{
          n: number;
        }>`select count(*)::int as n from ${sql.table(table)} where connection_id = ${connection.id} and removed_at is null`.execute(
          db,
        )
      ).rows[0]!;
      await updateProductState(db, connection.id, product, {
        created: true,
        errored: false,
        error: null,
        count: n,
      });
    } catch (error) {
      if (!(error instanceof ConnectorError)) throw error;
      await updateProductState(db, connection.id, product, {
        created: true,
        errored: true,
        error: error.code,
        count: 0,
      });
    }
  }
  const last = await db
    .selectFrom('transactions')
    .select((eb) => eb.fn.max('operation_date').as('last'))
    .where('connection_id', '=', connection.id)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  await db.transaction().execute(async (trx) => {
    // A refresh superseded meanwhile (new credentials, disabled) does not get the last word.
    if (!(await isRefreshActive(trx, refresh.id))) return;
    const now = deps.now();
    const institution = deps.registry.findInstitution(connection.institution_id)!;
    const recurrent = connection.access_mode === 'recurrent';
    const firstLoad = connection.last_refresh_at === null;
    await setStatus(trx, connection, 'ok', statusDetails.ok, {
      last_refresh_at: now,
      last_transaction_date: (last?.last as string | null) ?? null,
      refresh_count: refresh.refresh_number + 1,
      needs_user: recurrent && institution.alwaysManualRefresh,
      next_refresh_at:
        recurrent && !institution.alwaysManualRefresh && connection.refresh_interval
          ? new Date(now.getTime() + REFRESH_INTERVALS_MS[connection.refresh_interval]!)
          : null,
      // A one-shot connection keeps no credentials once its extraction has ended.
      ...(recurrent ? {} : { credentials_sealed: null, session_sealed: null }),
    });
    const counts = await finishRefresh({ ...deps, db: trx as never }, refresh, 'succeeded');
    await announceRefresh(trx, connection, refresh, counts, firstLoad);
  });
}

/**
 * The webhook a successful refresh is worth: connection.historical_update after the first load
 * (seed 000's historical webhook), connection.updated after a later one that changed something.
 */
async function announceRefresh(
  trx: Db,
  connection: ConnectionRow,
  refresh: Refresh,
  counts: ChangeCounts,
  firstLoad: boolean,
): Promise<void> {
  const base = { connection_id: connection.id, external_id: connection.external_id, refresh_id: refresh.id };
  if (firstLoad) {
    const row = await trx
      .selectFrom('connections')
      .select('product_status')
      .where('id', '=', connection.id)
      .executeTakeFirstOrThrow();
    const products = Object.fromEntries(
      Object.entries(row.product_status).map(([product, state]) => [
        product,
        { count: state.count ?? 0, errored: state.errored, error: state.error ?? null },
      ]),
    );
    await recordEvent(trx, {
      clientId: connection.client_id,
      type: 'connection.historical_update',
      data: { ...base, products },
    });
  } else if (counts.added + counts.modified + counts.removed > 0) {
    await recordEvent(trx, {
      clientId: connection.client_id,
      type: 'connection.updated',
      data: {
        ...base,
        ...counts,
        // The cursor from which /v1/transactions/sync returns exactly this refresh's changes.
        sync_cursor: encodeSyncCursor({ s: refresh.start_seq ?? 0, p: refresh.start_seq ?? 0, h: null }),
      },
    });
  }
}

/** Ends a refresh, with its added / modified / removed counts read from the rows it changed. */
async function finishRefresh(
  deps: Pick<EngineDeps, 'db' | 'now'>,
  refresh: Refresh,
  status: 'succeeded' | 'failed',
  error?: { code: string; detail: string },
): Promise<ChangeCounts> {
  const counts =
    refresh.start_seq === null
      ? { added: 0, modified: 0, removed: 0 }
      : await changesSince(deps.db, refresh.connection_id, refresh.start_seq, Object.values(productTable));
  await deps.db
    .updateTable('refreshes')
    .set({
      status,
      finished_at: deps.now(),
      started_at: refresh.started_at ?? deps.now(),
      ...counts,
      error_code: error?.code ?? null,
      error_detail: error?.detail ?? null,
      answers_sealed: null,
    })
    .where('id', '=', refresh.id)
    .execute();
  return counts;
}

/** Fails the refresh and moves the connection to the status that explains why. */
async function failWith(
  deps: EngineDeps,
  connection: ConnectionRow,
  refresh: Refresh,
  status: ConnectionStatus,
  detail: string,
  code: string = status,
  retryAfterSeconds?: number,
  /** More to write in the same transaction (the failed challenge: whoever waits on it sees it all). */
  alsoWrite?: (trx: Db) => Promise<void>,
): Promise<void> {
  const now = deps.now();
  const retryable = status === 'rate_limited' || status === 'institution_down';
  const single = connection.access_mode === 'single';
  await deps.db.transaction().execute(async (trx) => {
    if (!(await isRefreshActive(trx, refresh.id))) return;
    await alsoWrite?.(trx);
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
  });
}

async function handleLoginError(
  deps: EngineDeps,
  connection: ConnectionRow,
  refresh: Refresh,
  challenge: Awaited<ReturnType<typeof findOpenChallenge>>,
  error: ConnectorError,
): Promise<void> {
  if (error.code === 'challenge_failed' && challenge) {
    const attemptsLeft = Math.max(
      0,
      Math.min(
        (challenge.attempts_left ?? CHALLENGE_ATTEMPTS) - 1,
        error.attemptsLeft ?? Number.POSITIVE_INFINITY,
      ),
    );
    if (attemptsLeft > 0) {
      await deps.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('challenges')
          .set({ status: 'open', attempts_left: attemptsLeft })
          .where('id', '=', challenge.id)
          .execute();
        await trx
          .updateTable('refreshes')
          .set({ status: 'waiting_user', answers_sealed: null })
          .where('id', '=', refresh.id)
          .execute();
      });
      return;
    }
    await failWith(
      deps,
      connection,
      refresh,
      'challenge_required',
      'Too many wrong answers to the verification step; start again.',
      'challenge_failed',
      undefined,
      async (trx) => {
        await trx
          .updateTable('challenges')
          .set({ status: 'failed', attempts_left: 0 })
          .where('id', '=', challenge.id)
          .execute();
      },
    );
    return;
  }
  const status = statusForError(error.code);
  await failWith(
    deps,
    connection,
    refresh,
    status,
    `${statusDetails[status]} (${error.message})`,
    error.code,
    error.retryAfterSeconds,
  );
}

async function raiseChallenge(
  deps: EngineDeps,
  connection: ConnectionRow,
  refresh: Refresh,
  existing: Awaited<ReturnType<typeof findOpenChallenge>>,
  request: ChallengeRequest,
  session: Record<string, unknown>,
): Promise<void> {
  const now = deps.now();
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('connections')
      .set({
        session_sealed: seal(deps.keyring, JSON.stringify(session), sealContext.session(connection.id)),
      })
      .where('id', '=', connection.id)
      .execute();
    if (!existing || existing.refresh_id !== refresh.id) {
      await trx
        .insertInto('challenges')
        .values({
          id: newId('challenge'),
          client_id: connection.client_id,
          connection_id: connection.id,
          refresh_id: refresh.id,
          type: request.type,
          prompt: JSON.stringify(request.prompt),
          fields: JSON.stringify(request.fields),
          redirect_url: request.redirectUrl ?? null,
          status: 'open',
          attempts_left: request.type === 'decoupled' ? null : CHALLENGE_ATTEMPTS,
          expires_at: new Date(now.getTime() + request.expiresInSeconds * 1000),
        })
        .execute();
    }
    await trx
      .updateTable('refreshes')
      .set({ status: 'waiting_user', answers_sealed: null })
      .where('id', '=', refresh.id)
      .execute();
    await setStatus(
      trx,
      connection,
      'challenge_required',
      `${statusDetails.challenge_required} ${request.prompt.en}`,
      { needs_user: true },
    );
    if (request.pollAfterMs !== undefined) {
      // Approve-in-app: look again shortly, without the end user doing anything here.
      await deps.jobs.send(
        REFRESH_CONNECTION,
        { refreshId: refresh.id },
        { startAfterSeconds: Math.max(1, Math.ceil(request.pollAfterMs / 1000)), trx },
      );
    }
  });
}
