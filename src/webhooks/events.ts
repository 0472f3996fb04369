// The event catalog, and how an event is recorded: in the caller's transaction, with one pending
// delivery per enabled endpoint that wants it, and a NOTIFY that wakes the dispatcher when the
// transaction commits (so the first attempt leaves within milliseconds, not at the next poll).
// Payloads are thin: ids, counts and statuses, never credentials or card numbers.
import { sql } from 'kysely';
import { newId } from '../domain/ids.ts';
import type { Db } from '../store/connections.ts';

export const eventTypes = [
  'connection.historical_update',
  'connection.updated',
  'connection.status_changed',
  'connection.deleted',
  'refresh.failed',
  'webhook_endpoint.disabled',
  'webhook.test',
  'import.completed',
] as const;

export type EventType = (typeof eventTypes)[number];

export const eventDescriptions: Record<EventType, string> = {
  'connection.historical_update':
    "The first extraction of a connection finished (seed 000's historical webhook): per-product counts.",
  'connection.updated':
    'A later refresh brought new, modified or removed records: counts, and the sync cursor from which ' +
    '/v1/transactions/sync returns exactly this refresh’s changes.',
  'connection.status_changed':
    'The connection changed status (challenge_required, credentials_invalid, locked, ok, …), with the detail.',
  'connection.deleted': 'The connection and everything extracted from it were deleted.',
  'refresh.failed':
    'A refresh ended in an error; the connection status says what the user must do, if anything.',
  'webhook_endpoint.disabled':
    'An endpoint was disabled: it answered 410 Gone, or every attempt failed for 5 days.',
  'webhook.test': 'Sent by POST /v1/webhook-endpoints/{id}/test.',
  'import.completed':
    'A statement file was imported: its connection, document, format and added / modified / removed counts.',
};

/** The channel the dispatcher LISTENs on. */
export const WEBHOOK_CHANNEL = 'tesoro_webhooks';

export interface NewEvent {
  clientId: string;
  type: EventType;
  data: Record<string, unknown>;
  /** Only these endpoints (a test event); otherwise every enabled endpoint subscribed to the type. */
  endpointIds?: readonly string[];
}

/** Records an event and its deliveries in `db` (the caller's transaction); returns the event id. */
export async function recordEvent(db: Db, event: NewEvent): Promise<string> {
  const id = newId('event');
  await db
    .insertInto('events')
    .values({ id, client_id: event.clientId, type: event.type, data: JSON.stringify(event.data) })
    .execute();
  let endpoints = db
    .selectFrom('webhook_endpoints')
    .select('id')
    .where('client_id', '=', event.clientId)
    .where('enabled', '=', true)
    .where((eb) => eb.or([eb('events', 'is', null), eb(sql`${event.type}`, '=', eb.fn.any('events'))]));
  if (event.endpointIds) endpoints = endpoints.where('id', 'in', [...event.endpointIds]);
  const targets = await endpoints.execute();
  if (targets.length > 0) {
    await db
      .insertInto('webhook_deliveries')
      .values(
        targets.map((endpoint) => ({
          id: newId('delivery'),
          client_id: event.clientId,
          event_id: id,
          endpoint_id: endpoint.id,
          status: 'pending' as const,
          next_attempt_at: sql<Date>`now()`,
        })),
      )
      .execute();
    await sql`select pg_notify(${WEBHOOK_CHANNEL}, '')`.execute(db);
  }
  return id;
}
