// An end user's connections as one thing (SPEC gap G24; Powens' DELETE /users/me): Tesoro has no
// end-user entity, but every connection may carry the client's id of its end user (`external_id`).

import { deleteConnectionRowsOf } from '../store/connections.ts';
import { recordEvent } from '../store/events.ts';
import type { ServiceDeps } from './deps.ts';

/**
 * Deletes every connection whose external_id is `externalId`, with all their data, in one
 * transaction (all go or none), and writes a connection.deleted event for each. Returns their ids.
 */
export async function deleteConnectionsOf(
  deps: Pick<ServiceDeps, 'db'>,
  clientId: string,
  externalId: string,
): Promise<string[]> {
  return deps.db.transaction().execute(async (trx) => {
    const deleted = await deleteConnectionRowsOf(trx, clientId, externalId);
    for (const connection of deleted)
      await recordEvent(trx, {
        clientId,
        type: 'connection.deleted',
        data: { connection_id: connection.id, external_id: connection.external_id },
      });
    return deleted.map((connection) => connection.id);
  });
}
