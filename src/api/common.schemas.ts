// Schemas shared by every route: the problem document and small helpers.
import { type TSchema, Type } from 'typebox';
import { errorCodes } from '../domain/errors.ts';

/** A string enum that validates with a readable "must be one of" message. */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: Record<string, unknown> = {},
) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/**
 * An object with any properties. TypeBox types `Type.Object({}, { additionalProperties: true })` as
 * `{}`; this is the same schema, typed as what it holds: a record of unknown values.
 */
export const OpenObject = (options: Record<string, unknown> = {}) =>
  Type.Unsafe<Record<string, unknown>>(Type.Object({}, { additionalProperties: true, ...options }));

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'A URI identifying the problem type.' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String({ description: 'What went wrong in plain words.' }),
    code: StringEnum(errorCodes, { description: 'Stable machine-readable code; see docs/errors.md.' }),
    request_id: Type.String({ description: 'Quote it when reporting a problem; it is in the server log.' }),
    retryable: Type.Boolean({ description: 'Whether the same request can succeed later.' }),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          pointer: Type.String({
            description: 'JSON pointer to the bad field, e.g. /body/name or /query/page_size.',
          }),
          detail: Type.String(),
        }),
      ),
    ),
  },
  { $id: 'Problem', additionalProperties: true, description: 'RFC 9457 problem details.' },
);

const problemRef = Type.Unsafe({ $ref: 'Problem#' });

/** Problem responses for the given statuses, for route schemas (documentation and serialisation). */
export function problemResponses(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((status) => [status, problemRef]));
}

/**
 * A prefixed id in a route's path (domain/ids.ts, store/record-rows.ts): the prefix, `_`, then
 * lowercase letters and digits. Checked at the edge so that nothing malformed (another prefix,
 * other characters) reaches a query: such an id answers 400 VALIDATION_FAILED, a well-formed id
 * that names nothing of the caller's 404 NOT_FOUND.
 */
export function IdParam(prefix: string, options: Record<string, unknown> = {}) {
  return Type.String({
    minLength: prefix.length + 2,
    maxLength: 64,
    pattern: `^${prefix}_[0-9a-z]+$`,
    description: `An id starting \`${prefix}_\`.`,
    ...options,
  });
}

/** `{ id }` path parameters holding a prefixed id. */
export const IdParams = (prefix: string) => Type.Object({ id: IdParam(prefix) });
