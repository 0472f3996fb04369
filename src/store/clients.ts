// Rows of clients (the developer applications): their secret hash, scopes, registered redirect URIs.
import type { Insertable } from 'kysely';
import type { ClientsTable, Db } from './schema.ts';

export async function insertClient(db: Db, row: Insertable<ClientsTable>) {
  return db.insertInto('clients').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function listClientRows(db: Db) {
  return db.selectFrom('clients').selectAll().orderBy('created_at').orderBy('id').execute();
}

export async function findClientRow(db: Db, id: string) {
  return db.selectFrom('clients').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Writes a new secret hash. `rotated`: a new secret (its time ends the tokens issued before);
 * `replacing`: only if the stored hash is still that one (an upgrade of its form).
 */
export async function setSecretHash(
  db: Db,
  id: string,
  hash: string,
  options: { rotated?: Date; replacing?: string } = {},
) {
  let query = db
    .updateTable('clients')
    .set({ secret_hash: hash, ...(options.rotated ? { secret_rotated_at: options.rotated } : {}) })
    .where('id', '=', id);
  if (options.replacing !== undefined) query = query.where('secret_hash', '=', options.replacing);
  return query.returningAll().executeTakeFirst();
}

/** Deletes the client and, through foreign keys, everything it owns; false when there was none. */
export async function deleteClientRow(db: Db, id: string): Promise<boolean> {
  const result = await db.deleteFrom('clients').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function findRedirectUris(db: Db, clientId: string): Promise<string[]> {
  const row = await db
    .selectFrom('clients')
    .select('redirect_uris')
    .where('id', '=', clientId)
    .executeTakeFirstOrThrow();
  return row.redirect_uris;
}

export async function setRedirectUriList(db: Db, clientId: string, uris: string[]): Promise<void> {
  await db.updateTable('clients').set({ redirect_uris: uris }).where('id', '=', clientId).execute();
}

export async function findClientName(db: Db, clientId: string): Promise<string> {
  const row = await db
    .selectFrom('clients')
    .select('name')
    .where('id', '=', clientId)
    .executeTakeFirstOrThrow();
  return row.name;
}
