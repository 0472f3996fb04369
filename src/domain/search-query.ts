// Flanks' query object ("Quickstart Query Engine"): the body of POST /v1/transactions/search.
// The seed names the object but documents its language elsewhere; Flanks' engine is MongoDB-style,
// so Tesoro accepts that subset: `{ field: value }` (equality) or `{ field: { $op: value, … } }`
// with $eq, $ne, $gt, $gte, $lt, $lte, $in, $nin, on the fields below. Field names may be the
// seed's (operationDate, valueDate, _id, cardNumber, …) or the native snake_case ones. Anything
// else is refused with a pointer to the offending field, never ignored (docs/search.md).

/** How a field is compared: dates and money by value, the rest as text or boolean. */
export type SearchFieldType = 'date' | 'number' | 'text' | 'boolean';

export type SearchOperator = '$eq' | '$ne' | '$gt' | '$gte' | '$lt' | '$lte' | '$in' | '$nin';

export interface SearchField {
  /** The native field name, as served. */
  name: string;
  type: SearchFieldType;
  /** The record column it lives in, when it is not named as the field is. */
  column?: string;
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

const field = (name: string, type: SearchFieldType, column?: string): SearchField =>
  column === undefined || column === name ? { name, type } : { name, type, column };

const transactionFields: SearchField[] = [
  field('id', 'text', 'id'),
  field('account_id', 'text', 'parent_id'),
  field('operation_date', 'date', 'operation_date'),
  field('value_date', 'date', 'value_date'),
  field('amount', 'number', 'amount'),
  field('currency', 'text', 'currency'),
  field('pending', 'boolean', 'pending'),
  field('balance', 'number'),
  field('description', 'text'),
  field('product_description', 'text'),
  field('counterparty', 'text'),
  field('category', 'text'),
  field('subcategory', 'text'),
  field('merchant_name', 'text'),
  field('bank_category', 'text'),
  field('mcc', 'text'),
  field('norma43', 'text'),
  field('card_number', 'text'),
  field('transaction_id', 'text'),
  field('order_id', 'text'),
  field('pair_transaction_id', 'text'),
];

/** The seed's spellings of the same fields. */
const seedAliases: Record<string, string> = {
  _id: 'id',
  operationDate: 'operation_date',
  valueDate: 'value_date',
  productDescription: 'product_description',
  cardNumber: 'card_number',
};

const byName = new Map(transactionFields.map((f) => [f.name, f]));

/** The field names a query may use (native and seed spellings), for documentation and errors. */
export const searchFieldNames: readonly string[] = [
  ...transactionFields.map((f) => f.name),
  ...Object.keys(seedAliases),
];

const operators = new Set<string>(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin']);
const MAX_IN_VALUES = 100;
const MAX_TEXT_LENGTH = 256;

function checkScalar(pointer: string, f: SearchField, value: unknown, allowNull: boolean): unknown {
  if (value === null) {
    if (allowNull) return null;
    throw new SearchQueryError(pointer, 'null is only allowed with $eq and $ne');
  }
  switch (f.type) {
    case 'date':
      if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value)))
        return value;
      throw new SearchQueryError(pointer, `${f.name} takes a date as YYYY-MM-DD`);
    case 'number':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      throw new SearchQueryError(pointer, `${f.name} takes a number`);
    case 'boolean':
      if (typeof value === 'boolean') return value;
      throw new SearchQueryError(pointer, `${f.name} takes true or false`);
    case 'text':
      if (typeof value === 'string' && value.length <= MAX_TEXT_LENGTH) return value;
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

/** Parses a query object into conditions that must all hold; throws SearchQueryError on bad input. */
export function parseSearchQuery(query: Record<string, unknown>): FieldCondition[] {
  const conditions: FieldCondition[] = [];
  for (const [key, spec] of Object.entries(query)) {
    const pointer = `/query/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    const f = byName.get(seedAliases[key] ?? key);
    if (!f) throw new SearchQueryError(pointer, `unknown field; use one of ${searchFieldNames.join(', ')}`);
    if (spec !== null && typeof spec === 'object' && !Array.isArray(spec)) {
      const entries = Object.entries(spec);
      if (entries.length === 0) throw new SearchQueryError(pointer, 'an operator object needs an operator');
      for (const [operator, value] of entries)
        conditions.push(conditionOf(`${pointer}/${operator}`, f, operator, value));
    } else {
      conditions.push(conditionOf(pointer, f, '$eq', spec));
    }
  }
  return conditions;
}
