// Rows of refreshes (each run of a connection's extraction): their state, counts and, while they
// wait on it, the end user's sealed answers and who is present.
import type { Updateable } from 'kysely';
import type { Db, RefreshesTable } from './schema.ts';

export async function updateRefresh(db: Db, id: string, values: Updateable<RefreshesTable>): Promise<void> {
  await db.updateTable('refreshes').set(values).where('id', '=', id).execute();
}
