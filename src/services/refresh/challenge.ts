// A refresh that needs the end user: the institution asked a one-time code, a question, an
// approval in its app or a redirect consent (raiseChallenge), or refused the answer
// (handleLoginError, which also maps every other connector error to the connection status).
import { createHash } from 'node:crypto';
import type { ChallengeRequest, ConnectorError } from '../../connectors/connector.ts';
import { loginErrorDetail, statusDetails, statusForError } from '../../domain/connection-status.ts';
import { newId } from '../../domain/ids.ts';
import { priorityOfRefresh, REFRESH_CONNECTION } from '../../jobs/definitions.ts';
import { seal } from '../../security/envelope.ts';
import { insertChallenge, updateChallenge } from '../../store/challenges.ts';
import {
  type ConnectionRow,
  type findOpenChallenge,
  setStatus,
  updateConnection,
} from '../../store/connections.ts';
import { updateRefresh } from '../../store/refreshes.ts';
import { type ServiceDeps, sealContext } from '../deps.ts';
import { failWith, type Refresh, whileActive } from './finish.ts';

export const CHALLENGE_ATTEMPTS = 3;

/** How a redirect consent's `state` is kept and looked up: it is a bearer secret in a URL. */
export const callbackStateHash = (state: string) => createHash('sha256').update(state).digest('hex');

export async function handleLoginError(
  deps: ServiceDeps,
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
      // Only while the refresh is in flight: one superseded meanwhile (its challenge expired) is
      // not brought back to waiting on the end user.
      await whileActive(deps, connection.id, refresh.id, async (trx) => {
        await updateChallenge(trx, challenge.id, { status: 'open', attempts_left: attemptsLeft });
        await updateRefresh(trx, refresh.id, { status: 'waiting_user', answers_sealed: null });
      });
      return;
    }
    // failWith closes the challenge as failed, with no attempts left.
    await failWith(
      deps,
      connection,
      refresh,
      'challenge_required',
      'Too many wrong answers to the verification step; start again.',
      'challenge_failed',
    );
    return;
  }
  const status = statusForError(error.code);
  await failWith(
    deps,
    connection,
    refresh,
    status,
    loginErrorDetail(status, error.message),
    error.code,
    error.retryAfterSeconds,
  );
}

export async function raiseChallenge(
  deps: ServiceDeps,
  connection: ConnectionRow,
  refresh: Refresh,
  existing: Awaited<ReturnType<typeof findOpenChallenge>>,
  request: ChallengeRequest,
  session: Record<string, unknown>,
  /** The state a redirect consent comes back with (only its hash is kept). */
  state: string,
): Promise<void> {
  const now = deps.now();
  // Decided from the row as it is now, and only while the refresh is in flight (whileActive): a
  // refresh superseded meanwhile raises no challenge and does not wait on the end user again.
  await whileActive(deps, connection.id, refresh.id, async (trx, current) => {
    await updateConnection(trx, connection.id, {
      session_sealed: seal(deps.keyring, JSON.stringify(session), sealContext.session(connection.id)),
    });
    if (!existing || existing.refresh_id !== refresh.id) {
      await insertChallenge(trx, {
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
        callback_state_hash: request.type === 'redirect' ? callbackStateHash(state) : null,
      });
    }
    await updateRefresh(trx, refresh.id, { status: 'waiting_user', answers_sealed: null });
    await setStatus(
      trx,
      current,
      'challenge_required',
      `${statusDetails.challenge_required} ${request.prompt.en}`,
      { needs_user: true },
    );
    if (request.pollAfterMs !== undefined) {
      // Approve-in-app: look again shortly, without the end user doing anything here.
      await deps.jobs.send(
        REFRESH_CONNECTION,
        { refreshId: refresh.id },
        {
          startAfterSeconds: Math.max(1, Math.ceil(request.pollAfterMs / 1000)),
          trx,
          priority: priorityOfRefresh(refresh),
        },
      );
    }
  });
}
