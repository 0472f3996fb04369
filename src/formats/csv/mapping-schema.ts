// The schema of a csv_mapping (what a user says about a CSV's layout, docs/imports.md), and its
// check: the API (`csv_mapping` of POST /v1/imports) and the CLI (`--csv-mapping`) refuse the
// same mappings with the same reasons.
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import type { CsvMapping } from './layout.ts';

const oneOf = (values: readonly string[]) => Type.Unsafe<string>({ type: 'string', enum: [...values] });
const Column = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ minLength: 1 })]);

export const CsvMappingSchema = Type.Object(
  {
    delimiter: Type.Optional(Type.String({ minLength: 1, maxLength: 1 })),
    header: Type.Optional(Type.Boolean()),
    skip_rows: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    date: Type.Optional(Column),
    date_order: Type.Optional(oneOf(['ymd', 'dmy', 'mdy'])),
    value_date: Type.Optional(Column),
    amount: Type.Optional(Column),
    debit: Type.Optional(Column),
    credit: Type.Optional(Column),
    direction: Type.Optional(Column),
    debit_values: Type.Optional(Type.Array(Type.String(), { maxItems: 20 })),
    decimal: Type.Optional(oneOf(['.', ','])),
    negate: Type.Optional(Type.Boolean()),
    description: Type.Optional(Type.Union([Column, Type.Array(Column, { maxItems: 10 })])),
    counterparty: Type.Optional(Column),
    currency: Type.Optional(Column),
    currency_code: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
    balance: Type.Optional(Column),
    id: Type.Optional(Column),
    reference: Type.Optional(Column),
    account: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

export type CsvMappingCheck =
  | { mapping: CsvMapping; problems?: undefined }
  | { mapping?: undefined; problems: Array<{ path: string[]; message: string }> };

/** A csv_mapping given as JSON text: the mapping, or what is wrong with it (path [] = the text). */
export function checkCsvMapping(text: string): CsvMappingCheck {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problems: [{ path: [], message: 'is not JSON' }] };
  }
  const errors = [...Value.Errors(CsvMappingSchema, value)];
  if (errors.length > 0)
    return {
      problems: errors.map((error) => ({
        path: error.instancePath.split('/').slice(1),
        message: error.message,
      })),
    };
  return { mapping: value as CsvMapping };
}
