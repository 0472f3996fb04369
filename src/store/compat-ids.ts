// Rows of compat_ids (migration 0018): native ids and the integers a facade shows for them.
import { sql } from 'kysely';
import type { Db } from './schema.ts';

/** The integers of these native ids, allocating those never shown before (one statement each way). */
export async function allocateIntegerIds(
  db: Db,
  clientId: string,
  kind: string,
  nativeIds: readonly string[],
): Promise<Array<{ native_id: string; id: number }>> {
  if (nativeIds.length === 0) return [];
  const ids = [...new Set(nativeIds)];
  await sql`
    insert into compat_ids (client_id, kind, native_id)
    select ${clientId}, ${kind}, unnest(${ids}::text[])
    on conflict (client_id, kind, native_id) do nothing`.execute(db);
  const { rows } = await sql<{ native_id: string; id: string | number }>`
    select native_id, id from compat_ids
    where client_id = ${clientId} and kind = ${kind} and native_id = any(${ids}::text[])`.execute(db);
  return rows.map((row) => ({ native_id: row.native_id, id: Number(row.id) }));
}

/** The native id an integer was allocated for, if it was, for this client and kind. */
export async function nativeIdOfInteger(
  db: Db,
  clientId: string,
  kind: string,
  id: number,
): Promise<string | undefined> {
  const { rows } = await sql<{ native_id: string }>`
    select native_id from compat_ids where id = ${id} and client_id = ${clientId} and kind = ${kind}`.execute(
    db,
  );
  return rows[0]?.native_id;
}
