// Use cases of webhooks: endpoints (create with a secret shown once, update, delete, rotate the
// secret with a 24 h overlap, send a test event), the event log (list, get, resend) and the
// deliveries of an endpoint with every attempt. Everything is scoped to the calling client.
// An endpoint in a non-native payload format (webhooks/formats.ts) always stores the list of
// types it gets, all rendered by its format: queueing (store/events.ts) then needs no formats.
import type { Kysely } from 'kysely';
import { AppError } from '../domain/errors.ts';
import type { EventType } from '../domain/events.ts';
import { newId } from '../domain/ids.ts';
import { type MasterKeyring, seal } from '../security/envelope.ts';
import { eventPage, findEvent, queueDeliveries, recordEvent } from '../store/events.ts';
import type { Schema } from '../store/schema.ts';
import {
  deleteEndpointRow,
  deliveryPage,
  type EndpointRow,
  endpointPage,
  findEndpoint,
  insertEndpoint,
  rotateEndpointSecret,
  updateEndpointRow,
} from '../store/webhook-endpoints.ts';
import { type AddressPolicy, checkWebhookUrl } from '../webhooks/address-guard.ts';
import { webhookSecretContext } from '../webhooks/dispatcher.ts';
import { formatNames, NATIVE_FORMAT, type WebhookFormat, type WebhookFormats } from '../webhooks/formats.ts';
import { generateWebhookSecret } from '../webhooks/signing.ts';

/** How long a rotated-out secret keeps signing beside the new one. */
export const SECRET_OVERLAP_MS = 24 * 3600_000;
/** How long events (and their deliveries) are kept. */
export const EVENT_RETENTION_DAYS = 30;

export interface WebhookDeps {
  db: Kysely<Schema>;
  keyring: MasterKeyring;
  webhookPolicy: AddressPolicy;
  webhookFormats: WebhookFormats;
}

export async function getEndpointOrThrow(db: Kysely<Schema>, clientId: string, id: string) {
  const row = await findEndpoint(db, clientId, id);
  if (!row) throw new AppError('NOT_FOUND', `No webhook endpoint ${id}.`);
  return row;
}

export function presentEndpoint(row: EndpointRow) {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events,
    format: row.format,
    enabled: row.enabled,
    disabled_reason: row.disabled_reason,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

function assertUrl(url: string, policy: AddressPolicy): void {
  const problem = checkWebhookUrl(url, policy);
  if (problem)
    throw new AppError('VALIDATION_FAILED', `The webhook URL ${problem}.`, {
      fields: [{ path: ['url'], detail: problem }],
    });
}

/** The format named, null for the native one; one this server does not serve is a 400 naming those it does. */
function formatNamed(formats: WebhookFormats, name: string): WebhookFormat | null {
  if (name === NATIVE_FORMAT) return null;
  const format = formats.get(name);
  if (format) return format;
  const known = formatNames(formats).join(', ');
  throw new AppError(
    'VALIDATION_FAILED',
    `The webhook format ${name} is not served by this server (known formats: ${known}).`,
    { fields: [{ path: ['format'], detail: `must be one of: ${known}` }] },
  );
}

/**
 * What `events` is stored as: null (every type) or the list, deduplicated. In a non-native format
 * omitted or null means every type the format renders, and a type it does not render is a 400 (there
 * would be no body to send).
 */
function eventsIn(format: WebhookFormat | null, events: readonly EventType[] | null | undefined) {
  if (!format) return events ? [...new Set(events)] : null;
  if (!events) return [...format.events];
  const rendered = format.events.join(', ');
  const outside = events.flatMap((type, index) =>
    format.events.includes(type)
      ? []
      : [
          {
            path: ['events', index],
            detail: `is not rendered by the ${format.name} format (it renders ${rendered})`,
          },
        ],
  );
  if (outside.length > 0)
    throw new AppError(
      'VALIDATION_FAILED',
      `The ${format.name} format renders only ${rendered}; an endpoint in it cannot receive other event types.`,
      { fields: outside },
    );
  return [...new Set(events)];
}

export async function createEndpoint(
  deps: WebhookDeps,
  clientId: string,
  input: {
    url: string;
    events?: EventType[] | undefined;
    description?: string | undefined;
    format?: string | undefined;
  },
) {
  assertUrl(input.url, deps.webhookPolicy);
  const formatName = input.format ?? NATIVE_FORMAT;
  const events = eventsIn(formatNamed(deps.webhookFormats, formatName), input.events);
  const id = newId('webhookEndpoint');
  const secret = generateWebhookSecret();
  await insertEndpoint(deps.db, {
    id,
    client_id: clientId,
    url: input.url,
    description: input.description ?? null,
    events,
    format: formatName,
    secret_sealed: seal(deps.keyring, secret, webhookSecretContext(id)),
  });
  return { ...presentEndpoint((await findEndpoint(deps.db, clientId, id))!), secret };
}

/** Oldest first; keyset on (created_at, id). */
export async function listEndpoints(
  db: Kysely<Schema>,
  clientId: string,
  query: { page_size: number; cursor?: string | undefined },
) {
  const page = await endpointPage(db, clientId, query);
  return { data: page.rows.map(presentEndpoint), has_more: page.has_more, next_cursor: page.next_cursor };
}

export async function updateEndpoint(
  deps: WebhookDeps,
  clientId: string,
  id: string,
  input: {
    url?: string;
    events?: EventType[] | null;
    description?: string | null;
    enabled?: boolean;
    format?: string;
  },
) {
  const current = await getEndpointOrThrow(deps.db, clientId, id);
  if (input.url !== undefined) assertUrl(input.url, deps.webhookPolicy);
  const events = patchedEvents(deps.webhookFormats, current, input);
  await updateEndpointRow(deps.db, id, {
    ...(input.url !== undefined ? { url: input.url } : {}),
    ...(input.format !== undefined ? { format: input.format } : {}),
    ...(events !== undefined ? { events } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    // Enabling again starts a clean slate: no reason, no failure streak.
    ...(input.enabled !== undefined
      ? {
          enabled: input.enabled,
          disabled_reason: input.enabled ? null : 'disabled by the client',
          failing_since: null,
        }
      : {}),
    updated_at: new Date(),
  });
  return presentEndpoint((await findEndpoint(deps.db, clientId, id))!);
}

/**
 * The `events` a PATCH stores, undefined when it keeps them. A new format without `events` resets
 * them to that format's default, as registering with it would: a list chosen for another format
 * says nothing about this one.
 */
function patchedEvents(
  formats: WebhookFormats,
  current: { format: string },
  input: { events?: EventType[] | null; format?: string },
): string[] | null | undefined {
  if (input.format !== undefined) {
    const format = formatNamed(formats, input.format);
    if (input.events !== undefined) return eventsIn(format, input.events);
    return input.format === current.format ? undefined : eventsIn(format, null);
  }
  if (input.events === undefined) return undefined;
  if (current.format !== NATIVE_FORMAT && !formats.has(current.format))
    throw new AppError(
      'VALIDATION_FAILED',
      `The events of this endpoint cannot be checked: its format ${current.format} is not served by this server (TESORO_COMPAT).`,
      {
        fields: [
          {
            path: ['events'],
            detail: `cannot be checked against the ${current.format} format, which this server does not serve`,
          },
        ],
      },
    );
  return eventsIn(formatNamed(formats, current.format), input.events);
}

export async function deleteEndpoint(db: Kysely<Schema>, clientId: string, id: string): Promise<void> {
  if (!(await deleteEndpointRow(db, clientId, id)))
    throw new AppError('NOT_FOUND', `No webhook endpoint ${id}.`);
}

/** A new secret; the old one keeps signing beside it for 24 h so receivers can switch without a gap. */
export async function rotateSecret(deps: WebhookDeps, clientId: string, id: string, now = new Date()) {
  await getEndpointOrThrow(deps.db, clientId, id);
  const secret = generateWebhookSecret();
  await rotateEndpointSecret(
    deps.db,
    id,
    seal(deps.keyring, secret, webhookSecretContext(id)),
    new Date(now.getTime() + SECRET_OVERLAP_MS),
    now,
  );
  const row = (await findEndpoint(deps.db, clientId, id))!;
  return {
    ...presentEndpoint(row),
    secret,
    previous_secret_expires_at: row.previous_secret_expires_at!.toISOString(),
  };
}

function assertEnabled(endpoint: { id: string; enabled: boolean }): void {
  if (!endpoint.enabled)
    throw new AppError('WEBHOOK_ENDPOINT_DISABLED', `The webhook endpoint ${endpoint.id} is disabled.`);
}

export async function sendTestEvent(db: Kysely<Schema>, clientId: string, id: string) {
  const endpoint = await getEndpointOrThrow(db, clientId, id);
  assertEnabled(endpoint);
  const eventId = await db.transaction().execute((trx) =>
    recordEvent(trx, {
      clientId,
      type: 'webhook.test',
      data: { endpoint_id: id, message: 'A test event from Tesoro.' },
      endpointIds: [id],
    }),
  );
  return getEventOrThrow(db, clientId, eventId);
}

// ---- events

function presentEvent(row: { id: string; type: string; data: unknown; created_at: Date }) {
  return { id: row.id, type: row.type, created_at: row.created_at.toISOString(), data: row.data };
}

export async function getEventOrThrow(db: Kysely<Schema>, clientId: string, id: string) {
  const row = await findEvent(db, clientId, id);
  if (!row) throw new AppError('NOT_FOUND', `No event ${id}.`);
  return presentEvent(row);
}

/** Newest first; `type` filters; keyset on (created_at, id). */
export async function listEvents(
  db: Kysely<Schema>,
  clientId: string,
  query: { type?: string | undefined; page_size: number; cursor?: string | undefined },
) {
  const page = await eventPage(db, clientId, query);
  return { data: page.rows.map(presentEvent), has_more: page.has_more, next_cursor: page.next_cursor };
}

/**
 * Sends an event again, to one endpoint or to every enabled endpoint subscribed to its type: a new
 * delivery each, due now, with its own retry schedule and attempt log (the earlier ones stay).
 */
export async function resendEvent(
  db: Kysely<Schema>,
  clientId: string,
  eventId: string,
  endpointId: string | undefined,
): Promise<{ event_id: string; endpoint_ids: string[] }> {
  const event = await getEventOrThrow(db, clientId, eventId);
  let only: string[] | undefined;
  if (endpointId) {
    const endpoint = await getEndpointOrThrow(db, clientId, endpointId);
    assertEnabled(endpoint);
    // Its events are exactly what its format renders; a test event is always the native body.
    if (
      endpoint.format !== NATIVE_FORMAT &&
      event.type !== 'webhook.test' &&
      !endpoint.events?.includes(event.type)
    )
      throw new AppError(
        'VALIDATION_FAILED',
        `The webhook endpoint ${endpoint.id} receives the ${endpoint.format} format, which has no body for ${event.type}.`,
        { fields: [{ path: ['endpoint_id'], detail: `receives only ${endpoint.events?.join(', ')}` }] },
      );
    only = [endpoint.id];
  }
  const endpointIds = await db
    .transaction()
    .execute((trx) =>
      queueDeliveries(
        trx,
        { id: eventId, clientId, type: event.type },
        { only, anyType: only !== undefined },
      ),
    );
  return { event_id: eventId, endpoint_ids: endpointIds };
}

// ---- deliveries

/** The deliveries of an endpoint, newest first, each with every attempt and its next retry. */
export async function listDeliveries(
  db: Kysely<Schema>,
  clientId: string,
  endpointId: string,
  query: { status?: string | undefined; page_size: number; cursor?: string | undefined },
) {
  await getEndpointOrThrow(db, clientId, endpointId);
  const page = await deliveryPage(db, clientId, endpointId, query);
  return {
    data: page.rows.map((row) => ({
      id: row.id,
      event_id: row.event_id,
      event_type: row.event_type,
      endpoint_id: endpointId,
      status: row.status,
      attempt_count: row.attempt_count,
      next_attempt_at: row.next_attempt_at?.toISOString() ?? null,
      attempts: row.attempts,
      created_at: row.created_at.toISOString(),
    })),
    has_more: page.has_more,
    next_cursor: page.next_cursor,
  };
}
