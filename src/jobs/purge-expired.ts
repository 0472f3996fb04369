// Removes what has outlived its purpose: idempotency records past their window, retired keys
// past their grace period (no token they signed can still be valid), and events (with their
// deliveries) older than the 30 days the event log promises, and the facades' expired handles.
import type { Kysely } from 'kysely';
import { deleteExpiredHandles } from '../services/compat-handles.ts';
import { EVENT_RETENTION_DAYS } from '../services/webhooks.ts';
import type { Schema } from '../store/schema.ts';

export interface PurgeResult {
  idempotency_keys: number;
  crypto_keys: number;
  events: number;
  compat_handles: number;
}

export async function purgeExpired(db: Kysely<Schema>, now: Date = new Date()): Promise<PurgeResult> {
  const idempotency = await db
    .deleteFrom('idempotency_keys')
    .where('expires_at', '<=', now)
    .executeTakeFirst();
  const keys = await db
    .deleteFrom('crypto_keys')
    .where('retired_at', 'is not', null)
    .where('expires_at', '<=', now)
    .executeTakeFirst();
  const events = await db
    .deleteFrom('events')
    .where('created_at', '<=', new Date(now.getTime() - EVENT_RETENTION_DAYS * 86_400_000))
    .executeTakeFirst();
  const handles = await deleteExpiredHandles({ db }, now);
  return {
    idempotency_keys: Number(idempotency.numDeletedRows),
    crypto_keys: Number(keys.numDeletedRows),
    events: Number(events.numDeletedRows),
    compat_handles: handles,
  };
}
