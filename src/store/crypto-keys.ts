// Rows of the server's own keys (token signing, JWE decryption): their public JWK, the private one
// sealed under the master key, and when a retired key stops being accepted.
import type { Insertable } from 'kysely';
import type { CryptoKeysTable, Db } from './schema.ts';

/** A new active key of its use, unless another process created one first (theirs is kept). */
export async function insertActiveKey(db: Db, row: Insertable<CryptoKeysTable>): Promise<void> {
  await db
    .insertInto('crypto_keys')
    .values(row)
    .onConflict((oc) => oc.column('use').where('retired_at', 'is', null).doNothing())
    .execute();
}

/** The uses that have an active key. */
export async function activeKeyUses(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('crypto_keys').select('use').where('retired_at', 'is', null).execute();
  return rows.map((row) => row.use);
}

/** Every key still accepted: active, or retired and within its grace period. */
export async function validKeys(db: Db, now: Date) {
  return db
    .selectFrom('crypto_keys')
    .selectAll()
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .execute();
}

export async function allKeyIds(db: Db): Promise<string[]> {
  return (await db.selectFrom('crypto_keys').select('kid').execute()).map((row) => row.kid);
}

/** Retires the active key of a use, accepted until `expiresAt`; returns the retired kids. */
export async function retireActiveKey(
  db: Db,
  use: CryptoKeysTable['use'],
  now: Date,
  expiresAt: Date,
): Promise<string[]> {
  const rows = await db
    .updateTable('crypto_keys')
    .set({ retired_at: now, expires_at: expiresAt })
    .where('use', '=', use)
    .where('retired_at', 'is', null)
    .returning('kid')
    .execute();
  return rows.map((row) => row.kid);
}
