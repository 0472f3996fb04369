// Declarative partitioning of the record tables by client (docs/scaling.md, "Past one database"):
// each record table becomes `partition by hash (client_id)` with N partitions, so one client's
// rows live together, a client's lookups and lists touch one partition (every record query is
// scoped by client), and the partitions can be vacuumed, moved to other tablespaces or, with a
// sharding extension, other machines, one by one.
//
// Nothing in the store depends on it: the queries are the same on a partitioned and a plain
// table (the upsert's race path uses a target-less `on conflict do nothing`, the only unique key
// being the primary key, which a partitioned table must widen to (client_id, id)). The table's
// secondary indexes are read from the catalog and created again on the partitioned table, so
// whatever later migrations add is kept.
import { type Kysely, sql } from 'kysely';
import { productTable } from '../domain/products.ts';
import type { Schema } from './schema.ts';

/** How many partitions a table may be split into. */
export const isPartitionCount = (n: number) => Number.isInteger(n) && n >= 2 && n <= 1024;

export interface PartitionReport {
  table: string;
  partitions: number;
  rows: number;
}

/** The record tables' partition counts (0: a plain table). */
export async function recordPartitions(db: Kysely<Schema>): Promise<Record<string, number>> {
  const tables = Object.values(productTable);
  const { rows } = await sql<{ table: string; partitions: number }>`
    select c.relname as table, count(i.inhrelid)::int as partitions
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    left join pg_inherits i on i.inhparent = c.oid
    where n.nspname = current_schema() and c.relname = any(${tables}::text[])
    group by c.relname`.execute(db);
  return Object.fromEntries(rows.map((row) => [row.table, row.partitions]));
}

/**
 * Turns every record table that is still plain into one partitioned by hash of `client_id` into
 * `partitions` partitions, moving its rows, in one transaction (the tables are locked meanwhile:
 * run it while the workers are stopped). Tables already partitioned are left as they are.
 */
export async function partitionRecordTables(
  db: Kysely<Schema>,
  partitions: number,
): Promise<PartitionReport[]> {
  if (!isPartitionCount(partitions)) throw new RangeError('partitions must be a whole number from 2 to 1024');
  const existing = await recordPartitions(db);
  const reports: PartitionReport[] = [];
  await db.transaction().execute(async (trx) => {
    for (const table of Object.values(productTable)) {
      if ((existing[table] ?? 0) > 0) continue;
      reports.push({ table, partitions, rows: await partitionTable(trx, table, partitions) });
    }
  });
  return reports;
}

async function partitionTable(db: Kysely<Schema>, table: string, partitions: number): Promise<number> {
  const indexes = await sql<{ definition: string }>`
    select pg_get_indexdef(i.indexrelid) as definition
    from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = current_schema() and c.relname = ${table} and not i.indisprimary`.execute(db);
  const plain = `${table}_unpartitioned`;
  await sql`alter table ${sql.table(table)} rename to ${sql.table(plain)}`.execute(db);
  await sql`
    create table ${sql.table(table)} (like ${sql.table(plain)} including defaults including generated including constraints)
    partition by hash (client_id)`.execute(db);
  for (let remainder = 0; remainder < partitions; remainder++)
    await sql`
      create table ${sql.table(`${table}_p${remainder}`)} partition of ${sql.table(table)}
      for values with (modulus ${sql.lit(partitions)}, remainder ${sql.lit(remainder)})`.execute(db);
  const moved = await sql`insert into ${sql.table(table)} select * from ${sql.table(plain)}`.execute(db);
  // Dropping the plain table frees its index and constraint names for the partitioned one.
  await sql`drop table ${sql.table(plain)}`.execute(db);
  await sql`alter table ${sql.table(table)} add primary key (client_id, id)`.execute(db);
  await sql`
    alter table ${sql.table(table)} add foreign key (connection_id)
    references connections(id) on delete cascade`.execute(db);
  // The definitions name the table as it was when they were read: the name it has again now.
  for (const { definition } of indexes.rows) await sql.raw(definition).execute(db);
  await sql`analyze ${sql.table(table)}`.execute(db);
  return Number(moved.numAffectedRows ?? 0);
}
