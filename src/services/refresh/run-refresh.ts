// The extraction engine: runs one refresh of one connection. It logs in through the connector
// (raising a challenge for the end user when the institution asks one), loads every product into
// the store (load-products.ts, shared with statement imports), and moves the connection through
// its status machine (finish.ts). Running it again for the same refresh (a retried job after a
// crash) is safe: records are upserted by deterministic id and the counts are read back from the
// rows' change sequence.
import { randomBytes } from 'node:crypto';
import { ConnectorError, type LoginResult } from '../../connectors/connector.ts';
import { statusDetails } from '../../domain/connection-status.ts';
import type { Product } from '../../domain/products.ts';
import { open, seal } from '../../security/envelope.ts';
import { updateChallenge } from '../../store/challenges.ts';
import {
  type ConnectionRow,
  findConnectionById,
  findOpenChallenge,
  findRefresh,
  setStatus,
  updateConnection,
} from '../../store/connections.ts';
import { currentChangeSeq } from '../../store/records.ts';
import { startRefresh, updateRefresh } from '../../store/refreshes.ts';
import { type ServiceDeps, sealContext } from '../deps.ts';
import { handleLoginError, raiseChallenge } from './challenge.ts';
import { completeRefresh, countEnded, failWith, finishRefresh, type Refresh, whileActive } from './finish.ts';
import { loadProducts } from './load-products.ts';
import { budgetDetail, secondsUntilRead } from './read-budget.ts';

export async function runRefresh(deps: ServiceDeps, refreshId: string): Promise<void> {
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
    countEnded(deps, connection, refresh, 'disabled');
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
      await updateChallenge(db, challenge.id, { status: 'expired' });
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
  // Superseded or cancelled since it was read above (new credentials, a disable): nothing to run.
  if (!(await startRefresh(db, refresh.id, { started_at: refresh.started_at, start_seq: refresh.start_seq })))
    return;
  // Beyond the upstream's read budget the upstream is not asked: retried when a read is free.
  const wait = await secondsUntilRead(deps, connector, refresh);
  if (wait !== null) {
    const institution = deps.registry.findInstitution(connection.institution_id)?.name ?? connector.id;
    const detail = budgetDetail(connector.readBudget!, institution, wait);
    await failWith(deps, connection, refresh, 'rate_limited', detail, 'rate_limited', wait);
    return;
  }

  const credentials = JSON.parse(
    open(deps.keyring, connection.credentials_sealed, sealContext.credentials(connection.id)),
  );
  const session = connection.session_sealed
    ? JSON.parse(open(deps.keyring, connection.session_sealed, sealContext.session(connection.id)))
    : {};
  const answers = refresh.answers_sealed
    ? JSON.parse(open(deps.keyring, refresh.answers_sealed, sealContext.answers(refresh.id)))
    : undefined;

  // A redirect consent comes back to the callback with this state (stored hashed with the challenge).
  const redirect = {
    callbackUrl: callbackUrlOf(deps, connector.id),
    state: randomBytes(24).toString('base64url'),
  };
  const userPresent = refresh.user_present ?? undefined;
  let result: LoginResult;
  try {
    result = await connector.login({
      institutionId: connection.institution_id,
      credentials,
      session,
      answers,
      refreshNumber: refresh.refresh_number,
      now: deps.now(),
      redirect,
      ...(userPresent ? { userPresent } : {}),
    });
  } catch (error) {
    if (!(error instanceof ConnectorError)) throw error;
    await handleLoginError(deps, connection, refresh, challenge, error);
    return;
  }
  if (result.status === 'challenge') {
    await raiseChallenge(
      deps,
      connection,
      refresh,
      challenge,
      result.challenge,
      result.session,
      redirect.state,
    );
    return;
  }

  // Only while the refresh is in flight, from the row as it is now (whileActive): a run superseded
  // during the login (new credentials, a disable) neither writes its session over the connection's
  // nor moves its status.
  const loggedIn = await whileActive(deps, connection.id, refresh.id, async (trx, current) => {
    await updateConnection(trx, connection.id, {
      session_sealed: seal(deps.keyring, JSON.stringify(result.session), sealContext.session(connection.id)),
      // A new consent (a new date) is warned of again before it ends.
      ...(result.consentExpiresAt &&
      result.consentExpiresAt.getTime() !== current.consent_expires_at?.getTime()
        ? { consent_expires_at: result.consentExpiresAt, consent_warned_at: null }
        : {}),
    });
    // Before the refresh's row: an answer locks the challenge, then the refresh (the same order).
    if (challenge) await updateChallenge(trx, challenge.id, { status: 'completed' });
    // Logged in: what a facade that answers the login synchronously waits for (login-wait.ts).
    await updateRefresh(trx, refresh.id, { answers_sealed: null, logged_in_at: deps.now() });
    // The end user did their part: while the records load, the status says so (a first load is
    // pending again; a connection that had data is ok, with its refresh running).
    if (current.status === 'challenge_required') {
      const to = current.last_refresh_at ? 'ok' : 'pending';
      await setStatus(trx, current, to, statusDetails[to], { needs_user: false });
    }
    return true;
  });
  if (!loggedIn) return;
  await extractProducts(deps, connection, refresh, result.session);
}

/** Tesoro's public callback for a connector's redirect consents (connect/page.routes.ts). */
export const callbackUrlOf = (deps: Pick<ServiceDeps, 'publicUrl'>, connectorId: string) =>
  `${deps.publicUrl}/connect/callback/${encodeURIComponent(connectorId)}`;

async function extractProducts(
  deps: ServiceDeps,
  connection: ConnectionRow,
  refresh: Refresh,
  session: Record<string, unknown>,
): Promise<void> {
  const since = new Date(deps.now().getTime() - connection.history_days * 86_400_000);
  try {
    await loadRefreshProducts(deps, connection, refresh, session, since);
  } catch (error) {
    // The source said the connection cannot be read now (load-products.ts connectionWideErrors):
    // the refresh fails as a login would, with that status and its retry.
    if (!(error instanceof ConnectorError)) throw error;
    await handleLoginError(deps, connection, refresh, undefined, error);
    return;
  }
  await completeRefresh(deps, connection, refresh);
}

async function loadRefreshProducts(
  deps: ServiceDeps,
  connection: ConnectionRow,
  refresh: Refresh,
  session: Record<string, unknown>,
  since: Date,
): Promise<void> {
  const connector = deps.registry.connectorFor(connection.institution_id)!;
  await loadProducts(
    { db: deps.db, ingest: deps.ingest, logger: deps.logger, connection, run: { refresh: refresh.id } },
    {
      products: connection.products as Product[],
      records: (product) =>
        connector.extract({
          institutionId: connection.institution_id,
          session,
          product,
          since,
          refreshNumber: refresh.refresh_number,
          now: deps.now(),
          ...(refresh.user_present ? { userPresent: refresh.user_present } : {}),
        }),
    },
    { complete: true },
  );
}
