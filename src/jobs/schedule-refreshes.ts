// The schedule of the extraction engine: queue the refreshes that are due (the refresh job itself
// is services/refresh/run-refresh.ts's runRefresh).
import { newId } from '../domain/ids.ts';
import type { ServiceDeps } from '../services/deps.ts';
import { insertQueuedRefresh } from '../store/connections.ts';
import { REFRESH_CONNECTION } from './definitions.ts';

/**
 * Queues a refresh for every connection whose next_refresh_at has come (recurrent connections on
 * their interval; retries after rate limits and outages). Institutions that need the end user on
 * every login never get a next_refresh_at, so they are never refreshed without them.
 */
export async function queueDueRefreshes(deps: ServiceDeps): Promise<number> {
  const due = await deps.db
    .selectFrom('connections')
    .select(['id', 'client_id', 'refresh_count'])
    .where('next_refresh_at', '<=', deps.now())
    .where('status', '<>', 'disabled')
    .where('needs_user', '=', false)
    .where('credentials_sealed', 'is not', null)
    .limit(500)
    .execute();
  // A challenge nobody answered in time: let its refresh run once more, which expires it and frees
  // the connection for the next refresh.
  const expired = await deps.db
    .selectFrom('challenges')
    .select('refresh_id')
    .where('status', '=', 'open')
    .where('expires_at', '<=', deps.now())
    .limit(500)
    .execute();
  for (const { refresh_id } of expired) await deps.jobs.send(REFRESH_CONNECTION, { refreshId: refresh_id });
  let queued = 0;
  for (const connection of due) {
    await deps.db.transaction().execute(async (trx) => {
      // Taken off the schedule now; the refresh sets the next time when it ends.
      await trx
        .updateTable('connections')
        .set({ next_refresh_at: null })
        .where('id', '=', connection.id)
        .execute();
      const id = newId('refresh');
      const inserted = await insertQueuedRefresh(trx, {
        id,
        client_id: connection.client_id,
        connection_id: connection.id,
        trigger: 'scheduled',
        refresh_number: connection.refresh_count,
      });
      if (inserted) {
        await deps.jobs.send(REFRESH_CONNECTION, { refreshId: id }, { trx });
        queued++;
      }
    });
  }
  return queued;
}
