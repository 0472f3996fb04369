// Schemas shared by every route: the problem document and small helpers.
import { type Static, type TSchema, type TUnsafe, Type } from 'typebox';
import { errorCodes } from '../domain/errors.ts';
import { problemExample } from './openapi/problem-examples.ts';

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
  {
    $id: 'Problem',
    additionalProperties: true,
    description:
      'RFC 9457 problem details, sent as application/problem+json. Codes may add members of their own ' +
      '(`attempts_left`, `connection_id`, `restart_cursor`, …): each error response lists its codes.',
    examples: [problemExample('NOT_FOUND')],
  },
);

/**
 * A `$ref` to a named schema: one a plugin registers with registerSchemas, which the document shows
 * as a component (#/components/schemas/<$id>) and Fastify validates or serialises with. Typed as
 * the schema it names, so a handler's request.body keeps its type.
 */
export function Ref<T extends TSchema>(schema: T, options: Record<string, unknown> = {}): TUnsafe<Static<T>> {
  const id = (schema as { $id?: unknown }).$id;
  if (typeof id !== 'string') throw new Error('Ref() needs a schema with an $id');
  return Type.Unsafe<Static<T>>({ $ref: `${id}#`, ...options });
}

/**
 * The schema with the properties that have a `default` left out of `required`. TypeBox lists them
 * as required (the handler's type has the value), but Fastify's Ajv fills a missing one in before
 * `required` is checked (useDefaults), so a client may always omit it, and the document must say
 * so: @fastify/swagger copies `required` as it is into each parameter and body. Validation is the
 * same either way. Applied to every route's query string and body (api/openapi/document.ts) and to
 * every named schema (registerSchemas), not parameter by parameter.
 */
export function optionalDefaults<T extends TSchema>(schema: T): T {
  const { properties, required } = schema as {
    properties?: Record<string, { default?: unknown }>;
    required?: string[];
  };
  if (!properties || !Array.isArray(required)) return schema;
  const needed = required.filter((name) => properties[name]?.default === undefined);
  if (needed.length === required.length) return schema;
  const { required: _all, ...rest } = schema as unknown as Record<string, unknown>;
  return (needed.length > 0 ? { ...rest, required: needed } : rest) as unknown as T;
}

/** Adds a plugin's named schemas (those it Ref()s), so that its routes and the document share them. */
export function registerSchemas(
  app: { addSchema(schema: TSchema): unknown },
  schemas: readonly TSchema[],
): void {
  for (const schema of schemas) app.addSchema(optionalDefaults(schema));
}

/**
 * A prefixed id in a route's path (domain/ids.ts, store/record-rows.ts): the prefix, `_`, then
 * lowercase letters and digits. Checked at the edge so that nothing malformed (another prefix,
 * other characters) reaches a query: such an id answers 400 VALIDATION_FAILED, a well-formed id
 * that names nothing of the caller's 404 NOT_FOUND.
 */
export function IdParam(prefix: string, options: Record<string, unknown> = {}) {
  // No minLength: the pattern already needs a character after the prefix, and one rule broken
  // answers one error.
  return Type.String({
    maxLength: 64,
    pattern: `^${prefix}_[0-9a-z]+$`,
    description: `An id starting \`${prefix}_\`.`,
    ...options,
  });
}

/** `{ id }` path parameters holding a prefixed id. */
export const IdParams = (prefix: string) => Type.Object({ id: IdParam(prefix) });

/**
 * The optional `Idempotency-Key` header of the POSTs that create something (http/idempotency.ts):
 * the same key with the same request within 24 hours replays the first answer.
 */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x21-\\x7e]*$',
      description:
        'Makes a retry safe: the same key with the same request within 24 hours answers the first response again (a different request with it is 422 IDEMPOTENCY_KEY_REUSED; while the first runs, 409 IDEMPOTENCY_IN_PROGRESS). 1 to 255 visible ASCII characters.',
      examples: ['order-7f3c2a'],
    }),
  ),
});
