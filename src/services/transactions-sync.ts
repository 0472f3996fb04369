// The incremental feed, with the semantics of Plaid's /transactions/sync: the first call (no
// cursor) returns everything stored so far as `added`; each next call returns what was added,
// modified or removed since the cursor, in change order; a cursor stays valid forever. A cursor
// carries three numbers of the `record_changes` sequence (store/records.ts):
//   s: where this pagination loop started (what the client had before it),
//   p: how far the loop has read,
//   h: the high-water mark the loop reads up to (null once a loop is complete).
// If the connection changes while a loop is being paged (its published high-water mark moves past
// h), the answer is SYNC_MUTATION_DURING_PAGINATION with the cursor to restart the loop from.
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { AppError } from '../domain/errors.ts';
import { type RecordColumns, recordColumns, renderRecord } from '../store/product-queries.ts';
import type { Schema } from '../store/schema.ts';
import { assertProductReady, connectionsInScope } from './data-reads.ts';

interface SyncCursor {
  s: number;
  p: number;
  h: number | null;
}

export function encodeSyncCursor(cursor: SyncCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

export function decodeSyncCursor(text: string | undefined): SyncCursor {
  if (!text) return { s: 0, p: 0, h: null };
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as SyncCursor;
    const isSeq = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
    if (isSeq(value.s) && isSeq(value.p) && (value.h === null || isSeq(value.h)) && value.p >= value.s)
      return { s: value.s, p: value.p, h: value.h };
  } catch {
    // fall through
  }
  throw new AppError('VALIDATION_FAILED', 'The cursor is not a cursor returned by this feed.', {
    fields: [{ path: ['cursor'], detail: 'is not a cursor returned by /v1/transactions/sync' }],
  });
}

/** One page of the feed as JSON text. */
export async function syncTransactions(
  db: Kysely<Schema>,
  clientId: string,
  request: { connectionId: string; cursor?: string | undefined; count: number },
): Promise<string> {
  const cursor = decodeSyncCursor(request.cursor);
  const [connection] = (await connectionsInScope(db, clientId, { connectionId: request.connectionId }))!;
  await assertProductReady(db, [connection!], 'transactions');
  const published = connection!.sync_seq;
  if (cursor.h !== null && published > cursor.h) {
    throw new AppError(
      'SYNC_MUTATION_DURING_PAGINATION',
      'Transactions changed while this update was being paged; restart from restart_cursor.',
      { extensions: { restart_cursor: encodeSyncCursor({ s: cursor.s, p: cursor.s, h: null }) } },
    );
  }
  const high = cursor.h ?? published;
  const rows = await sql<
    RecordColumns & { parent_id: string | null; change_seq: number; created_seq: number; removed: boolean }
  >`
    select r.parent_id, r.change_seq, r.created_seq, r.removed_at is not null as removed, ${recordColumns(false)}
    from transactions r
    where r.client_id = ${clientId} and r.connection_id = ${connection!.id}
      and r.change_seq > ${cursor.p} and r.change_seq <= ${high}
    order by r.change_seq
    limit ${request.count + 1}`.execute(db);
  const page = rows.rows.slice(0, request.count);
  const hasMore = rows.rows.length > request.count;
  const added: string[] = [];
  const modified: string[] = [];
  const removed: string[] = [];
  for (const row of page) {
    const createdInLoop = Number(row.created_seq) > cursor.s;
    if (row.removed) {
      // A transaction the client never saw (added and removed since its cursor) is not news.
      if (!createdInLoop) removed.push(JSON.stringify({ transaction_id: row.id, account_id: row.parent_id }));
    } else (createdInLoop ? added : modified).push(renderRecord(row, connection!.external_id));
  }
  const next: SyncCursor = hasMore
    ? { s: cursor.s, p: Number(page.at(-1)!.change_seq), h: high }
    : { s: high, p: high, h: null };
  return `{"added":[${added.join(',')}],"modified":[${modified.join(',')}],"removed":[${removed.join(',')}],"next_cursor":${JSON.stringify(encodeSyncCursor(next))},"has_more":${hasMore}}`;
}
