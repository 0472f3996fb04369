// Record tables built for speed (performance-analysis §9; store/record-rows.ts writes them):
//   - movement tables (transactions, card, investment and liability transactions) store every
//     scalar field as a typed column instead of the `data` document, and the connector's other
//     fields (objects, arrays, fields outside the catalog) in `extra`;
//   - every record table gets `api_tail`, the served JSON after `external_id`, rendered when the
//     row is written: a page is the rows' texts joined, with each connection's external id spliced
//     in, and nothing parsed or built per request;
//   - the `client_id` foreign keys go (the connection implies the client and its cascade removes
//     the rows), and with them the movement tables' `by_client` indexes: a list across connections
//     merges each connection's index instead (store/product-queries.ts). Both cost more on every
//     insert than any query gained from them (38 % and part of 31 % of a COPY, §3.2).
//
// Existing rows keep what they serve: their `api_tail` is the text the API rendered for them, and
// their hash is marked stale, so the next refresh rebuilds each one, sees the same served text and
// only stores the new hash (no modification reported, store/records.ts).
//
// The typed columns are written out here rather than derived from the catalog, so this migration
// means the same thing after the catalog grows.
import { type Kysely, sql } from 'kysely';
import { recordTables } from './0002-connections.ts';

const typedColumns: Record<string, string> = {
  transactions:
    'amount numeric, currency text, balance numeric, operation_date date, value_date date, description text, product_description text, counterparty text, category text, subcategory text, merchant_name text, bank_category text, mcc text, norma43 text, card_number text, transaction_id text, order_id text, pair_transaction_id text',
  card_transactions:
    'amount numeric, commission numeric, currency text, original_currency text, operation_date date, value_date date, shop text, category text, subcategory text, merchant_name text, bank_category text, mcc text',
  investment_transactions:
    'isin text, description text, type text, symb text, operation_date date, value_date date, amount numeric, unit_price numeric, balance numeric, net_cash numeric, commission numeric, expenses numeric, retention numeric, accrued_interest numeric, currency text, original_currency text, reference_currency text, payment_currency text, transaction_currency text, exchange numeric, exchange_to_payment_currency numeric, exchange_to_transaction_currency numeric, ref_valos text, ref_account_iban text, transaction_id text, order_id text, pair_transaction_id text, reversal_type text, leverage numeric, account_dest text, isin_dest text, amount_dest numeric, unit_price_dest numeric, net_cash_dest numeric, commission_dest numeric, currency_dest text, symb_dest text, value_date_dest date',
  liability_transactions:
    'amount numeric, currency_amount text, balance numeric, currency_balance text, description text, operation_date date, value_date date, credit_account text, interest numeric, principal numeric, commission numeric, type text, transaction_id text, order_id text, pair_transaction_id text',
};

/** The movement column that held another field's value (its amount or currency) before. */
const renamed: Record<string, [string, string]> = {
  investment_transactions: ['amount', 'net_cash'],
  liability_transactions: ['currency', 'currency_amount'],
};

const parentFields: Record<string, string> = {
  transactions: 'account_id',
  card_transactions: 'card_id',
  investments: 'portfolio_id',
  investment_transactions: 'investment_id',
  liability_transactions: 'liability_id',
};

/** A value of the document as the column's type, null where it is not one (as record-rows.ts does). */
function fromDocument(name: string, type: string): string {
  const value = `data->'${name}'`;
  const text = `data->>'${name}'`;
  if (type === 'text')
    return `case when json_typeof(${value}) in ('string', 'number', 'boolean') then ${text} end`;
  if (type === 'date') return `case when json_typeof(${value}) = 'string' then tesoro_0010_date(${text}) end`;
  if (type === 'boolean') return `case when json_typeof(${value}) = 'boolean' then (${text})::boolean end`;
  return `case when json_typeof(${value}) in ('number', 'string') then tesoro_0010_numeric(${text}) end`;
}

/** The text the API served for a row before this migration (store/product-queries.ts then). */
function servedTail(table: string, movement: boolean): string {
  const parent = parentFields[table];
  const stamp = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  return [
    parent ? `',"${parent}":' || coalesce(to_json(parent_id)::text, 'null')` : `''`,
    `',' || substr(data::text, 2, length(data::text) - 2)`,
    movement
      ? `',"pending":' || pending::text || ',"pending_transaction_id":' || coalesce(to_json(pending_transaction_id)::text, 'null')`
      : `''`,
    `',"first_seen_at":"' || ${stamp('first_seen_at')} || '","updated_at":"' || ${stamp('updated_at')} || '"'`,
  ].join(' || ');
}

export async function up(db: Kysely<unknown>): Promise<void> {
  // Casts that give null instead of failing, for values a document held under a wrong kind.
  await sql`
    create function tesoro_0010_date(value text) returns date language plpgsql immutable as $$
    begin return value::date; exception when others then return null; end $$`.execute(db);
  await sql`
    create function tesoro_0010_numeric(value text) returns numeric language plpgsql immutable as $$
    begin return value::numeric; exception when others then return null; end $$`.execute(db);

  for (const [table, movement] of Object.entries(recordTables)) {
    await sql.raw(`alter table ${table} drop constraint if exists ${table}_client_id_fkey`).execute(db);
    await sql.raw(`alter table ${table} add column api_tail text`).execute(db);
    if (!movement) {
      await sql.raw(`update ${table} set api_tail = ${servedTail(table, false)}, hash = 'stale'`).execute(db);
      await sql.raw(`alter table ${table} alter column api_tail set not null`).execute(db);
      continue;
    }
    await sql.raw(`drop index ${table}_by_client`).execute(db);
    const [from, to] = renamed[table] ?? ['amount', 'amount'];
    if (from !== to) await sql.raw(`alter table ${table} rename column ${from} to ${to}`).execute(db);
    // Money keeps every decimal the source gave (numeric(20, 2) rounded what lists filtered on).
    const money = from === 'amount' ? to : 'amount';
    await sql.raw(`alter table ${table} alter column ${money} type numeric`).execute(db);
    const before = ['operation_date', 'value_date', 'amount', 'currency'].map((name) =>
      name === from ? to : name,
    );
    const columns = typedColumns[table]!.split(', ').map((column) => column.split(' ') as [string, string]);
    const added = columns.filter(([name]) => !before.includes(name));
    await sql
      .raw(
        `alter table ${table} add column extra jsonb, ${added.map(([name, type]) => `add column ${name} ${type}`).join(', ')}`,
      )
      .execute(db);
    const names = columns.map(([name]) => `'${name}'`).join(', ');
    const assignments = columns
      .filter(([name]) => name !== 'operation_date')
      .map(([name, type]) => `${name} = ${fromDocument(name, type)}`);
    await sql
      .raw(`
        update ${table} set ${assignments.join(', ')},
          extra = (select jsonb_object_agg(key, value::jsonb) from json_each(data)
                   where key not in (${names}) and json_typeof(value) <> 'null'),
          api_tail = ${servedTail(table, true)},
          hash = 'stale'`)
      .execute(db);
    await sql.raw(`alter table ${table} drop column data, alter column api_tail set not null`).execute(db);
  }
  await sql`drop function tesoro_0010_date(text)`.execute(db);
  await sql`drop function tesoro_0010_numeric(text)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('0010-typed-rows cannot be undone: the movement documents it replaced are gone.');
}
