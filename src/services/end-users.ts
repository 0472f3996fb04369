// An end user's connections as one thing (SPEC gap G24; Powens' DELETE /users/me): Tesoro has no
// end-user entity, but every connection may carry the client's id of its end user (`external_id`).
import { deleteConnectionRowsOf } from '../store/connections.ts';
import { recordEvent } from '../store/events.ts';
import { recordDeletion } from './connections.ts';
import type { ServiceDeps } from './deps.ts';

/**
 * Deletes every connection whose external_id is `externalId`, with all their data, in one
 * transaction (all go or none), and writes a connection.deleted event for each, then one
 * end_user.deleted (also when they had none left: the erasure itself is what the client hears).
 * Returns their ids.
 */
export async function deleteConnectionsOf(
  deps: Pick<ServiceDeps, 'db'>,
  clientId: string,
  externalId: string,
): Promise<string[]> {
  return deps.db.transaction().execute(async (trx) => {
    const deleted = await deleteConnectionRowsOf(trx, clientId, externalId);
    for (const connection of deleted) await recordDeletion(trx, clientId, connection);
    const ids = deleted.map((connection) => connection.id);
    await recordEvent(trx, {
      clientId,
      type: 'end_user.deleted',
      data: { external_id: externalId, connection_ids: ids },
    });
    return ids;
  });
}
