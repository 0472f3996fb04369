// The schedule of the extraction engine: queue the refreshes that are due (the refresh job itself
// is services/refresh/run-refresh.ts's runRefresh, run by refresh-job.ts).
import { newId } from '../domain/ids.ts';
import type { ServiceDeps } from '../services/deps.ts';
import { lockEndedConsents, setStatus, takeExpiringConsents } from '../store/connections.ts';
import { recordEvent } from '../store/events.ts';
import { insertScheduledRefreshes, takeDueConnections } from '../store/refreshes.ts';
import { REFRESH_CONNECTION, refreshPriority } from './definitions.ts';

/** How long before a consent ends its client is told (connection.consent_expiring). */
export const CONSENT_WARNING_MS = 7 * 86_400_000;

/**
 * Tells each client, once per consent, that a connection's consent ends within
 * CONSENT_WARNING_MS: the event is written in the transaction that marks the connection warned, so
 * it is sent once whatever the number of workers. Returns how many were warned.
 */
export async function warnExpiringConsents(deps: Pick<ServiceDeps, 'db' | 'now'>): Promise<number> {
  const now = deps.now();
  return deps.db.transaction().execute(async (trx) => {
    const expiring = await takeExpiringConsents(trx, now, new Date(now.getTime() + CONSENT_WARNING_MS), 500);
    for (const connection of expiring)
      await recordEvent(trx, {
        clientId: connection.client_id,
        type: 'connection.consent_expiring',
        data: {
          connection_id: connection.id,
          external_id: connection.external_id,
          consent_expires_at: connection.consent_expires_at.toISOString(),
          // Days begun, as a person counts them: 6 days and some hours left is 7.
          days_left: Math.ceil((connection.consent_expires_at.getTime() - now.getTime()) / 86_400_000),
        },
      });
    return expiring.length;
  });
}

/**
 * Moves the connections whose consent has ended to consent_expired when it ends, not at their next
 * refresh: the client hears it (connection.status_changed) and nothing asks the upstream with a
 * consent it knows has lapsed. Returns how many expired.
 */
export async function expireEndedConsents(deps: Pick<ServiceDeps, 'db' | 'now'>): Promise<number> {
  return deps.db.transaction().execute(async (trx) => {
    const ended = await lockEndedConsents(trx, deps.now(), 500);
    for (const connection of ended)
      await setStatus(trx, connection, 'consent_expired', CONSENT_ENDED, {
        needs_user: true,
        next_refresh_at: null,
      });
    return ended.length;
  });
}

const CONSENT_ENDED = 'The consent given at the institution has ended; the end user must consent again.';

/** Connections taken off the schedule per transaction. */
export const SCHEDULE_BATCH = 500;
/**
 * How long one pass keeps taking batches. The pass runs once a minute (its job expires after
 * 120 s): a backlog larger than a pass can queue (after an outage, or a first start with every
 * connection due) is taken over the next minutes, the longest overdue first.
 */
export const SCHEDULE_PASS_MS = 40_000;

/**
 * Queues a refresh for every connection whose next_refresh_at has come (recurrent connections on
 * their interval; retries after rate limits and outages), in batches of SCHEDULE_BATCH: each batch
 * takes its connections off the schedule, inserts their refreshes and sends their jobs in one
 * transaction (three statements, whatever the batch's size). Institutions that need the end user
 * on every login never get a next_refresh_at, so they are never refreshed without them.
 */
export async function queueDueRefreshes(
  deps: ServiceDeps,
  options: { batch?: number; passMs?: number } = {},
): Promise<number> {
  const batch = options.batch ?? SCHEDULE_BATCH;
  const passEnds = Date.now() + (options.passMs ?? SCHEDULE_PASS_MS);
  await warnExpiringConsents(deps);
  await expireEndedConsents(deps);
  // A challenge nobody answered in time: let its refresh run once more, which expires it and frees
  // the connection for the next refresh.
  const expired = await deps.db
    .selectFrom('challenges')
    .select('refresh_id')
    .where('status', '=', 'open')
    .where('expires_at', '<=', deps.now())
    .limit(500)
    .execute();
  for (const { refresh_id } of expired)
    await deps.jobs.send(
      REFRESH_CONNECTION,
      { refreshId: refresh_id },
      { priority: refreshPriority.scheduled },
    );
  let queued = 0;
  for (;;) {
    const { taken, inserted } = await deps.db.transaction().execute(async (trx) => {
      const due = await takeDueConnections(trx, deps.now(), batch);
      const ids = await insertScheduledRefreshes(
        trx,
        due.map((connection) => ({
          id: newId('refresh'),
          client_id: connection.client_id,
          connection_id: connection.id,
          refresh_number: connection.refresh_count,
        })),
      );
      // Nobody waits on them: first loads and interactive refreshes are fetched first.
      const jobs = ids.map((id) => ({ data: { refreshId: id }, priority: refreshPriority.scheduled }));
      if (deps.jobs.sendMany) await deps.jobs.sendMany(REFRESH_CONNECTION, jobs, { trx });
      else for (const job of jobs) await deps.jobs.send(REFRESH_CONNECTION, job.data, { trx });
      return { taken: due.length, inserted: ids.length };
    });
    queued += inserted;
    if (taken < batch || Date.now() >= passEnds) break;
  }
  return queued;
}
