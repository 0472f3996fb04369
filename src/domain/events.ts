// The event catalog: what Tesoro tells a client happened, as webhooks and in GET /v1/events.
// Payloads are thin: ids, counts and statuses, never credentials or card numbers.

export const eventTypes = [
  'connection.historical_update',
  'connection.updated',
  'connection.status_changed',
  'connection.consent_expiring',
  'connection.deleted',
  'end_user.deleted',
  'refresh.failed',
  'webhook_endpoint.disabled',
  'webhook.test',
  'import.completed',
] as const;

export type EventType = (typeof eventTypes)[number];

export const eventDescriptions: Record<EventType, string> = {
  'connection.historical_update':
    "The first extraction of a connection finished (Datanomik's historical webhook): per-product counts.",
  'connection.updated':
    'A later refresh brought new, modified or removed records: counts, and the sync cursor from which ' +
    '/v1/transactions/sync returns exactly this refresh’s changes.',
  'connection.status_changed':
    'The connection changed status (challenge_required, credentials_invalid, locked, ok, …), with the detail.',
  'connection.consent_expiring':
    'The consent the end user gave at their bank ends within 7 days (PSD2 consents last 90 or 180 days): send them through Connect in update mode to renew it.',
  'connection.deleted': 'The connection and everything extracted from it were deleted.',
  'end_user.deleted':
    'Every connection of one end user (their external_id) was deleted at once (DELETE /v1/connections?external_id=), with their ids.',
  'refresh.failed':
    'A refresh ended in an error; the connection status says what the user must do, if anything.',
  'webhook_endpoint.disabled':
    'An endpoint was disabled: it answered 410 Gone, or every attempt failed for 5 days.',
  'webhook.test': 'Sent by POST /v1/webhook-endpoints/{id}/test.',
  'import.completed':
    'A statement file was imported: its connection, document, format and added / modified / removed counts.',
};
