// How a normalised record becomes a row of its product's table (performance-analysis §9, the
// measured winner on both engines):
//   - movement products (transactions, card, investment and liability transactions) are stored as
//     typed columns, one per scalar field of the catalog, with the connector's other fields in a
//     small `extra`; the other products, which are few per connection, keep their document in
//     `data`;
//   - every row carries `api_tail`, the served JSON after `external_id`, rendered here once, so a
//     page is the rows' texts joined with each connection's external id spliced in;
//   - a row is built in two steps: every record of a batch gets its id and content hash (cheap:
//     one-shot hashing over the connector's own JSON), and only the records that are new or
//     changed are rendered into rows.
// Pure functions and one small cache; the statements that write the rows are in records.ts.
import { hash } from 'node:crypto';
import {
  movementProducts,
  type Product,
  parentField,
  parentProduct,
  productCatalog,
  productIdPrefix,
} from '../domain/product-catalog.ts';
import { fieldValue, internalKeys, ownProperty, productDocument } from '../domain/product-document.ts';
import type { FieldKind } from '../domain/product-fields.ts';
import type { NormalizedRecord } from '../domain/records.ts';
import type { BulkColumn } from './bulk-insert.ts';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * `txn_…`: 20 base-32 characters of sha-256(connection, product, natural key), one per digest byte
 * (its low five bits). Ids are stored keys: this derivation never changes (record-store.test.ts
 * pins it). The digest is read as a `binary` (latin1) string, one character per byte: half the cost of a
 * Buffer, whose allocation outweighs the hashing of so short an input (bench:ingest).
 */
export function recordId(connectionId: string, product: Product, naturalKey: string): string {
  const digest = hash('sha256', `${connectionId}\u0000${product}\u0000${naturalKey}`, 'binary');
  let body = '';
  for (let i = 0; i < 20; i++) body += BASE32[digest.charCodeAt(i) & 31];
  return `${productIdPrefix[product]}_${body}`;
}

/**
 * Raise when what a stored row is derived from changes meaning (the served shape, the categoriser's
 * rules): every record is then rebuilt by its next refresh. A rebuilt row whose served text and raw
 * record come out the same is rewritten silently (records.ts), so a raise is never reported as a
 * modification the client would see.
 */
const ROW_VERSION = 4;

// U+0000 and lone surrogates: PostgreSQL's text cannot hold the first, and `json ->>` refuses both
// as escapes (one stored NUL made every search of a tenant fail). Each is stored as U+FFFD.
const storable = (text: string) =>
  text.includes('\u0000') || !text.isWellFormed() ? text.replaceAll('\u0000', '\uFFFD').toWellFormed() : text;
const UNSTORABLE_ESCAPE = /\\u(0000|d[89a-f][0-9a-f]{2})/i;
/** Whether JSON text holds an unstorable escape: most hold no `\u` at all, and a plain search says so. */
const hasUnstorableEscape = (json: string) => json.includes('\\u') && UNSTORABLE_ESCAPE.test(json);

function cleaned(value: unknown): unknown {
  if (typeof value === 'string') return storable(value);
  if (Array.isArray(value)) return value.map(cleaned);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [storable(key), cleaned(item)]));
  return value;
}

/** JSON text PostgreSQL can store and read back: checked with one scan, cleaned only if needed. */
export function storableJson(value: unknown): string {
  const json = JSON.stringify(value) ?? 'null';
  return hasUnstorableEscape(json) ? JSON.stringify(cleaned(value)) : json;
}

/** The PostgreSQL type of each scalar kind's column. */
const columnType: Partial<Record<FieldKind, string>> = {
  string: 'text',
  date: 'date',
  money: 'numeric',
  number: 'numeric',
  integer: 'int8',
  boolean: 'boolean',
};

const DECIMAL = /^-?\d{1,30}(\.\d{1,30})?$/;

/**
 * A typed column's value: money and numbers keep the decimal text the source gave (no float in
 * between, so a column compares exactly what the bank wrote).
 */
function columnValue(kind: FieldKind, given: unknown, value: unknown): unknown {
  if ((kind === 'money' || kind === 'number') && typeof given === 'string' && DECIMAL.test(given))
    return given;
  return value;
}

/** Where the typed columns start in a movement product's content row (TableShape.content). */
const TYPED_START = 9;

interface Field {
  name: string;
  kind: FieldKind;
  /** Whether it has a typed column (movement products: every scalar field). */
  typed: boolean;
}

/** The columns of a product's table a row fills, in the order the builder gives their values. */
export interface TableShape {
  readonly product: Product;
  readonly movement: boolean;
  readonly fields: readonly Field[];
  /** Every column the builder fills from the record (no owner, sequence or timestamp columns). */
  readonly content: readonly BulkColumn[];
  /** Where `body` sits in a content row: it becomes `api_tail` with the timestamps appended. */
  readonly bodyIndex: number;
  /** Where the `operation_date` column sits among the typed columns (movement products). */
  readonly sortDateIndex: number;
}

const SHAPES = new Map<Product, TableShape>();

/** The typed columns of a movement product, for the migration that creates them and the tests. */
export function typedColumns(product: Product): BulkColumn[] {
  return tableShape(product)
    .fields.filter((field) => field.typed)
    .map((field) => ({ name: field.name, type: columnType[field.kind]! }));
}

export function tableShape(product: Product): TableShape {
  const known = SHAPES.get(product);
  if (known) return known;
  const movement = movementProducts.has(product);
  const fields = Object.entries(productCatalog[product].fields).map(([name, kind]) => ({
    name,
    kind,
    typed: movement && columnType[kind] !== undefined,
  }));
  const content: BulkColumn[] = [
    { name: 'id', type: 'text' },
    { name: 'natural_key', type: 'text' },
    { name: 'parent_id', type: 'text' },
    { name: 'hash', type: 'text' },
    { name: 'raw', type: 'text' },
    { name: 'body', type: 'text' },
    movement ? { name: 'extra', type: 'jsonb' } : { name: 'data', type: 'json' },
  ];
  if (movement)
    content.push(
      { name: 'pending', type: 'boolean' },
      { name: 'pending_transaction_id', type: 'text' },
      ...fields.filter((f) => f.typed).map((f) => ({ name: f.name, type: columnType[f.kind]! })),
    );
  const sortDateIndex = fields.filter((f) => f.typed).findIndex((f) => f.name === 'operation_date');
  const shape: TableShape = { product, movement, fields, content, bodyIndex: 5, sortDateIndex };
  SHAPES.set(product, shape);
  return shape;
}

/**
 * The timestamps every served record ends with, as `Date.toISOString` writes them (always 24
 * characters, so the suffix has a fixed length: records.ts compares served texts without it).
 */
export function timestampsSuffix(firstSeenAt: string, updatedAt: string): string {
  return `,"first_seen_at":"${firstSeenAt}","updated_at":"${updatedAt}"`;
}
export const TIMESTAMPS_LENGTH = timestampsSuffix(
  new Date(0).toISOString(),
  new Date(0).toISOString(),
).length;

/** A record with its id and content hash: enough to tell whether it must be written. */
export interface IdentifiedRecord {
  record: NormalizedRecord;
  id: string;
  hash: string;
  /** The source record as JSON text (stored as `raw`). */
  raw: string;
}

/** Builds the rows of one product of one connection (ids of parents are computed once each). */
export class RowBuilder {
  readonly shape: TableShape;
  readonly #connectionId: string;
  readonly #parent: Product | undefined;
  readonly #parentKey: string;
  readonly #parentIds = new Map<string, string>();
  /** The keys of a record's data that are not "further fields": the catalog's and the internal ones. */
  readonly #knownKeys: ReadonlySet<string>;

  constructor(connectionId: string, product: Product) {
    this.shape = tableShape(product);
    this.#connectionId = connectionId;
    this.#parent = parentProduct[product];
    this.#parentKey = parentField[product] ? `,"${parentField[product]}":` : '';
    this.#knownKeys = new Set([...Object.keys(productCatalog[product].fields), ...internalKeys]);
  }

  /**
   * The id and content hash of a record. The hash covers what the record is built from (the
   * connector's fields, the parent and the raw record), not the row: an unchanged record is
   * recognised without being rendered.
   */
  identify(record: NormalizedRecord): IdentifiedRecord {
    const naturalKey = storable(record.naturalKey);
    const raw = storableJson(record.raw ?? null);
    const content = `${ROW_VERSION}\n${record.parentKey ?? ''}\n${JSON.stringify(record.data)}\n${raw}`;
    return {
      record: naturalKey === record.naturalKey ? record : { ...record, naturalKey },
      id: recordId(this.#connectionId, this.shape.product, naturalKey),
      hash: hash('sha256', content, 'base64url').slice(0, 22),
      raw,
    };
  }

  #parentId(parentKey: string | undefined): string | null {
    if (!this.#parent || parentKey === undefined) return null;
    let id = this.#parentIds.get(parentKey);
    if (id === undefined) {
      id = recordId(this.#connectionId, this.#parent, parentKey);
      this.#parentIds.set(parentKey, id);
    }
    return id;
  }

  /**
   * The values of a record's content columns (TableShape.content), `body` being the served text
   * between `external_id` and the timestamps, followed by `tail` (an inserted row's timestamps:
   * appended here, the text is built and flattened once).
   */
  contentRow(item: IdentifiedRecord, tail = ''): unknown[] {
    const { record } = item;
    const parentId = this.#parentId(record.parentKey);
    let body = this.#parentKey ? `${this.#parentKey}${parentId === null ? 'null' : `"${parentId}"`}` : '';
    const data = this.#withProductId(record.data);
    if (!this.shape.movement) {
      const document = storableJson(productDocument(this.shape.product, data));
      body += `,${document.slice(1, -1)}${tail}`;
      return [item.id, record.naturalKey, parentId, item.hash, item.raw, body, document];
    }
    const pending = data.pending === true;
    const pendingId =
      typeof data.pending_natural_key === 'string'
        ? recordId(this.#connectionId, this.shape.product, storable(data.pending_natural_key))
        : null;
    // body and extra are filled in below; the typed values follow, in TableShape.content's order.
    const row: unknown[] = [
      item.id,
      record.naturalKey,
      parentId,
      item.hash,
      item.raw,
      '',
      null,
      pending,
      pendingId,
    ];
    // The served fields as one object stringified once: V8's serialiser writes it faster than a
    // JSON.stringify per value and the concatenation of the pieces (bench:ingest's JavaScript per row).
    const document: Record<string, unknown> = {};
    // Most records have no further fields: their `extra` object is never made.
    let extra: Record<string, unknown> | null = null;
    for (const field of this.shape.fields) {
      const given = data[field.name];
      const value = fieldValue(field.kind, given);
      document[field.name] = value;
      if (field.typed) row.push(columnValue(field.kind, given, value));
      else if (value !== null) {
        extra ??= {};
        extra[field.name] = value;
      }
    }
    for (const name in data) {
      if (this.#knownKeys.has(name)) continue;
      const value = data[name] ?? null;
      ownProperty(document, name, value);
      if (value !== null) {
        extra ??= {};
        ownProperty(extra, name, value);
      }
    }
    let json = JSON.stringify(document);
    // The document's text holds every typed string: without an unstorable escape in it, none of
    // them needs cleaning either (one scan instead of one per value).
    if (hasUnstorableEscape(json)) {
      json = JSON.stringify(cleaned(document));
      for (let i = TYPED_START; i < row.length; i++)
        if (typeof row[i] === 'string') row[i] = storable(row[i] as string);
    }
    row[5] = `${body},${json.slice(1, -1)},"pending":${pending},"pending_transaction_id":${pendingId === null ? 'null' : `"${pendingId}"`}${tail}`;
    row[6] = extra === null ? null : storableJson(extra);
    this.#sortDate(row, data);
    return row;
  }

  /** The `operation_date` column is the sort key: the value date stands in when there is none. */
  #sortDate(row: unknown[], data: Record<string, unknown>): void {
    const index = TYPED_START + this.shape.sortDateIndex;
    if (row[index] !== null) return;
    const valueDate = fieldValue('date', data.value_date);
    if (valueDate === null)
      throw new Error(`A ${this.shape.product} record has neither operation_date nor value_date.`);
    row[index] = valueDate;
  }

  /** A holder names the stored id of the product it holds (Flanks' `product_id`). */
  #withProductId(data: NormalizedRecord['data']): NormalizedRecord['data'] {
    if (this.shape.product !== 'holders' || typeof data.product_natural_key !== 'string') return data;
    const held = data.product_type as Product;
    if (!(held in productIdPrefix)) return data;
    return { ...data, product_id: recordId(this.#connectionId, held, data.product_natural_key) };
  }
}
