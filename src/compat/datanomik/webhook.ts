// Datanomik-format webhooks (SPEC §4.5): Datanomik sends "a historical webhook event" once a new
// link's history is loaded, and "update webhooks" when a recurrent link's refresh brings new
// information; it does not publish their body, so the body here is inferred —
// HISTORICAL_UPDATE with the counts per resource, NEW_INFORMATION_AVAILABLE with the added /
// modified / removed counts, LINK_STATUS_CHANGED with the link's status before and after — one per
// native event (connection.historical_update, connection.updated, connection.status_changed),
// signed with Tesoro's Standard Webhooks headers. A link deleted since still gets its status
// change, without its institution.
import { findClientConnection } from '../../services/connections.ts';
import type { FormatContext, WebhookEvent, WebhookFormat } from '../../webhooks/formats.ts';
import { institutionFacts } from './links.ts';
import { toDatanomikWebhook } from './map.ts';

async function render(event: WebhookEvent, context: FormatContext): Promise<unknown | null> {
  const connectionId = event.data.connection_id;
  if (typeof connectionId !== 'string') return null;
  const connection = await findClientConnection(context.db, event.client_id, connectionId);
  // Information about a link that no longer exists cannot be read any more: nothing to announce.
  if (!connection && event.type !== 'connection.status_changed') return null;
  const institution =
    connection && context.registry
      ? institutionFacts(context.registry, connection.institution_id).code
      : null;
  return toDatanomikWebhook(event, institution);
}

export const datanomikWebhookFormat: WebhookFormat = {
  name: 'datanomik',
  events: ['connection.historical_update', 'connection.updated', 'connection.status_changed'],
  render,
};
