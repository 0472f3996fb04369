// Which Kysely instances are embedded PGlite: the few queries whose fastest form differs by engine
// ask here (store/product-queries.ts) instead of every caller passing the engine down.
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: any schema's instance
type AnyKysely = Kysely<any>;

const embedded = new WeakSet<AnyKysely>();

export function markEmbedded(db: AnyKysely): void {
  embedded.add(db);
}

/** Whether `db` is an embedded PGlite database (a transaction of one answers false). */
export const isEmbedded = (db: AnyKysely): boolean => embedded.has(db);
