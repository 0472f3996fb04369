// Removes what has outlived its purpose: idempotency records past their window and retired keys
// past their grace period (no token they signed can still be valid).
import type { Kysely } from 'kysely';
import type { Schema } from '../store/schema.ts';

export interface PurgeResult {
  idempotency_keys: number;
  crypto_keys: number;
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
  return { idempotency_keys: Number(idempotency.numDeletedRows), crypto_keys: Number(keys.numDeletedRows) };
}
