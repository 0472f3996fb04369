// The fixed yardstick of bench:ingest: transactions as the store wrote them before migration 0010
// (the null-filled `data` document, FKs to clients and connections, the primary key and four
// secondary indexes), built in JavaScript before any timing starts and then loaded the cheapest
// way each engine has (COPY on PostgreSQL, an `unnest` insert on PGlite). It does not follow the
// store: it stays this shape so that every later change is measured against the same thing
// (performance-analysis §8, "reference COPY").
import { createHash } from 'node:crypto';
import { productDocument } from '../src/domain/product-document.ts';
import type { NormalizedRecord } from '../src/domain/records.ts';
import { copyText } from '../src/store/bulk-insert.ts';
import { recordId } from '../src/store/record-rows.ts';

export const REFERENCE_TABLE = 'reference_transactions';

/** The transactions table of migrations 0002 + 0003, under another name. */
export const referenceTableSql = `
  create table ${REFERENCE_TABLE} (
    id text primary key,
    client_id text not null references clients(id) on delete cascade,
    connection_id text not null references connections(id) on delete cascade,
    natural_key text not null,
    parent_id text,
    data json not null,
    raw text,
    hash text not null,
    first_seen_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    removed_at timestamptz,
    change_seq bigint not null default 0,
    created_seq bigint not null default 0,
    operation_date date not null,
    value_date date,
    amount numeric(20, 2),
    currency text,
    pending boolean not null default false,
    pending_transaction_id text);
  create index ${REFERENCE_TABLE}_changes on ${REFERENCE_TABLE} (connection_id, change_seq);
  create index ${REFERENCE_TABLE}_by_client on ${REFERENCE_TABLE} (client_id, operation_date, id) where removed_at is null;
  create index ${REFERENCE_TABLE}_by_connection on ${REFERENCE_TABLE} (connection_id, operation_date, id) where removed_at is null;
  create index ${REFERENCE_TABLE}_by_parent on ${REFERENCE_TABLE} (parent_id, operation_date, id) where removed_at is null`;

export const referenceColumns: { name: string; type: string }[] = [
  { name: 'id', type: 'text' },
  { name: 'natural_key', type: 'text' },
  { name: 'parent_id', type: 'text' },
  { name: 'data', type: 'json' },
  { name: 'raw', type: 'text' },
  { name: 'hash', type: 'text' },
  { name: 'operation_date', type: 'date' },
  { name: 'value_date', type: 'date' },
  { name: 'amount', type: 'numeric' },
  { name: 'currency', type: 'text' },
  { name: 'pending', type: 'boolean' },
  { name: 'pending_transaction_id', type: 'text' },
  { name: 'client_id', type: 'text' },
  { name: 'connection_id', type: 'text' },
  { name: 'change_seq', type: 'int8' },
  { name: 'created_seq', type: 'int8' },
];

const str = (value: unknown) => (typeof value === 'string' ? value : null);

/** One transaction as the previous store's `toRow` built it (values in referenceColumns order). */
export function referenceRow(
  record: NormalizedRecord,
  owner: { clientId: string; connectionId: string },
  seq: number,
): unknown[] {
  const d = record.data;
  const hash = createHash('sha256')
    .update(JSON.stringify([3, record.parentKey ?? null, record.data, record.raw ?? null]))
    .digest('base64url')
    .slice(0, 22);
  return [
    recordId(owner.connectionId, 'transactions', record.naturalKey),
    record.naturalKey,
    record.parentKey ? recordId(owner.connectionId, 'accounts', record.parentKey) : null,
    JSON.stringify(productDocument('transactions', d)),
    JSON.stringify(record.raw ?? null),
    hash,
    str(d.operation_date) ?? str(d.value_date),
    str(d.value_date),
    str(d.amount),
    str(d.currency),
    d.pending === true,
    typeof d.pending_natural_key === 'string'
      ? recordId(owner.connectionId, 'transactions', d.pending_natural_key)
      : null,
    owner.clientId,
    owner.connectionId,
    seq,
    seq,
  ];
}

/** The previous store's JavaScript per row: the row and its COPY text. */
export function referenceCopyText(
  records: readonly NormalizedRecord[],
  owner: { clientId: string; connectionId: string },
): string {
  return copyText(records.map((record, i) => referenceRow(record, owner, i + 1)));
}
