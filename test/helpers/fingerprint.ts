// A digest of everything a client owns, read straight from the database: "a refused request
// changed nothing" is checked by taking it before and after (with no refresh or delivery running).
import { type Kysely, sql } from 'kysely';
import { productTable } from '../../src/domain/products.ts';
import type { Schema } from '../../src/store/schema.ts';

const ownedTables: string[] = [
  'clients',
  'connections',
  'refreshes',
  'challenges',
  'webhook_endpoints',
  'events',
  'connect_sessions',
  'connect_codes',
  'documents',
  'imports',
  'idempotency_keys',
  ...Object.values(productTable),
];

const recordTables = new Set<string>(Object.values(productTable));

export async function clientFingerprint(
  db: Kysely<Schema>,
  clientId: string,
): Promise<Record<string, string>> {
  const digests: Record<string, string> = {};
  for (const table of ownedTables) {
    if (recordTables.has(table)) {
      // Every insert, rewrite or removal of a record takes a new change_seq (store/records.ts).
      const result = await sql<{ n: string | number; seqs: string | null }>`
        select count(*) as n, sum(change_seq)::text as seqs from ${sql.table(table)} where client_id = ${clientId}`.execute(
        db,
      );
      digests[table] = `${result.rows[0]!.n}:${result.rows[0]!.seqs ?? ''}`;
      continue;
    }
    const owner = table === 'clients' ? sql.ref('id') : sql.ref('client_id');
    const result = await sql<{ digest: string | null; n: string | number }>`
      select md5(string_agg(row_to_json(t)::text, ',' order by row_to_json(t)::text)) as digest, count(*) as n
      from ${sql.table(table)} t where ${owner} = ${clientId}`.execute(db);
    const row = result.rows[0]!;
    digests[table] = `${row.n}:${row.digest ?? ''}`;
  }
  return digests;
}
