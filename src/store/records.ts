// Stores what connectors extract. Ids are derived from the connection and the source's natural key,
// so re-running a refresh (or resuming one after a crash) finds the same rows. A batch is written in
// three steps: look up the stored hash of every id, insert the new records in bulk (COPY on
// PostgreSQL), and rewrite only the records whose content hash changed. Every insert, rewrite or
// removal takes a value of the `record_changes` sequence (migration 0003): the incremental feed and
// a refresh's added / modified / removed counts are read from those values.
import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { productDocument } from '../domain/product-document.ts';
import { movementProducts, type Product, productIdPrefix, productTable } from '../domain/products.ts';
import { type NormalizedRecord, parentProduct } from '../domain/records.ts';
import { type BulkColumn, type BulkInsert, DuplicateRowError } from './bulk-insert.ts';
import type { Database } from './database.ts';
import type { Schema } from './schema.ts';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** `txn_…`: 20 base-32 characters of sha-256(connection, product, natural key). */
export function recordId(connectionId: string, product: Product, naturalKey: string): string {
  const digest = createHash('sha256').update(`${connectionId}\u0000${product}\u0000${naturalKey}`).digest();
  let body = '';
  for (let i = 0; i < 20; i++) body += BASE32[digest[i]! & 31];
  return `${productIdPrefix[product]}_${body}`;
}

/**
 * Raise when the stored document of a record changes shape (domain/product-fields.ts): every record
 * is then rewritten by its next refresh.
 */
const DOCUMENT_VERSION = 3;

export function contentHash(record: NormalizedRecord): string {
  return createHash('sha256')
    .update(JSON.stringify([DOCUMENT_VERSION, record.parentKey ?? null, record.data, record.raw ?? null]))
    .digest('base64url')
    .slice(0, 22);
}

export interface StoreContext {
  clientId: string;
  connectionId: string;
}

export interface ChangeCounts {
  added: number;
  modified: number;
  removed: number;
}

const str = (value: unknown) => (typeof value === 'string' ? value : null);

/** How an engine stores batches: see ingestOptionsFor. */
export interface IngestOptions {
  bulkInsert: BulkInsert;
  /** Rows per step (lookup, insert, rewrite). */
  chunkSize: number;
  /** Steps in flight at once. */
  concurrency: number;
}

/**
 * PostgreSQL runs each statement on its own backend, so two chunks in flight keep both cores busy
 * (one preparing rows in Node, one writing). The embedded database answers one statement at a time
 * and every API query waits for the one in flight: 1,000-row steps keep that wait short.
 */
export function ingestOptionsFor(database: Pick<Database, 'engine' | 'bulkInsert'>): IngestOptions {
  return database.engine === 'postgres'
    ? { bulkInsert: database.bulkInsert, chunkSize: 5000, concurrency: 2 }
    : { bulkInsert: database.bulkInsert, chunkSize: 1000, concurrency: 1 };
}

/**
 * Stores a batch of a product's records; returns how many were added and modified. Chunks never
 * share a record, so the ones in flight at once cannot conflict. Call publishChanges once the batch
 * is stored to let the incremental feed see it.
 */
export async function upsertRecords(
  db: Kysely<Schema>,
  ingest: IngestOptions,
  context: StoreContext,
  product: Product,
  batch: readonly NormalizedRecord[],
): Promise<ChangeCounts> {
  const total: ChangeCounts = { added: 0, modified: 0, removed: 0 };
  // A source may repeat a record inside a batch; the last one wins (one row per id).
  const unique = new Map<string, NormalizedRecord>();
  for (const record of batch) unique.set(record.naturalKey, record);
  const records = [...unique.values()];
  const chunks: NormalizedRecord[][] = [];
  for (let start = 0; start < records.length; start += ingest.chunkSize)
    chunks.push(records.slice(start, start + ingest.chunkSize));
  let next = 0;
  const lane = async () => {
    while (next < chunks.length) {
      const counts = await storeChunk(db, ingest.bulkInsert, context, product, chunks[next++]!);
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

const baseColumns: BulkColumn[] = [
  { name: 'id', type: 'text' },
  { name: 'natural_key', type: 'text' },
  { name: 'parent_id', type: 'text' },
  { name: 'data', type: 'json' },
  { name: 'raw', type: 'text' },
  { name: 'hash', type: 'text' },
];
const movementColumns: BulkColumn[] = [
  { name: 'operation_date', type: 'date' },
  { name: 'value_date', type: 'date' },
  { name: 'amount', type: 'numeric' },
  { name: 'currency', type: 'text' },
  { name: 'pending', type: 'boolean' },
  { name: 'pending_transaction_id', type: 'text' },
];
const ownerColumns: BulkColumn[] = [
  { name: 'client_id', type: 'text' },
  { name: 'connection_id', type: 'text' },
  { name: 'change_seq', type: 'int8' },
  { name: 'created_seq', type: 'int8' },
];

/** A holder names the stored id of the product it holds (Flanks' `product_id`). */
function withProductId(context: StoreContext, product: Product, data: NormalizedRecord['data']) {
  if (product !== 'holders' || typeof data.product_natural_key !== 'string') return data;
  const held = data.product_type as Product;
  if (!(held in productIdPrefix)) return data;
  return { ...data, product_id: recordId(context.connectionId, held, data.product_natural_key) };
}

/**
 * U+0000 and lone surrogates: PostgreSQL's text cannot hold the first, and `json ->>` refuses
 * both as escapes (one stored NUL made every search of a tenant fail). JSON.stringify writes them
 * as `\u0000` / `\udXXX` escapes, so the text is checked with one scan and, in the rare case it
 * has one, written again with each such character replaced by U+FFFD.
 */
const UNSTORABLE_ESCAPE = /\\u(0000|d[89a-f][0-9a-f]{2})/i;
const storable = (text: string) => text.replaceAll('\u0000', '\uFFFD').toWellFormed();

function storableJson(value: unknown): string {
  const json = JSON.stringify(value);
  if (!UNSTORABLE_ESCAPE.test(json)) return json;
  return JSON.stringify(value, (_key, item) => (typeof item === 'string' ? storable(item) : item));
}

/** A record as the values of its table's content columns (baseColumns, then movementColumns). */
function toRow(context: StoreContext, product: Product, record: NormalizedRecord): unknown[] {
  const parent = parentProduct[product];
  const naturalKey = storable(record.naturalKey);
  const row: unknown[] = [
    recordId(context.connectionId, product, naturalKey),
    naturalKey,
    parent && record.parentKey ? recordId(context.connectionId, parent, record.parentKey) : null,
    storableJson(productDocument(product, withProductId(context, product, record.data))),
    storableJson(record.raw ?? null),
    contentHash(record),
  ];
  if (!movementProducts.has(product)) return row;
  const d = record.data;
  const operationDate = str(d.operation_date) ?? str(d.value_date);
  if (!operationDate) throw new Error(`A ${product} record has neither operation_date nor value_date.`);
  row.push(
    operationDate,
    str(d.value_date),
    str(d.amount) ?? str(d.net_cash),
    str(d.currency) ?? str(d.currency_amount),
    d.pending === true,
    typeof d.pending_natural_key === 'string'
      ? recordId(context.connectionId, product, d.pending_natural_key)
      : null,
  );
  return row;
}

async function storeChunk(
  db: Kysely<Schema>,
  bulkInsert: BulkInsert,
  context: StoreContext,
  product: Product,
  records: readonly NormalizedRecord[],
): Promise<ChangeCounts> {
  const table = productTable[product];
  const rows = records.map((record) => toRow(context, product, record));
  const content = movementProducts.has(product) ? [...baseColumns, ...movementColumns] : baseColumns;
  const stored = await sql<{ id: string; hash: string; removed: boolean }>`
    select id, hash, removed_at is not null as removed from ${sql.table(table)}
    where id = any(${rows.map((row) => row[0])}::text[])`.execute(db);
  const known = new Map(stored.rows.map((row) => [row.id, row]));
  const fresh: unknown[][] = [];
  const changed: unknown[][] = [];
  for (const [index, row] of rows.entries()) {
    const existing = known.get(row[0] as string);
    if (!existing) fresh.push(row);
    else if (records[index]!.keepExisting) continue;
    else if (existing.hash !== row[5] || existing.removed) changed.push(row);
  }
  if (fresh.length > 0) {
    const seqs = await nextChangeSeqs(db, fresh.length);
    const owned = fresh.map((row, i) => [...row, context.clientId, context.connectionId, seqs[i], seqs[i]]);
    try {
      await bulkInsert(table, [...content, ...ownerColumns], owned);
    } catch (error) {
      // Only a second writer of the same connection gets here (the engine runs one refresh per
      // connection at a time); the slower statement below settles it row by row.
      if (!(error instanceof DuplicateRowError)) throw error;
      return upsertStatement(db, context, table, content, owned);
    }
  }
  if (changed.length > 0) await rewrite(db, table, content, changed);
  return { added: fresh.length, modified: changed.length, removed: 0 };
}

/** Takes `count` values of the change sequence. */
async function nextChangeSeqs(db: Kysely<Schema>, count: number): Promise<number[]> {
  const result = await sql<{ seq: string | number }>`
    select nextval('record_changes') as seq from generate_series(1, ${count}::int)`.execute(db);
  return result.rows.map((row) => Number(row.seq));
}

const unnestOf = (columns: readonly BulkColumn[], rows: readonly (readonly unknown[])[]) =>
  sql.join(columns.map((column, index) => sql`${rows.map((row) => row[index])}::${sql.raw(column.type)}[]`));

/** Rewrites records whose content changed (or that come back after being removed). */
async function rewrite(
  db: Kysely<Schema>,
  table: string,
  content: readonly BulkColumn[],
  rows: readonly (readonly unknown[])[],
): Promise<void> {
  const names = content.map((c) => c.name);
  const assignments = sql.raw(
    names
      .filter((name) => name !== 'id' && name !== 'natural_key')
      .map((name) => `${name} = input.${name}`)
      .join(', '),
  );
  await sql`
    update ${sql.table(table)} set ${assignments}, updated_at = now(), removed_at = null,
      change_seq = nextval('record_changes')
    from unnest(${unnestOf(content, rows)}) as input(${sql.raw(names.join(', '))})
    where ${sql.table(table)}.id = input.id`.execute(db);
}

/** Insert-or-rewrite in one statement, for a chunk that raced another writer. */
async function upsertStatement(
  db: Kysely<Schema>,
  context: StoreContext,
  table: string,
  content: readonly BulkColumn[],
  rows: readonly (readonly unknown[])[],
): Promise<ChangeCounts> {
  const columns = [...content, ...ownerColumns];
  const names = columns.map((c) => c.name);
  const updates = sql.raw(
    content
      .map((c) => c.name)
      .filter((name) => name !== 'id' && name !== 'natural_key')
      .map((name) => `${name} = excluded.${name}`)
      .join(', '),
  );
  const result = await sql<{ inserted: boolean }>`
    insert into ${sql.table(table)} (${sql.raw(names.join(', '))})
    select * from unnest(${unnestOf(columns, rows)})
    on conflict (id) do update set ${updates}, updated_at = now(), removed_at = null,
      change_seq = nextval('record_changes')
    where ${sql.table(table)}.connection_id = ${context.connectionId}
      and (${sql.table(table)}.hash <> excluded.hash or ${sql.table(table)}.removed_at is not null)
    returning (xmax = 0) as inserted`.execute(db);
  const added = result.rows.filter((row) => row.inserted).length;
  return { added, modified: result.rows.length - added, removed: 0 };
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
    where connection_id = ${context.connectionId} and pending and removed_at is null
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
