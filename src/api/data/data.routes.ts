// Minimal reads of extracted data (accounts and transactions), enough to see a connection end to
// end; the full data API with every product and filter is its own piece of work.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { Type } from 'typebox';
import { authOf } from '../../http/auth.ts';
import { decodeCursor, keysetPage, Page, PageQuery } from '../../http/pagination.ts';
import type { Schema } from '../../store/schema.ts';
import { Nullable, problemResponses } from '../common.schemas.ts';

const StoredRecord = (description: string) =>
  Type.Object(
    {
      id: Type.String(),
      connection_id: Type.String(),
      first_seen_at: Type.String({ format: 'date-time' }),
      updated_at: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: true, description },
  );

const AccountSchema = StoredRecord(
  'An account: IBAN, name, type, balance, available_balance, currency, owners, …',
);
const TransactionSchema = Type.Intersect([
  StoredRecord(
    'A cash transaction: amount (negative = money leaving), balance after it, dates, description, Norma 43 code, …',
  ),
  Type.Object({
    account_id: Nullable(Type.String()),
    pending: Type.Boolean(),
    pending_transaction_id: Nullable(Type.String()),
  }),
]);

interface Row {
  id: string;
  connection_id: string;
  parent_id: string | null;
  data: unknown;
  first_seen_at: Date;
  updated_at: Date;
  pending?: boolean;
  pending_transaction_id?: string | null;
}

function present(row: Row, parentName?: string) {
  const { pending_natural_key: _, ...data } = row.data as Record<string, unknown>;
  return {
    id: row.id,
    connection_id: row.connection_id,
    ...(parentName ? { [parentName]: row.parent_id } : {}),
    ...data,
    ...(row.pending !== undefined
      ? { pending: row.pending, pending_transaction_id: row.pending_transaction_id ?? null }
      : {}),
    first_seen_at: row.first_seen_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export function registerDataRoutes(app: FastifyInstance, deps: { db: Kysely<Schema> }): void {
  const { db } = deps;
  app.get(
    '/v1/accounts',
    {
      config: { scopes: ['data:read'] },
      schema: {
        tags: ['Data'],
        summary: 'List accounts',
        querystring: Type.Object({
          connection_id: Type.Optional(Type.String({ maxLength: 64 })),
          ...PageQuery,
        }),
        response: { 200: Page(AccountSchema, 'A page of accounts.'), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const query = request.query as { connection_id?: string; page_size: number; cursor?: string };
      let q = db
        .selectFrom('accounts')
        .selectAll()
        .where('client_id', '=', authOf(request).client.id)
        .where('removed_at', 'is', null);
      if (query.connection_id) q = q.where('connection_id', '=', query.connection_id);
      if (query.cursor) q = q.where('id', '>', decodeCursor(query.cursor, 1)[0] as string);
      const rows = await q
        .orderBy('id')
        .limit(query.page_size + 1)
        .execute();
      const page = keysetPage(rows, query.page_size, (row) => [row.id]);
      return {
        data: page.rows.map((row) => present(row)),
        has_more: page.has_more,
        next_cursor: page.next_cursor,
      };
    },
  );

  app.get(
    '/v1/transactions',
    {
      config: { scopes: ['data:read'] },
      schema: {
        tags: ['Data'],
        summary: 'List transactions',
        description: 'Newest first (operation date, then id), with keyset pagination.',
        querystring: Type.Object({
          connection_id: Type.Optional(Type.String({ maxLength: 64 })),
          account_id: Type.Optional(Type.String({ maxLength: 64 })),
          ...PageQuery,
        }),
        response: {
          200: Page(TransactionSchema, 'A page of transactions.'),
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const query = request.query as {
        connection_id?: string;
        account_id?: string;
        page_size: number;
        cursor?: string;
      };
      let q = db
        .selectFrom('transactions')
        .selectAll()
        .where('client_id', '=', authOf(request).client.id)
        .where('removed_at', 'is', null);
      if (query.connection_id) q = q.where('connection_id', '=', query.connection_id);
      if (query.account_id) q = q.where('parent_id', '=', query.account_id);
      if (query.cursor) {
        const [date, id] = decodeCursor(query.cursor, 2) as [string, string];
        q = q.where(sql<boolean>`(coalesce(operation_date, '-infinity'::date), id) < (${date}::date, ${id})`);
      }
      const rows = await q
        .orderBy(sql`coalesce(operation_date, '-infinity'::date)`, 'desc')
        .orderBy('id', 'desc')
        .limit(query.page_size + 1)
        .execute();
      const page = keysetPage(rows, query.page_size, (row) => [row.operation_date ?? '-infinity', row.id]);
      return {
        data: page.rows.map((row) => present(row, 'account_id')),
        has_more: page.has_more,
        next_cursor: page.next_cursor,
      };
    },
  );
}
