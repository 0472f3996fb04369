// Reads the operator dashboard needs that no other use case offers: connections counted by status,
// the client's latest refreshes across its connections, the challenges of a connection's refreshes,
// its accounts, and the statement imports. Every query (store/dashboard-queries.ts) is scoped to the
// client id, so another client's connection is not found and its rows never appear.
import type { Kysely } from 'kysely';
import {
  challengeRowsOfConnection,
  connectionStatusCounts,
  importRowsPage,
  latestRefreshRowsOfClient,
} from '../store/dashboard-queries.ts';
import { listRecords } from '../store/product-queries.ts';
import type { Schema } from '../store/schema.ts';
import { presentRefresh } from './connection-view.ts';
import { getConnectionOrThrow } from './connections.ts';

/** How many of the client's connections are in each status (statuses with none are left out). */
export async function connectionCountsByStatus(
  db: Kysely<Schema>,
  clientId: string,
): Promise<Record<string, number>> {
  const rows = await connectionStatusCounts(db, clientId);
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
}

/** The client's latest refreshes, newest first, each with its connection's institution and end user. */
export async function latestRefreshesOfClient(db: Kysely<Schema>, clientId: string, limit: number) {
  const rows = await latestRefreshRowsOfClient(db, clientId, limit);
  return rows.map((row) => ({
    ...presentRefresh(row),
    institution_id: row.institution_id,
    external_id: row.external_id,
  }));
}

/**
 * The challenges of a connection's refreshes, oldest first: what was asked and how it ended. The
 * prompt, fields and redirect URL are left out (a redirect URL carries the consent's state).
 */
export async function challengesOfConnection(db: Kysely<Schema>, clientId: string, connectionId: string) {
  await getConnectionOrThrow(db, clientId, connectionId);
  const rows = await challengeRowsOfConnection(db, clientId, connectionId);
  return rows.map((row) => ({
    ...row,
    expires_at: row.expires_at.toISOString(),
    created_at: row.created_at.toISOString(),
  }));
}

/** What the dashboard shows of an account (never its raw source document). */
export interface AccountSummary {
  id: string;
  name: string | null;
  type: string | null;
  iban: string | null;
  balance: number | null;
  currency: string | null;
}

/** The live accounts of a connection of the client, as the data API renders them (at most 200). */
export async function accountsOfConnection(
  db: Kysely<Schema>,
  clientId: string,
  connectionId: string,
): Promise<AccountSummary[]> {
  await getConnectionOrThrow(db, clientId, connectionId);
  const rows = await listRecords(
    db,
    'accounts',
    { clientId, connectionIds: [connectionId] },
    { pageSize: 200, includeRaw: false },
  );
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return rows.map((row) => {
    const account = JSON.parse(row.json) as Record<string, unknown>;
    return {
      id: String(account.id),
      name: text(account.alias) ?? text(account.name),
      type: text(account.type),
      iban: text(account.iban),
      balance: typeof account.balance === 'number' ? account.balance : null,
      currency: text(account.currency),
    };
  });
}

/** The client's statement imports, newest first, with the stored file's name; keyset on (created_at, id). */
export async function importPage(
  db: Kysely<Schema>,
  clientId: string,
  query: { page_size: number; cursor?: string | undefined },
) {
  const page = await importRowsPage(db, clientId, query);
  return {
    data: page.rows.map((row) => ({
      ...row,
      created_at: row.created_at.toISOString(),
      finished_at: row.finished_at?.toISOString() ?? null,
    })),
    has_more: page.has_more,
    next_cursor: page.next_cursor,
  };
}
