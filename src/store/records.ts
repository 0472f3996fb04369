// Stores what connectors extract. Ids are derived from the connection and the source's natural key,
// so re-running a refresh (or resuming one after a crash) finds the same rows: a record is inserted
// once, rewritten only when its content hash changes, and every insert, change or removal is logged
// in `changes` in the same statement.
import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { movementProducts, type Product, productIdPrefix, productTable } from '../domain/products.ts';
import { type NormalizedRecord, parentProduct } from '../domain/records.ts';
import type { Schema } from './schema.ts';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** `txn_…`: 20 base-32 characters of sha-256(connection, product, natural key). */
export function recordId(connectionId: string, product: Product, naturalKey: string): string {
  const digest = createHash('sha256').update(`${connectionId}\u0000${product}\u0000${naturalKey}`).digest();
  let body = '';
  for (let i = 0; i < 20; i++) body += BASE32[digest[i]! & 31];
  return `${productIdPrefix[product]}_${body}`;
}

export function contentHash(record: NormalizedRecord): string {
  return createHash('sha256')
    .update(JSON.stringify([record.parentKey ?? null, record.data, record.raw ?? null]))
    .digest('base64url')
    .slice(0, 22);
}

export interface StoreContext {
  clientId: string;
  connectionId: string;
  refreshId: string | null;
}

export interface ChangeCounts {
  added: number;
  modified: number;
  removed: number;
}

const str = (value: unknown) => (typeof value === 'string' ? value : null);

/**
 * Rows per statement. Larger statements are a little faster, but on the single-connection embedded
 * database every API query waits for the statement in flight: 1,000 rows keep that wait short.
 */
export const UPSERT_CHUNK = 1000;

/**
 * Upserts a batch of a product's records; returns how many were added and modified. With
 * `concurrency` > 1 (PostgreSQL, which has a pool and a core per backend) several statements run at
 * once; their rows never overlap, so they cannot conflict. The embedded database runs one at a time.
 */
export async function upsertRecords(
  db: Kysely<Schema>,
  context: StoreContext,
  product: Product,
  batch: readonly NormalizedRecord[],
  concurrency = 1,
): Promise<ChangeCounts> {
  const total: ChangeCounts = { added: 0, modified: 0, removed: 0 };
  const chunks: NormalizedRecord[][] = [];
  for (let start = 0; start < batch.length; start += UPSERT_CHUNK)
    chunks.push(batch.slice(start, start + UPSERT_CHUNK));
  let next = 0;
  const lane = async () => {
    while (next < chunks.length) {
      const counts = await upsertChunk(db, context, product, chunks[next++]!);
      total.added += counts.added;
      total.modified += counts.modified;
      // Let the API and other jobs run between statements: the embedded database answers without
      // I/O, so a long ingest would otherwise hold the event loop (timers, sockets) until it ends.
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, chunks.length)) }, lane));
  return total;
}

async function upsertChunk(
  db: Kysely<Schema>,
  context: StoreContext,
  product: Product,
  batch: readonly NormalizedRecord[],
): Promise<ChangeCounts> {
  // A source may repeat a record inside a batch; the last one wins (one row per id per statement).
  const unique = new Map<string, NormalizedRecord>();
  for (const record of batch) unique.set(record.naturalKey, record);
  const records = [...unique.values()];
  if (records.length === 0) return { added: 0, modified: 0, removed: 0 };

  const table = productTable[product];
  const parent = parentProduct[product];
  const ids = records.map((r) => recordId(context.connectionId, product, r.naturalKey));
  const columns = {
    id: ids,
    natural_key: records.map((r) => r.naturalKey),
    parent_id: records.map((r) =>
      parent && r.parentKey ? recordId(context.connectionId, parent, r.parentKey) : null,
    ),
    data: records.map((r) => JSON.stringify(r.data)),
    raw: records.map((r) => JSON.stringify(r.raw ?? null)),
    hash: records.map(contentHash),
  };
  const movement = movementProducts.has(product);
  const movementColumns = movement
    ? {
        operation_date: records.map((r) => str(r.data.operation_date)),
        value_date: records.map((r) => str(r.data.value_date)),
        amount: records.map(
          (r) => str(r.data.amount) ?? (typeof r.data.net_cash === 'string' ? r.data.net_cash : null),
        ),
        currency: records.map((r) => str(r.data.currency) ?? str(r.data.currency_amount)),
        pending: records.map((r) => r.data.pending === true),
        pending_transaction_id: records.map((r) =>
          typeof r.data.pending_natural_key === 'string'
            ? recordId(context.connectionId, product, r.data.pending_natural_key)
            : null,
        ),
      }
    : {};
  const types: Record<string, string> = {
    id: 'text',
    natural_key: 'text',
    parent_id: 'text',
    data: 'jsonb',
    raw: 'text',
    hash: 'text',
    operation_date: 'date',
    value_date: 'date',
    amount: 'numeric',
    currency: 'text',
    pending: 'boolean',
    pending_transaction_id: 'text',
  };
  const all = { ...columns, ...movementColumns } as Record<string, unknown[]>;
  const names = Object.keys(all);
  const unnest = sql.join(names.map((name) => sql`${all[name]}::${sql.raw(types[name]!)}[]`));
  const updates = sql.raw(
    names
      .filter((name) => name !== 'id' && name !== 'natural_key')
      .map((name) => `${name} = excluded.${name}`)
      .join(', '),
  );
  const result = await sql<{ kind: 'added' | 'modified'; n: number }>`
    with input as (
      select * from unnest(${unnest}) as t(${sql.raw(names.join(', '))})
    ), upserted as (
      insert into ${sql.table(table)} (client_id, connection_id, ${sql.raw(names.join(', '))})
      select ${context.clientId}, ${context.connectionId}, ${sql.raw(names.join(', '))} from input
      on conflict (id) do update set ${updates}, updated_at = now(), removed_at = null
      where ${sql.table(table)}.hash <> excluded.hash or ${sql.table(table)}.removed_at is not null
      returning id, (xmax = 0) as inserted
    ), logged as (
      insert into changes (client_id, connection_id, refresh_id, product, record_id, kind)
      select ${context.clientId}, ${context.connectionId}, ${context.refreshId}, ${product}, id,
             case when inserted then 'added' else 'modified' end
      from upserted
      returning kind
    )
    select kind, count(*)::int as n from logged group by kind`.execute(db);
  const count = (kind: string) => Number(result.rows.find((row) => row.kind === kind)?.n ?? 0);
  return { added: count('added'), modified: count('modified'), removed: 0 };
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
  const result = await sql<{ n: number }>`
    with gone as (
      update ${sql.table(table)} set removed_at = now(), updated_at = now()
      where connection_id = ${context.connectionId} and pending and removed_at is null
        and not (natural_key = any(${[...seenPendingKeys]}::text[]))
      returning id
    ), logged as (
      insert into changes (client_id, connection_id, refresh_id, product, record_id, kind)
      select ${context.clientId}, ${context.connectionId}, ${context.refreshId}, ${product}, id, 'removed' from gone
      returning 1
    )
    select count(*)::int as n from logged`.execute(db);
  return Number(result.rows[0]?.n ?? 0);
}
