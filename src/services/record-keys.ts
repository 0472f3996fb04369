// Source keys (SPEC gap G13): a stable, non-secret key of each record that does not depend on the
// connection. A record's id is derived from its connection, so an end user who deletes and
// re-creates the same bank credentials gets new ids; the source key stays the same, because it
// is a hash of the product and the key the source itself gives the record (an account number, a
// bank's movement id). Flanks' `external_id` ("based on the external_id associated on the user")
// is built from it.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Product } from '../domain/products.ts';
import { naturalKeysOf } from '../store/record-keys.ts';
import type { Schema } from '../store/schema.ts';

export const sourceKeyOf = (product: Product, naturalKey: string) =>
  createHash('sha256').update(`${product}\u0000${naturalKey}`).digest('base64url').slice(0, 32);

/** Record id → source key, for records of this client (others' ids are left out). */
export async function sourceKeys(
  db: Kysely<Schema>,
  product: Product,
  clientId: string,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const keys = await naturalKeysOf(db, product, clientId, ids);
  return new Map([...keys].map(([id, key]) => [id, sourceKeyOf(product, key)]));
}
