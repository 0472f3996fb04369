// GET /v1/connections/{id}/all: every product of a connection grouped as Flanks' "ALL DATA"
// does — accounts, cards and liabilities with their transactions and holders, portfolios with
// their holders, investments grouped by type (funds, stocks, ETFs, fixed income, pension plans, …)
// each with its transactions — plus `product_status`, so an empty list is never ambiguous (the
// caveat Flanks spells out: "accounts = [] could mean" three things).
//
// The answer is JSON text written as it is read: the records arrive rendered by the store and
// are joined, never parsed; each parent's movements are read in batches, so a large connection
// costs time in proportion to its size and never holds the event loop for long. Past
// `maxRecords` the answer is refused (RESULT_TOO_LARGE) in favour of the paged lists.
import type { Kysely } from 'kysely';
import { AppError } from '../domain/errors.ts';
import type { Product } from '../domain/products.ts';
import {
  type ConnectionRecord,
  connectionRecords,
  countConnectionRecords,
} from '../store/product-queries.ts';
import type { Schema } from '../store/schema.ts';
import { getConnectionOrThrow } from './connections.ts';

/** Flanks' investment types → the native group names (snake_case of Flanks' keys). */
export const investmentGroups: Record<string, string> = {
  F: 'funds',
  VI: 'stocks',
  ETF: 'etfs',
  FI: 'fixed_income',
  PP: 'pension_plans',
  L: 'liquidity',
  C: 'crypto_currencies',
  CFD: 'contract_for_differences',
  DV: 'derivatives',
  BP: 'bank_products',
  AEP: 'alternative_emerging_products',
  DEP: 'deposits',
  O: 'others',
};

/** Records one answer may hold; larger connections are read with the paged lists. */
export const ALL_DATA_MAX_RECORDS = 100_000;
const BATCH = 2000;

/** The parents whose movements are nested in them, and the product of those movements. */
const nested: ReadonlyArray<{ key: string; parent: Product; movements: Product | null }> = [
  { key: 'accounts', parent: 'accounts', movements: 'transactions' },
  { key: 'cards', parent: 'cards', movements: 'card_transactions' },
  { key: 'portfolios', parent: 'portfolios', movements: null },
  { key: 'liabilities', parent: 'liabilities', movements: 'liability_transactions' },
];

type Connection = Awaited<ReturnType<typeof getConnectionOrThrow>>;

/**
 * Checks the connection (NOT_FOUND, RESULT_TOO_LARGE) before anything is sent, then returns the
 * answer as pieces of JSON text to stream.
 */
export async function allData(
  db: Kysely<Schema>,
  clientId: string,
  connectionId: string,
  options: { maxRecords?: number } = {},
): Promise<AsyncGenerator<string>> {
  const connection = await getConnectionOrThrow(db, clientId, connectionId);
  const limit = options.maxRecords ?? ALL_DATA_MAX_RECORDS;
  const records = await countConnectionRecords(db, connection.id);
  if (records > limit)
    throw new AppError(
      'RESULT_TOO_LARGE',
      `This connection holds ${records} records, more than the ${limit} one answer carries; read them with the paged lists (GET /v1/accounts, /v1/transactions, … ?connection_id=${connection.id}).`,
      { extensions: { records, limit } },
    );
  return allDataText(db, connection);
}

async function* allDataText(db: Kysely<Schema>, connection: Connection): AsyncGenerator<string> {
  const read = (product: Product, parentId?: string) =>
    connectionRecords(db, product, connection, { batchSize: BATCH, ...(parentId ? { parentId } : {}) });
  const holders = new Map<string, string[]>();
  for await (const batch of read('holders'))
    for (const holder of batch)
      if (holder.product_id) {
        const list = holders.get(holder.product_id);
        if (list) list.push(holder.json);
        else holders.set(holder.product_id, [holder.json]);
      }

  /** A parent's text with its holders and (streamed) movements spliced in before its last brace. */
  async function* withChildren(
    parent: ConnectionRecord,
    movements: Product | null,
    holdersToo: boolean,
  ): AsyncGenerator<string> {
    let text = parent.json.slice(0, -1);
    if (holdersToo) text += `,"holders":[${(holders.get(parent.id) ?? []).join(',')}]`;
    if (!movements) {
      yield `${text}}`;
      return;
    }
    yield `${text},"transactions":[`;
    let first = true;
    for await (const batch of read(movements, parent.id)) {
      yield `${first ? '' : ','}${batch.map((row) => row.json).join(',')}`;
      first = false;
    }
    yield ']}';
  }

  yield `{"connection_id":${JSON.stringify(connection.id)},"external_id":${JSON.stringify(connection.external_id)},"product_status":${JSON.stringify(connection.product_status)}`;
  for (const { key, parent, movements } of nested) {
    yield `,"${key}":[`;
    let first = true;
    for await (const batch of read(parent))
      for (const record of batch) {
        if (!first) yield ',';
        first = false;
        yield* withChildren(record, movements, true);
      }
    yield ']';
  }
  // Investments by type, each group in list order.
  const groups = new Map<string, ConnectionRecord[]>(Object.values(investmentGroups).map((g) => [g, []]));
  for await (const batch of read('investments'))
    for (const record of batch) groups.get(investmentGroups[record.type ?? 'O'] ?? 'others')!.push(record);
  for (const [group, investments] of groups) {
    yield `,"${group}":[`;
    for (const [index, investment] of investments.entries()) {
      if (index > 0) yield ',';
      yield* withChildren(investment, 'investment_transactions', false);
    }
    yield ']';
  }
  for (const [key, product] of [
    ['identity', 'identity'],
    ['mifid_answers', 'mifid'],
  ] as const) {
    const rows: string[] = [];
    for await (const batch of read(product)) for (const row of batch) rows.push(row.json);
    yield `,"${key}":[${rows.join(',')}]`;
  }
  yield '}';
}
