// Stores what connectors extract. Ids are derived from the connection and the source's natural key,
// so re-running a refresh (or resuming one after a crash) finds the same rows. A batch is written in
// steps: give every record its id and content hash (record-rows.ts), look up the stored hash of
// every id, build rows for the records that are new or changed only, insert the new ones in bulk
// (COPY on PostgreSQL, `unnest` on PGlite) and rewrite the changed ones. Every insert, rewrite or
// removal takes a value of the `record_changes` sequence (migration 0003): the incremental feed and
// a refresh's added / modified / removed counts are read from those values.
import { type Kysely, sql } from 'kysely';
import { type Product, productTable } from '../domain/products.ts';
import type { NormalizedRecord } from '../domain/records.ts';
import { type BulkColumn, type BulkInsert, DuplicateRowError } from './bulk-insert.ts';
import type { Database } from './database.ts';
import {
  type IdentifiedRecord,
  RowBuilder,
  recordId,
  type TableShape,
  TIMESTAMPS_LENGTH,
  timestampsSuffix,
} from './record-rows.ts';
import type { Schema } from './schema.ts';

export { recordId } from './record-rows.ts';

export interface StoreContext {
  clientId: string;
  connectionId: string;
}

export interface ChangeCounts {
  added: number;
  modified: number;
  removed: number;
}

/** How an engine stores batches: see ingestOptionsFor. */
export interface IngestOptions {
  bulkInsert: BulkInsert;
  /** Rows per step (lookup, insert, rewrite). */
  chunkSize: number;
  /** Steps in flight at once. */
  concurrency: number;
}

/**
 * PostgreSQL runs each statement on its own backend, so two steps in flight keep both cores busy
 * (one building rows in Node, one writing). A source's batch (5,000 records from the sandbox) is
 * split in steps of 1,250 so that the two overlap inside it: in steps of 5,000 a batch was one step
 * and Node and PostgreSQL took turns (bench:ingest: new rows 0.60× → 0.97× the reference COPY,
 * unchanged 1.76× → 3.8×; 625 lost to the statements' own cost). The embedded database answers one
 * statement at a time and every API query waits for the one in flight: 1,000-row steps keep that
 * wait short.
 */
export function ingestOptionsFor(database: Pick<Database, 'engine' | 'bulkInsert'>): IngestOptions {
  return database.engine === 'postgres'
    ? { bulkInsert: database.bulkInsert, chunkSize: 1250, concurrency: 2 }
    : { bulkInsert: database.bulkInsert, chunkSize: 1000, concurrency: 1 };
}

/**
 * What is done to the records that will be written, and only to them (the categoriser): a record
 * whose content hash is unchanged is never prepared. Returns the records in the same order.
 */
export type PrepareRecords = (
  product: Product,
  records: readonly NormalizedRecord[],
) => readonly NormalizedRecord[];

/**
 * Stores a batch of a product's records; returns how many were added and modified, and how many
 * distinct records the batch is stored as (`stored`: a record repeated inside the batch is one
 * row, the last one winning). Chunks never
 * share a record, so the ones in flight at once cannot conflict. Call publishChanges once the batch
 * is stored to let the incremental feed see it.
 */
export async function upsertRecords(
  db: Kysely<Schema>,
  ingest: IngestOptions,
  context: StoreContext,
  product: Product,
  batch: readonly NormalizedRecord[],
  prepare?: PrepareRecords,
): Promise<ChangeCounts & { stored: number }> {
  // A source may repeat a record inside a batch; the last one wins (one row per id).
  const unique = new Map<string, NormalizedRecord>();
  for (const record of batch) unique.set(record.naturalKey, record);
  const records = [...unique.values()];
  const total = { added: 0, modified: 0, removed: 0, stored: records.length };
  const chunks: NormalizedRecord[][] = [];
  for (let start = 0; start < records.length; start += ingest.chunkSize)
    chunks.push(records.slice(start, start + ingest.chunkSize));
  const builder = new RowBuilder(context.connectionId, product);
  let next = 0;
  const lane = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++]!;
      const counts = await storeChunk(db, ingest.bulkInsert, context, builder, chunk, prepare);
      total.added += counts.added;
      total.modified += counts.modified;
      // Let the API and other jobs run between statements: the embedded database answers without
      // I/O, so a long ingest would otherwise hold the event loop (timers, sockets) until it ends.
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(ingest.concurrency, chunks.length)) }, lane));
  return total;
}

const ownerColumns: BulkColumn[] = [
  { name: 'client_id', type: 'text' },
  { name: 'connection_id', type: 'text' },
  { name: 'change_seq', type: 'int8' },
  { name: 'created_seq', type: 'int8' },
  { name: 'first_seen_at', type: 'timestamptz' },
  { name: 'updated_at', type: 'timestamptz' },
];

/** The columns of an inserted row: the content columns with `body` stored as `api_tail`. */
const insertColumns = (shape: TableShape): BulkColumn[] => [
  ...shape.content.map((column) => (column.name === 'body' ? { name: 'api_tail', type: 'text' } : column)),
  ...ownerColumns,
];

async function storeChunk(
  db: Kysely<Schema>,
  bulkInsert: BulkInsert,
  context: StoreContext,
  builder: RowBuilder,
  records: readonly NormalizedRecord[],
  prepare: PrepareRecords | undefined,
): Promise<ChangeCounts> {
  const shape = builder.shape;
  const table = productTable[shape.product];
  const items = records.map((record) => builder.identify(record));
  const known = await storedHashes(db, table, context.clientId, items);
  const fresh: IdentifiedRecord[] = [];
  const changed: IdentifiedRecord[] = [];
  for (const item of items) {
    const existing = known.get(item.id);
    if (existing === undefined) fresh.push(item);
    else if (item.record.keepExisting) continue;
    // A removed row's entry is its hash with REMOVED appended: it never equals a hash.
    else if (existing !== item.hash) changed.push(item);
  }
  const now = new Date().toISOString();
  let added = 0;
  let modified = 0;
  if (fresh.length > 0) {
    const seqs = await nextChangeSeqs(db, fresh.length);
    const columns = insertColumns(shape);
    const rows = insertRows(builder, fresh, prepare, { ...context, seqs, now });
    try {
      await bulkInsert(table, columns, rows);
      added = rows.length;
    } catch (error) {
      // Only a second writer of the same connection gets here (the engine runs one refresh per
      // connection at a time): insert what is still missing, rewrite what the other one stored.
      if (!(error instanceof DuplicateRowError)) throw error;
      const inserted = await insertMissing(db, table, columns, rows);
      added = inserted.size;
      const taken = fresh.filter((item) => !inserted.has(item.id));
      modified += await rewrite(db, context, shape, contentRows(builder, taken, prepare), now);
    }
  }
  const changedRows = contentRows(builder, changed, prepare);
  if (changedRows.length > 0) modified += await rewrite(db, context, shape, changedRows, now);
  return { added, modified, removed: 0 };
}

const REMOVED = ' removed';

/**
 * The stored hash of each of the items' ids that has a row (with REMOVED appended when the row is
 * removed). The ids go in as one text and the answer comes back as one text: on PGlite, where
 * serialising array parameters and parsing result rows in JavaScript dominate a lookup, that halves
 * its cost (bench/README.md); ids and hashes never hold a space or a comma. A join on the ids, not
 * `id = any(…)`: the planner then probes the primary key for each id even while the table is young
 * (`any` planned as a sequential scan there: performance-analysis §3.1). The client keeps the probe
 * inside one partition where the table is partitioned (partitioning.ts).
 */
async function storedHashes(
  db: Kysely<Schema>,
  table: string,
  clientId: string,
  items: readonly IdentifiedRecord[],
): Promise<Map<string, string>> {
  const ids = items.map((item) => item.id).join(',');
  const { rows } = await sql<{ found: string | null }>`
    select string_agg(t.id || ' ' || t.hash || case when t.removed_at is null then '' else ${REMOVED} end, ',')
      as found
    from unnest(string_to_array(${ids}, ',')) as wanted(id)
    join ${sql.table(table)} t on t.id = wanted.id and t.client_id = ${clientId}`.execute(db);
  const known = new Map<string, string>();
  for (const entry of rows[0]?.found?.split(',') ?? []) {
    const space = entry.indexOf(' ');
    known.set(entry.slice(0, space), entry.slice(space + 1));
  }
  return known;
}

/** The records a step will write, prepared (categorised) if the caller prepares them. */
function preparedItems(
  builder: RowBuilder,
  items: readonly IdentifiedRecord[],
  prepare: PrepareRecords | undefined,
): readonly IdentifiedRecord[] {
  if (!prepare || items.length === 0) return items;
  const prepared = prepare(
    builder.shape.product,
    items.map((item) => item.record),
  );
  return items.map((item, i) => ({ ...item, record: prepared[i]! }));
}

function contentRows(
  builder: RowBuilder,
  items: readonly IdentifiedRecord[],
  prepare: PrepareRecords | undefined,
): unknown[][] {
  return preparedItems(builder, items, prepare).map((item) => builder.contentRow(item));
}

/**
 * New rows in insert order (TableShape.content, `body` as `api_tail` with the timestamps, then
 * the owner columns), built in place: the JavaScript an insert costs per row (bench:ingest).
 */
export function insertRows(
  builder: RowBuilder,
  items: readonly IdentifiedRecord[],
  prepare: PrepareRecords | undefined,
  owner: StoreContext & { seqs: readonly number[]; now: string },
): unknown[][] {
  const { clientId, connectionId, seqs, now } = owner;
  const tail = timestampsSuffix(now, now);
  return preparedItems(builder, items, prepare).map((item, i) => {
    const row = builder.contentRow(item, tail);
    row.push(clientId, connectionId, seqs[i], seqs[i], now, now);
    return row;
  });
}

/** Takes `count` values of the change sequence (as one text: no result rows to parse, as above). */
async function nextChangeSeqs(db: Kysely<Schema>, count: number): Promise<number[]> {
  const result = await sql<{ seqs: string }>`
    select string_agg(nextval('record_changes')::text, ',') as seqs
    from generate_series(1, ${count}::int)`.execute(db);
  return result.rows[0]!.seqs.split(',').map(Number);
}

const unnestOf = (columns: readonly BulkColumn[], rows: readonly (readonly unknown[])[]) =>
  sql.join(columns.map((column, index) => sql`${rows.map((row) => row[index])}::${sql.raw(column.type)}[]`));

/** A timestamp as the served text writes it (Date.toISOString: UTC, milliseconds, `Z`). */
export const servedTimestamp = (column: string) =>
  sql.raw(`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

/**
 * Rewrites records whose content hash changed (or that come back after being removed); returns how
 * many were modified. A record rebuilt to the same served text and raw record (the hash's version
 * was raised, a connector reordered its fields) only gets its new hash: no new change value, no
 * new `updated_at`, nothing the feed or a webhook reports.
 */
async function rewrite(
  db: Kysely<Schema>,
  context: StoreContext,
  shape: TableShape,
  rows: readonly (readonly unknown[])[],
  now: string,
): Promise<number> {
  const table = productTable[shape.product];
  const names = shape.content.map((c) => c.name);
  const same = sql.raw(
    `(t.removed_at is null and left(t.api_tail, -${TIMESTAMPS_LENGTH}) = input.body and t.raw is not distinct from input.raw)`,
  );
  const assignments = sql.raw(
    names
      .filter((name) => name !== 'id' && name !== 'natural_key' && name !== 'body')
      .map((name) => `${name} = input.${name}`)
      .join(', '),
  );
  const result = await sql<{ modified: boolean }>`
    update ${sql.table(table)} as t set ${assignments}, removed_at = null,
      api_tail = case when ${same} then t.api_tail else input.body || ',"first_seen_at":"' ||
        ${servedTimestamp('t.first_seen_at')} || '","updated_at":"' || ${now}::text || '"' end,
      updated_at = case when ${same} then t.updated_at else ${now}::timestamptz end,
      change_seq = case when ${same} then t.change_seq else nextval('record_changes') end
    from unnest(${unnestOf(shape.content, rows)}) as input(${sql.raw(names.join(', '))})
    where t.id = input.id and t.client_id = ${context.clientId} and t.connection_id = ${context.connectionId}
    returning t.updated_at = ${now}::timestamptz as modified`.execute(db);
  return result.rows.filter((row) => row.modified).length;
}

/**
 * Inserts the rows whose id is not stored yet; returns the ids inserted. (No conflict target: the
 * primary key is the only unique key, `(id)` on a plain table, `(client_id, id)` on a partitioned one.)
 */
async function insertMissing(
  db: Kysely<Schema>,
  table: string,
  columns: readonly BulkColumn[],
  rows: readonly (readonly unknown[])[],
): Promise<Set<string>> {
  const result = await sql<{ id: string }>`
    insert into ${sql.table(table)} (${sql.raw(columns.map((c) => c.name).join(', '))})
    select * from unnest(${unnestOf(columns, rows)})
    on conflict do nothing
    returning id`.execute(db);
  return new Set(result.rows.map((row) => row.id));
}

/**
 * Marks removed the pending movements of a product the source no longer lists (a hold that was
 * released, or a pending movement that posted under a new id). Returns how many.
 */
export async function removeVanishedPending(
  db: Kysely<Schema>,
  context: StoreContext,
  product: Product,
  seenPendingKeys: readonly string[],
): Promise<number> {
  const table = productTable[product];
  const seenIds = seenPendingKeys.map((key) => recordId(context.connectionId, product, key));
  const result = await sql`
    update ${sql.table(table)}
    set removed_at = now(), updated_at = now(), change_seq = nextval('record_changes')
    where client_id = ${context.clientId} and connection_id = ${context.connectionId}
      and pending and removed_at is null
      and not (id = any(${seenIds}::text[]))`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** How many live records of a product a connection holds. */
export async function countLiveRecords(
  db: Kysely<Schema>,
  product: Product,
  connectionId: string,
): Promise<number> {
  const result = await sql<{ n: number }>`
    select count(*)::int as n from ${sql.table(productTable[product])}
    where connection_id = ${connectionId} and removed_at is null`.execute(db);
  return Number(result.rows[0]!.n);
}

/** The operation date of a connection's latest live transaction (yyyy-mm-dd), if any. */
export async function lastTransactionDate(db: Kysely<Schema>, connectionId: string): Promise<string | null> {
  const row = await db
    .selectFrom('transactions')
    .select((eb) => eb.fn.max('operation_date').as('last'))
    .where('connection_id', '=', connectionId)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  return (row?.last as string | null | undefined) ?? null;
}

/** The last value the sequence gave (0 before its first use: `last_value` then holds the start). */
const lastChangeSeq = sql`select case when is_called then last_value else 0 end from record_changes`;

/**
 * Lets the incremental feed read this connection's changes stored so far. Called once everything
 * written before it has committed: any later change takes a higher sequence value.
 */
export async function publishChanges(db: Kysely<Schema>, connectionId: string): Promise<void> {
  await sql`
    update connections set sync_seq = (${lastChangeSeq})
    where id = ${connectionId}`.execute(db);
}

/** The current value of the change sequence: a refresh's counts are the changes made after it. */
export async function currentChangeSeq(db: Kysely<Schema>): Promise<number> {
  const result = await sql<{ seq: string | number }>`select (${lastChangeSeq}) as seq`.execute(db);
  return Number(result.rows[0]!.seq);
}

/** Records of a connection added, modified and removed since `startSeq`, over the given tables. */
export async function changesSince(
  db: Kysely<Schema>,
  connectionId: string,
  startSeq: number,
  tables: readonly string[],
): Promise<ChangeCounts> {
  const total: ChangeCounts = { added: 0, modified: 0, removed: 0 };
  for (const table of tables) {
    const result = await sql<ChangeCounts>`
      select
        count(*) filter (where created_seq > ${startSeq} and removed_at is null)::int as added,
        count(*) filter (where created_seq <= ${startSeq} and removed_at is null)::int as modified,
        count(*) filter (where created_seq <= ${startSeq} and removed_at is not null)::int as removed
      from ${sql.table(table)}
      where connection_id = ${connectionId} and change_seq > ${startSeq}`.execute(db);
    const row = result.rows[0]!;
    total.added += Number(row.added);
    total.modified += Number(row.modified);
    total.removed += Number(row.removed);
  }
  return total;
}
