// Waiting for a login's outcome (SPEC gap G4). Native connection calls return at once and the
// login runs in the refresh job; some vendors' connection calls answer the login itself (Flinks'
// Authorize: 200, 203 with a challenge or 401; Powens' POST connections: 201 or 400 wrongpass).
// A facade calls this after it created or refreshed a connection: it follows the connection's
// latest refresh until its login succeeded (`logged_in_at`, set before extraction begins), it
// waits for the end user (a challenge), or it failed — or until the time allowed runs out.
import type { ConnectionStatus } from '../domain/connection-status.ts';
import { AppError } from '../domain/errors.ts';
import { findConnection, latestRefreshesOf } from '../store/connections.ts';
import type { ServiceDeps } from './deps.ts';

export type LoginOutcome =
  | { outcome: 'logged_in'; refreshId: string }
  | { outcome: 'challenge'; refreshId: string }
  | { outcome: 'failed'; refreshId: string; status: ConnectionStatus; errorCode: string | null }
  /** Still logging in when the time ran out (a slow institution): the caller answers "pending". */
  | { outcome: 'waiting'; refreshId: string | null };

const POLL_MS = 100;

export async function waitForLogin(
  deps: Pick<ServiceDeps, 'db'>,
  clientId: string,
  connectionId: string,
  options: { timeoutMs?: number } = {},
): Promise<LoginOutcome> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const connection = await findConnection(deps.db, clientId, connectionId);
    if (!connection) throw new AppError('NOT_FOUND', `No connection ${connectionId}.`);
    const [refresh] = await latestRefreshesOf(deps.db, clientId, connectionId, 1);
    if (refresh) {
      if (refresh.logged_in_at !== null || refresh.status === 'succeeded')
        return { outcome: 'logged_in', refreshId: refresh.id };
      if (refresh.status === 'waiting_user') return { outcome: 'challenge', refreshId: refresh.id };
      if (refresh.status === 'failed')
        return {
          outcome: 'failed',
          refreshId: refresh.id,
          status: connection.status as ConnectionStatus,
          errorCode: refresh.error_code,
        };
    }
    if (Date.now() >= deadline) return { outcome: 'waiting', refreshId: refresh?.id ?? null };
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
