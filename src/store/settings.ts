// The server's own settings (one row a key): marks that something was done once for this database.
import { sql } from 'kysely';
import type { Db } from './schema.ts';

/** Writes the setting unless it exists; true when this call wrote it (so its work is done once). */
export async function claimSetting(db: Db, key: string, value: unknown): Promise<boolean> {
  const claimed = await db
    .insertInto('settings')
    .values({ key, value: JSON.stringify(value) })
    .onConflict((oc) => oc.column('key').doNothing())
    .returning(sql<string>`key`.as('key'))
    .executeTakeFirst();
  return claimed !== undefined;
}
