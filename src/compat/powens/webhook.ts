// Powens-format webhooks (SPEC §5.5), rendered at each attempt from the data as it is then:
//
// - CONNECTION_SYNCED `{user, connection}`, the connection with its accounts and each account's
//   new or updated transactions: after the first load (every transaction), after a later refresh
//   that changed something (those the refresh changed), and when the connection falls into a state
//   the user must act on (`wrongpass`, `SCARequired`, …; no transactions then).
// - CONNECTION_DELETED `{id, id_user, id_connector}`; USER_DELETED `{id}` (DELETE /users/{id}).
// - USER_CREATED is not sent: Tesoro has no end-user entity whose creation it records.
//
// Powens sends each event to the URL registered for it; a Tesoro endpoint receives every event of
// its format at one URL, so each body also says which it is in `tesoro_event`. Only connections
// of Powens users (made through this facade) are announced, as Powens only notifies about its
// permanent users; a user or connection deleted since the event has nothing left to send. The body
// is signed with Tesoro's Standard Webhooks headers (Powens' own signature is not reproduced).
import { integerIdsFor } from '../../services/compat-ids.ts';
import { listRefreshes } from '../../services/connection-list.ts';
import type { FormatContext, WebhookEvent, WebhookFormat } from '../../webhooks/formats.ts';
import { findUser, idKinds, userOfExternalId } from './auth.ts';
import { powensState, toPowensUser } from './map.ts';
import { connectionOfId, powensConnections } from './reads.ts';
import { connectorIdentityOf } from './sandbox-map.ts';

async function synced(event: WebhookEvent, context: FormatContext, idUser: number, connectionId: string) {
  const user = await findUser(context, event.client_id, idUser);
  if (!user) return null;
  const scope = { clientId: event.client_id, idUser };
  const [intId] = (
    await integerIdsFor(context, event.client_id, idKinds.connection, [connectionId])
  ).values();
  let view: Awaited<ReturnType<typeof connectionOfId>>;
  try {
    view = await connectionOfId(context, scope, intId!);
  } catch {
    return null;
  }
  let since: string | undefined;
  let transactions = true;
  if (event.type === 'connection.updated') {
    // The movements this refresh changed: those updated since it started.
    const refreshes = await listRefreshes(context.db, event.client_id, connectionId, 20);
    const refresh = refreshes.data.find((candidate) => candidate.id === event.data.refresh_id);
    since = refresh?.started_at ?? event.created_at.toISOString();
  } else if (event.type === 'connection.status_changed') transactions = false;
  const [connection] = await powensConnections(context, context.registry, event.client_id, [view], {
    connector: false,
    accounts: true,
    transactions,
    transactionsSince: since,
  });
  return { tesoro_event: 'CONNECTION_SYNCED', user: toPowensUser(user), connection };
}

async function render(event: WebhookEvent, context: FormatContext): Promise<unknown | null> {
  const connectionId = event.data.connection_id;
  const idUser = userOfExternalId(event.data.external_id as string | null);
  if (idUser === null) return null;
  // DELETE /users/{id}: every connection of the user went at once.
  if (event.type === 'end_user.deleted') return { tesoro_event: 'USER_DELETED', id: idUser };
  if (typeof connectionId !== 'string') return null;
  switch (event.type) {
    case 'connection.deleted': {
      const ids = await integerIdsFor(context, event.client_id, idKinds.connection, [connectionId]);
      const institution = event.data.institution_id;
      return {
        tesoro_event: 'CONNECTION_DELETED',
        id: ids.get(connectionId)!,
        id_user: idUser,
        // The event names the institution only where the native event carries it.
        id_connector: typeof institution === 'string' ? connectorIdentityOf(institution).id : null,
      };
    }
    case 'connection.status_changed':
      // A change to a working state is announced by the load that follows it.
      if (powensState(String(event.data.status), 'otp') === null) return null;
      return synced(event, context, idUser, connectionId);
    default:
      return synced(event, context, idUser, connectionId);
  }
}

export const powensWebhookFormat: WebhookFormat = {
  name: 'powens',
  events: [
    'connection.historical_update',
    'connection.updated',
    'connection.status_changed',
    'connection.deleted',
    'end_user.deleted',
  ],
  render,
};
