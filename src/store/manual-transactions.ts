// The reads and the removal behind manual transactions (services/manual-transactions.ts): their
// rows are written by the record store like any other (records.ts), so only what is particular to
// them is here — the account they are added to, the rows rendered back as served, and the soft
// removal that the change feed reports.
import { sql } from 'kysely';
import { type RecordColumns, recordColumns, renderRecord } from './product-queries.ts';
import type { Db } from './schema.ts';

/** A live account of the client, with what a manual movement added to it needs. */
export interface WritableAccount {
  id: string;
  connection_id: string;
  natural_key: string;
  /** The account's currency as stored in its document, if any. */
  currency: string | null;
  /** The connection's end-user id, which every served record carries. */
  external_id: string | null;
}

export async function findWritableAccount(
  db: Db,
  clientId: string,
  accountId: string,
): Promise<WritableAccount | undefined> {
  const { rows } = await sql<WritableAccount>`
    select a.id, a.connection_id, a.natural_key, a.data->>'currency' as currency, c.external_id
    from accounts a join connections c on c.id = a.connection_id
    where a.client_id = ${clientId} and a.id = ${accountId} and a.removed_at is null`.execute(db);
  return rows[0];
}

/** Live transactions of the client by id, each as the API serves it, in the order of `ids`. */
export async function renderTransactions(
  db: Db,
  clientId: string,
  ids: readonly string[],
  externalId: string | null,
): Promise<string[]> {
  const { rows } = await sql<RecordColumns>`
    select ${recordColumns(false)} from transactions r
    where r.client_id = ${clientId} and r.id = any(${ids}::text[]) and r.removed_at is null`.execute(db);
  const byId = new Map(rows.map((row) => [row.id, renderRecord(row, externalId)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** A live transaction of the client: its connection, natural key and whether it says it is manual. */
export async function findTransactionOrigin(
  db: Db,
  clientId: string,
  id: string,
): Promise<{ connection_id: string; natural_key: string; manual: boolean } | undefined> {
  const { rows } = await sql<{ connection_id: string; natural_key: string; manual: boolean }>`
    select connection_id, natural_key, coalesce(extra->>'manual' = 'true', false) as manual
    from transactions
    where client_id = ${clientId} and id = ${id} and removed_at is null`.execute(db);
  return rows[0];
}

/**
 * Marks a transaction removed, with a new change value (the feed reports it removed, lists leave
 * it out); adding it again restores it (records.ts rewrites a removed row).
 */
export async function markTransactionRemoved(db: Db, clientId: string, id: string): Promise<void> {
  await sql`
    update transactions
    set removed_at = now(), updated_at = now(), change_seq = nextval('record_changes')
    where client_id = ${clientId} and id = ${id} and removed_at is null`.execute(db);
}
