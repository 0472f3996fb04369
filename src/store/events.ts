// The outbox: an event is recorded in the caller's transaction, with one pending delivery per
// enabled endpoint that wants it, and a NOTIFY that wakes the webhook dispatcher when the
// transaction commits (so the first attempt leaves within milliseconds, not at the next poll).
// Every event and every resend goes through queueDeliveries.
import { sql } from 'kysely';
import type { EventType } from '../domain/events.ts';
import { newId } from '../domain/ids.ts';
import { NATIVE_FORMAT } from '../webhooks/formats.ts';
import { pageByCreation } from './keyset.ts';
import type { Db } from './schema.ts';

/** The channel the dispatcher LISTENs on. */
export const WEBHOOK_CHANNEL = 'tesoro_webhooks';

export interface NewEvent {
  clientId: string;
  type: EventType;
  data: Record<string, unknown>;
  /**
   * Only these endpoints, whatever types they subscribe to (a test event: the client asked for it
   * by name); otherwise every enabled endpoint subscribed to the type.
   */
  endpointIds?: readonly string[];
}

/** Records an event and its deliveries in `db` (the caller's transaction); returns the event id. */
export async function recordEvent(db: Db, event: NewEvent): Promise<string> {
  const id = newId('event');
  await db
    .insertInto('events')
    .values({ id, client_id: event.clientId, type: event.type, data: JSON.stringify(event.data) })
    .execute();
  await queueDeliveries(
    db,
    { id, clientId: event.clientId, type: event.type },
    { only: event.endpointIds, anyType: event.endpointIds !== undefined },
  );
  return id;
}

/**
 * A pending delivery, due now, of an event to every enabled endpoint of the client subscribed to
 * its type, or among those to `only`; `anyType` sends to `only` whatever they subscribe to (an
 * explicit resend, a test event). Returns the endpoints.
 *
 * An endpoint in a non-native format subscribes to a list of types its format renders (the
 * services keep `events` so), and gets nothing else even with `anyType`: there is no body in its
 * format for another type. `webhook.test` is the exception, always sent in the native body.
 */
export async function queueDeliveries(
  db: Db,
  event: { id: string; clientId: string; type: string },
  target: { only?: readonly string[] | undefined; anyType?: boolean } = {},
): Promise<string[]> {
  let endpoints = db
    .selectFrom('webhook_endpoints')
    .select('id')
    .where('client_id', '=', event.clientId)
    .where('enabled', '=', true);
  if (!target.anyType)
    endpoints = endpoints.where((eb) =>
      eb.or([eb('events', 'is', null), eb(sql`${event.type}`, '=', eb.fn.any('events'))]),
    );
  else if (event.type !== 'webhook.test')
    endpoints = endpoints.where((eb) =>
      eb.or([
        eb('format', '=', NATIVE_FORMAT),
        eb('events', 'is', null),
        eb(sql`${event.type}`, '=', eb.fn.any('events')),
      ]),
    );
  if (target.only) endpoints = endpoints.where('id', 'in', target.only.length > 0 ? [...target.only] : ['']);
  const targets = await endpoints.execute();
  if (targets.length === 0) return [];
  await db
    .insertInto('webhook_deliveries')
    .values(
      targets.map((endpoint) => ({
        id: newId('delivery'),
        client_id: event.clientId,
        event_id: event.id,
        endpoint_id: endpoint.id,
        status: 'pending' as const,
        next_attempt_at: sql<Date>`now()`,
      })),
    )
    .execute();
  await sql`select pg_notify(${WEBHOOK_CHANNEL}, '')`.execute(db);
  return targets.map((endpoint) => endpoint.id);
}

/** An event of this client. */
export async function findEvent(db: Db, clientId: string, id: string) {
  return db
    .selectFrom('events')
    .select(['id', 'type', 'data', 'created_at'])
    .where('client_id', '=', clientId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** A client's events, newest first, of one type if given; keyset on (created_at, id). */
export async function eventPage(
  db: Db,
  clientId: string,
  query: { type?: string | undefined; page_size: number; cursor?: string | undefined },
) {
  let q = db
    .selectFrom('events')
    .select(['id', 'type', 'data', 'created_at'])
    .where('client_id', '=', clientId);
  if (query.type) q = q.where('type', '=', query.type);
  return pageByCreation(q, query, { direction: 'desc' });
}
