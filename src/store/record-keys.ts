// The natural keys of stored records (what the source identifies a record by), read by id for a
// client. They never leave the server as they are: services/record-keys.ts hashes them.
import { sql } from 'kysely';
import { type Product, productTable } from '../domain/products.ts';
import type { Db } from './schema.ts';

export async function naturalKeysOf(
  db: Db,
  product: Product,
  clientId: string,
  ids: readonly string[],
): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const { rows } = await sql<{ id: string; natural_key: string }>`
    select id, natural_key from ${sql.table(productTable[product])}
    where client_id = ${clientId} and id in (${sql.join(ids)})`.execute(db);
  return new Map(rows.map((row) => [row.id, row.natural_key]));
}
