// Rows of webhook endpoints (their sealed secrets, subscriptions, enabled state) and of their
// deliveries, as the client's API reads them. The dispatcher's own queries are in
// webhooks/dispatcher.ts.
import type { Insertable, Updateable } from 'kysely';
import { pageByCreation } from './keyset.ts';
import type { Db, WebhookEndpointsTable } from './schema.ts';

/** What is ever read of an endpoint outside the dispatcher (never its secrets). */
const endpointColumns = [
  'id',
  'client_id',
  'url',
  'description',
  'events',
  'format',
  'enabled',
  'disabled_reason',
  'previous_secret_expires_at',
  'created_at',
  'updated_at',
] as const;

export type EndpointRow = NonNullable<Awaited<ReturnType<typeof findEndpoint>>>;

export async function findEndpoint(db: Db, clientId: string, id: string) {
  return db
    .selectFrom('webhook_endpoints')
    .select(endpointColumns)
    .where('client_id', '=', clientId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function insertEndpoint(db: Db, row: Insertable<WebhookEndpointsTable>): Promise<void> {
  await db.insertInto('webhook_endpoints').values(row).execute();
}

/** Oldest first; keyset on (created_at, id). */
export async function endpointPage(
  db: Db,
  clientId: string,
  page: { page_size: number; cursor?: string | undefined },
) {
  return pageByCreation(
    db.selectFrom('webhook_endpoints').select(endpointColumns).where('client_id', '=', clientId),
    page,
    { direction: 'asc' },
  );
}

export async function updateEndpointRow(
  db: Db,
  id: string,
  values: Updateable<WebhookEndpointsTable>,
): Promise<void> {
  await db.updateTable('webhook_endpoints').set(values).where('id', '=', id).execute();
}

/** The current secret becomes the previous one (signing beside the new one until `until`). */
export async function rotateEndpointSecret(db: Db, id: string, secretSealed: string, until: Date, now: Date) {
  await db
    .updateTable('webhook_endpoints')
    .set((eb) => ({
      previous_secret_sealed: eb.ref('secret_sealed'),
      previous_secret_expires_at: until,
      secret_sealed: secretSealed,
      updated_at: now,
    }))
    .where('id', '=', id)
    .execute();
}

/** Deletes an endpoint of this client; false when there was none. */
export async function deleteEndpointRow(db: Db, clientId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('webhook_endpoints')
    .where('client_id', '=', clientId)
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** The deliveries of an endpoint, newest first, each with its attempts; keyset on (created_at, id). */
export async function deliveryPage(
  db: Db,
  clientId: string,
  endpointId: string,
  query: { status?: string | undefined; page_size: number; cursor?: string | undefined },
) {
  let q = db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('events as e', 'e.id', 'd.event_id')
    .select([
      'd.id',
      'd.event_id',
      'e.type as event_type',
      'd.status',
      'd.attempt_count',
      'd.next_attempt_at',
      'd.attempts',
      'd.created_at',
    ])
    .where('d.client_id', '=', clientId)
    .where('d.endpoint_id', '=', endpointId);
  if (query.status) q = q.where('d.status', '=', query.status as 'pending');
  return pageByCreation(q, query, { direction: 'desc', table: 'd' });
}
