// The document a record is stored and served as, from what a connector gave: every field of its
// product in the catalog's order (null when missing), money as numbers, then any further fields.
// Money travels inside the code as decimal strings and is written as a JSON number in major units
// on the wire (DESIGN.md); `money` fields are converted here.
import { type Product, parentField, productCatalog } from './product-catalog.ts';

/**
 * Keys a connector uses to talk to the engine, never served, and the keys the store writes around
 * every document (store/product-queries.ts renderRecord): a connector's own `pending` would
 * otherwise appear twice in one record.
 */
const internalKeys = new Set([
  'pending_natural_key',
  'product_natural_key',
  'id',
  'connection_id',
  'external_id',
  ...Object.values(parentField),
  'pending',
  'pending_transaction_id',
  'first_seen_at',
  'updated_at',
  'raw',
]);

/** A decimal string (or number) as a JSON number; anything else as null. */
function moneyValue(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string' || value.trim() === '') return null;
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
}

/**
 * The document a record is served as: every field of its product in the catalog's order (null
 * when missing), money as numbers, then any further fields the connector gave.
 */
export function productDocument(
  product: Product,
  data: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const fields = productCatalog[product].fields;
  const document: Record<string, unknown> = {};
  for (const [name, kind] of Object.entries(fields)) {
    const value = data[name] ?? null;
    document[name] = kind === 'money' ? moneyValue(value) : value;
  }
  for (const [name, value] of Object.entries(data)) {
    if (!(name in fields) && !internalKeys.has(name)) document[name] = value ?? null;
  }
  return document;
}
