// A digest of everything a client owns, read straight from the database: "a refused request
// changed nothing" is checked by taking it before and after (with no refresh or delivery running).
// One statement (a union of one aggregate per table), so the fuzzers can afford it after every
// refused write: record tables by count and sum of change_seq (every insert, rewrite or removal of
// a record takes a new change_seq, store/records.ts), the others by an md5 of their rows.
import { type Kysely, type RawBuilder, sql } from 'kysely';
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
];

const recordTables = [...new Set<string>(Object.values(productTable))];

export async function clientFingerprint(
  db: Kysely<Schema>,
  clientId: string,
): Promise<Record<string, string>> {
  const parts: RawBuilder<unknown>[] = [
    ...ownedTables.map((table) => {
      const owner = table === 'clients' ? sql.ref('id') : sql.ref('client_id');
      return sql`select ${table}::text as name, count(*)::text || ':' || coalesce(md5(string_agg(row_to_json(t)::text, ',' order by row_to_json(t)::text)), '') as digest
        from ${sql.table(table)} t where ${owner} = ${clientId}`;
    }),
    ...recordTables.map(
      (table) =>
        sql`select ${table}::text as name, count(*)::text || ':' || coalesce(sum(change_seq)::text, '') as digest
        from ${sql.table(table)} where client_id = ${clientId}`,
    ),
  ];
  const result = await sql<{ name: string; digest: string }>`${sql.join(parts, sql` union all `)}`.execute(
    db,
  );
  return Object.fromEntries(result.rows.map((row) => [row.name, row.digest]));
}
