// Flanks' query object ("Quickstart Query Engine"): the body of POST /v1/<product>/search.
// Flanks' documentation names the object but documents its language elsewhere; Flanks' engine is MongoDB-style,
// so Tesoro accepts that subset: `{ field: value }` (equality) or `{ field: { $op: value, … } }`
// with $eq, $ne, $gt, $gte, $lt, $lte, $in, $nin. The fields of a product are derived from the
// catalog (product-fields.ts): its id, its parent's id, every scalar field, and a movement's
// pending flags; each may be named natively (snake_case) or as Flanks spells it (camelCase,
// `_id`). Anything else is refused with a pointer to the offending field, never ignored, so a typo
// never widens a search (docs/search.md).
import { categorySlugs, taxonomy } from './categories/taxonomy.ts';
import { movementProducts, type Product, parentField, productCatalog, products } from './product-catalog.ts';
import { fieldValue } from './product-document.ts';
import type { FieldKind } from './product-fields.ts';

/** How a field is compared: dates and money by value, the rest as text or boolean. */
export type SearchFieldType = 'date' | 'number' | 'text' | 'boolean';

export type SearchOperator = '$eq' | '$ne' | '$gt' | '$gte' | '$lt' | '$lte' | '$in' | '$nin';

export interface SearchField {
  /** The native field name, as served. */
  name: string;
  type: SearchFieldType;
  /**
   * Set for the columns every record row has under its own name (`id`, `parent_id`, a movement's
   * `pending`); unset for a catalog field, stored in its typed column (movements) or in the
   * record's document (the other products): the store knows which.
   */
  column?: string;
  /**
   * A closed vocabulary (`category`, `subcategory`: the taxonomy's slugs): any other value is
   * refused, so a misspelt category is an error rather than an empty page.
   */
  vocabulary?: 'category' | 'subcategory';
}

export interface FieldCondition {
  field: SearchField;
  operator: SearchOperator;
  /** A scalar, null (with $eq / $ne), or an array (with $in / $nin). */
  value: unknown;
}

export class SearchQueryError extends Error {
  /** A JSON pointer into the search request (`/query/amount/$gt`). */
  readonly pointer: string;

  constructor(pointer: string, detail: string) {
    super(detail);
    this.pointer = pointer;
    this.name = 'SearchQueryError';
  }

  /** The pointer as a path of keys. */
  get path(): string[] {
    return this.pointer
      .split('/')
      .slice(1)
      .map((key) => key.replaceAll('~1', '/').replaceAll('~0', '~'));
  }
}

/** The catalog kinds a condition can compare; objects and arrays have no typed column. */
const searchType: Partial<Record<FieldKind, SearchFieldType>> = {
  string: 'text',
  date: 'date',
  money: 'number',
  number: 'number',
  integer: 'number',
  boolean: 'boolean',
};

/** The fields a product's conditions may name, in served order. */
function fieldsOf(product: Product): SearchField[] {
  const parent = parentField[product];
  const own: SearchField[] = [{ name: 'id', type: 'text', column: 'id' }];
  if (parent) own.push({ name: parent, type: 'text', column: 'parent_id' });
  const catalog = Object.entries(productCatalog[product].fields).flatMap(([name, kind]): SearchField[] => {
    const type = searchType[kind];
    if (!type) return [];
    return name === 'category' || name === 'subcategory'
      ? [{ name, type, vocabulary: name }]
      : [{ name, type }];
  });
  const movement: SearchField[] = movementProducts.has(product)
    ? [
        { name: 'pending', type: 'boolean', column: 'pending' },
        { name: 'pending_transaction_id', type: 'text', column: 'pending_transaction_id' },
      ]
    : [];
  return [...own, ...catalog, ...movement];
}

/** `operation_date` → `operationDate`: Flanks' spelling of a native name. */
const camelCase = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Every name a product's query may use, mapped to its field: the native name, its camelCase
 * spelling, and `_id` (Flanks' id). No two fields share a spelling: native names are lowercase
 * snake_case, so a camelCase spelling with a capital is never another field's native name.
 */
function namesOf(fields: readonly SearchField[]): Map<string, SearchField> {
  const names = new Map<string, SearchField>();
  for (const f of fields) {
    names.set(f.name, f);
    names.set(camelCase(f.name), f);
  }
  names.set('_id', names.get('id')!);
  return names;
}

interface Vocabulary {
  readonly fields: readonly SearchField[];
  readonly names: ReadonlyMap<string, SearchField>;
}

/** Each product's fields, and every spelling of them, worked out once. */
const vocabulary = new Map<Product, Vocabulary>(
  products.map((product) => {
    const fields = fieldsOf(product);
    return [product, { fields, names: namesOf(fields) }];
  }),
);

/** The fields a product's query may name (each also spelt in camelCase, `id` also as `_id`). */
export const searchFields = (product: Product): readonly SearchField[] => vocabulary.get(product)!.fields;

const operators = new Set<string>(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin']);
const MAX_IN_VALUES = 100;
const MAX_TEXT_LENGTH = 256;

const topCategories = Object.keys(taxonomy).join(', ');

/** A value of `category` or `subcategory` is a slug of that level of the taxonomy. */
function checkSlug(pointer: string, level: 'category' | 'subcategory', value: string): void {
  const slug = categorySlugs.get(value);
  const isSub = slug !== undefined && slug.subcategory !== null;
  if (slug && isSub === (level === 'subcategory')) return;
  if (level === 'category')
    throw new SearchQueryError(
      pointer,
      slug
        ? `${value} is a subcategory of ${slug.category}: search subcategory for it`
        : `unknown category; use one of ${topCategories}`,
    );
  throw new SearchQueryError(
    pointer,
    slug
      ? `${value} is a top-level category: search category for it`
      : 'unknown subcategory; the taxonomy lists them (README, Categories)',
  );
}

function checkScalar(pointer: string, f: SearchField, value: unknown, allowNull: boolean): unknown {
  if (value === null) {
    if (allowNull) return null;
    throw new SearchQueryError(pointer, 'null is only allowed with $eq and $ne');
  }
  switch (f.type) {
    case 'date':
      // The rule stored dates follow: a day that exists, from year 0001 (PostgreSQL has no year 0).
      if (fieldValue('date', value) !== null) return value;
      throw new SearchQueryError(pointer, `${f.name} takes a date as YYYY-MM-DD`);
    case 'number':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      throw new SearchQueryError(pointer, `${f.name} takes a number`);
    case 'boolean':
      if (typeof value === 'boolean') return value;
      throw new SearchQueryError(pointer, `${f.name} takes true or false`);
    case 'text':
      if (typeof value === 'string' && value.length <= MAX_TEXT_LENGTH) {
        if (f.vocabulary) checkSlug(pointer, f.vocabulary, value);
        return value;
      }
      throw new SearchQueryError(
        pointer,
        `${f.name} takes a string of at most ${MAX_TEXT_LENGTH} characters`,
      );
  }
}

function conditionOf(pointer: string, f: SearchField, operator: string, value: unknown): FieldCondition {
  if (!operators.has(operator))
    throw new SearchQueryError(
      pointer,
      `unknown operator ${operator}; use one of ${[...operators].join(', ')}`,
    );
  const op = operator as SearchOperator;
  if (op === '$in' || op === '$nin') {
    if (!Array.isArray(value) || value.length === 0 || value.length > MAX_IN_VALUES)
      throw new SearchQueryError(pointer, `${op} takes a list of 1 to ${MAX_IN_VALUES} values`);
    return {
      field: f,
      operator: op,
      value: value.map((v, i) => checkScalar(`${pointer}/${i}`, f, v, false)),
    };
  }
  if (
    (op === '$gt' || op === '$gte' || op === '$lt' || op === '$lte') &&
    f.type !== 'date' &&
    f.type !== 'number'
  )
    throw new SearchQueryError(pointer, `${op} compares dates and numbers; ${f.name} is ${f.type}`);
  return { field: f, operator: op, value: checkScalar(pointer, f, value, op === '$eq' || op === '$ne') };
}

/** A key as a JSON pointer segment (RFC 6901 escapes `~` and `/`). */
const segment = (key: string) => `/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;

/**
 * Parses a product's query object into conditions that must all hold; throws SearchQueryError on
 * bad input.
 */
export function parseSearchQuery(product: Product, query: Record<string, unknown>): FieldCondition[] {
  const { names } = vocabulary.get(product)!;
  const conditions: FieldCondition[] = [];
  for (const [key, spec] of Object.entries(query)) {
    const pointer = `/query${segment(key)}`;
    const f = names.get(key);
    if (!f)
      throw new SearchQueryError(
        pointer,
        `unknown field; use one of ${searchFields(product)
          .map((f) => f.name)
          .join(', ')} (or their camelCase spellings)`,
      );
    if (spec !== null && typeof spec === 'object' && !Array.isArray(spec)) {
      const entries = Object.entries(spec);
      if (entries.length === 0) throw new SearchQueryError(pointer, 'an operator object needs an operator');
      for (const [operator, value] of entries)
        conditions.push(conditionOf(`${pointer}${segment(operator)}`, f, operator, value));
    } else {
      conditions.push(conditionOf(pointer, f, '$eq', spec));
    }
  }
  return conditions;
}
