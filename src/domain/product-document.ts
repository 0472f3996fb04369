// The document a record is stored and served as, from what a connector gave: every field of its
// product in the catalog's order (null when missing), each value of its field's kind, then any
// further fields. Money travels inside the code as decimal strings and is written as a JSON number
// in major units on the wire (DESIGN.md); `money` and `number` fields are converted here.
import { type Product, parentField, productCatalog } from './product-catalog.ts';
import type { FieldKind } from './product-fields.ts';

/**
 * Keys a connector uses to talk to the engine, never served, and the keys the store writes around
 * every document (store/record-rows.ts): a connector's own `pending` would otherwise appear twice
 * in one record.
 */
export const internalKeys: ReadonlySet<string> = new Set([
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
function numberValue(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string' || value.trim() === '') return null;
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days of a month of the proleptic Gregorian calendar (what PostgreSQL's `date` accepts). */
function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : MONTH_DAYS[month - 1]!;
}

/** The ASCII digits text[start, start + count) as a number; -1 if any is not a digit. */
function digitsAt(text: string, start: number, count: number): number {
  let number = 0;
  for (let i = start; i < start + count; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    number = number * 10 + digit;
  }
  return number;
}

/**
 * A calendar day `yyyy-mm-dd` that exists (no 2025-02-30, no year 0000); anything else as null.
 * Read by character codes: every movement has two dates, and a regular expression's match (an
 * array and three strings) cost more than the rest of the check (bench:ingest's JavaScript per row).
 */
function dateValue(value: unknown): string | null {
  if (typeof value !== 'string' || value.length !== 10) return null;
  if (value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45) return null;
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 5, 2);
  const day = digitsAt(value, 8, 2);
  if (year <= 0 || month < 1 || month > 12 || day < 1) return null;
  return day <= daysInMonth(year, month) ? value : null;
}

/**
 * A field's value as its kind says it is served (the OpenAPI schema of the product): a number
 * given for a text field becomes its text, a value of the wrong shape becomes null, so a stored
 * record always matches its schema and fits its typed column.
 */
export function fieldValue(kind: FieldKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'string':
      return typeof value === 'string'
        ? value
        : typeof value === 'number' || typeof value === 'boolean'
          ? String(value)
          : null;
    case 'money':
    case 'number':
      return numberValue(value);
    case 'integer': {
      const number = numberValue(value);
      return number !== null && Number.isSafeInteger(number) ? number : null;
    }
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date':
      return dateValue(value);
    case 'object':
      return typeof value === 'object' && !Array.isArray(value) ? value : null;
    case 'array':
      return Array.isArray(value) ? value : null;
  }
}

/** Sets a key as an own property, `__proto__` included (a plain assignment would set the prototype). */
export function ownProperty(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true });
  else target[key] = value;
}

/**
 * The document a record is served as: every field of its product in the catalog's order (null
 * when missing), each of its kind, then any further fields the connector gave.
 */
export function productDocument(
  product: Product,
  data: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const fields = productCatalog[product].fields;
  const document: Record<string, unknown> = {};
  for (const [name, kind] of Object.entries(fields)) document[name] = fieldValue(kind, data[name]);
  for (const [name, value] of Object.entries(data)) {
    if (!Object.hasOwn(fields, name) && !internalKeys.has(name)) ownProperty(document, name, value ?? null);
  }
  return document;
}
