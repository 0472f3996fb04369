// What a native route answers, for its `response` schema: the success (answer) and the problems
// (problems), which Fastify serialises with and the OpenAPI document shows. A problem answer is
// one per status, listing the codes of the catalog (domain/errors.ts) it can carry, in its
// description and as `x-problem-codes` of its media type, with an example of each code; its
// schema is the Problem component. The sets below are the answers every route of a kind shares
// (a token, a path id, a body…); a route adds the codes of its own use case.
import { type TSchema, type TUnsafe, Type } from 'typebox';
import { type ErrorCode, errorCatalog } from '../domain/errors.ts';
import { type ProblemSample, problemExample } from './openapi/problem-examples.ts';

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/**
 * A success: its schema (a named component, or a page of them) and what it is. `example` when the
 * route's answer is a case of its own (a connection just created, a refresh just queued); else
 * the schema's own examples show.
 */
export function answer(schema: TSchema, description: string, example?: unknown): TUnsafe<unknown> {
  if (example === undefined) return Type.Unsafe({ ...schema, description });
  return Type.Unsafe({ description, content: { 'application/json': { schema, example } } });
}

/**
 * A success that is not JSON (a file, a page, metrics): its media types, and an example body (one
 * for all, or one by media type).
 */
export function textAnswer(
  mediaTypes: readonly string[],
  description: string,
  example: string | Readonly<Record<string, string>>,
): TUnsafe<unknown> {
  const exampleOf = (type: string) => (typeof example === 'string' ? example : example[type]);
  return Type.Unsafe({
    description,
    content: Object.fromEntries(
      mediaTypes.map((type) => [type, { schema: { type: 'string' }, example: exampleOf(type) }]),
    ),
  });
}

// ---- problems

/** A bearer token with scopes (`config.scopes`): none, a bad or expired one, one lacking a scope. */
export const withScopes = [
  'AUTH_TOKEN_MISSING',
  'AUTH_TOKEN_INVALID',
  'AUTH_TOKEN_EXPIRED',
  'AUTH_INSUFFICIENT_SCOPE',
  'RATE_LIMITED',
] as const satisfies readonly ErrorCode[];
/** Any valid token (`config.scopes: []`). */
export const withToken = withScopes.filter((code) => code !== 'AUTH_INSUFFICIENT_SCOPE');
/** Every route but /health, /ready and the key set, when the server runs with a rate limit. */
export const rateLimited = ['RATE_LIMITED'] as const satisfies readonly ErrorCode[];
/** A query string the route's schema checks (and a list's cursor). */
export const query = ['VALIDATION_FAILED'] as const satisfies readonly ErrorCode[];
/** An id in the path: malformed (the schema), not percent-encoded, or past the router's limit (414). */
export const pathId = [
  'VALIDATION_FAILED',
  'MALFORMED_REQUEST',
  'URI_TOO_LONG',
] as const satisfies readonly ErrorCode[];
/**
 * Any method but GET: Fastify parses a body sent with it (JSON, a form, or a JWE of either) whether
 * or not the route reads one.
 */
export const anyBody = [
  'MALFORMED_BODY',
  'JWE_INVALID',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
] as const satisfies readonly ErrorCode[];
/** A body the route's schema checks. */
export const jsonBody = [...anyBody, 'VALIDATION_FAILED'] as const satisfies readonly ErrorCode[];
/** `Idempotency-Key` (http/idempotency.ts): not 1–255 visible characters, reused, or still running. */
export const idempotent = [
  'VALIDATION_FAILED',
  'IDEMPOTENCY_KEY_REUSED',
  'IDEMPOTENCY_IN_PROGRESS',
] as const satisfies readonly ErrorCode[];
/**
 * A read of extracted data (services/data-reads.ts): the first extraction still running (202), a
 * connection that never logged in, a product whose last extraction failed.
 */
export const readiness = [
  'OPERATION_PENDING',
  'CONNECTION_LOGIN_FAILED',
  'PRODUCT_EXTRACTION_FAILED',
] as const satisfies readonly ErrorCode[];

/** Codes, a set of them, or codes with what the route's example of each says. */
export type Codes = ErrorCode | readonly ErrorCode[] | Partial<Record<ErrorCode, string | ProblemSample>>;

const isList = (codes: Codes): codes is readonly ErrorCode[] => Array.isArray(codes);

/**
 * The problem answers of a route, by status: `problems(withScopes, pathId, { NOT_FOUND: 'No
 * connection con_….' })`. A code given twice is listed once; a detail given for it wins.
 */
export function problems(...items: Codes[]): Record<number, TUnsafe<unknown>> {
  const details = new Map<ErrorCode, string | ProblemSample | undefined>();
  for (const item of items) {
    if (typeof item === 'string') details.set(item, details.get(item));
    else if (isList(item)) for (const code of item) details.set(code, details.get(code));
    else for (const [code, detail] of Object.entries(item)) details.set(code as ErrorCode, detail);
  }
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of details.keys()) {
    const { status } = errorCatalog[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].sort(([a], [b]) => a - b).map(([status, codes]) => [status, problemAnswer(codes, details)]),
  );
}

function problemAnswer(
  codes: readonly ErrorCode[],
  details: ReadonlyMap<ErrorCode, string | ProblemSample | undefined>,
) {
  return Type.Unsafe({
    description: codes.map((code) => `\`${code}\`: ${errorCatalog[code].title}.`).join(' '),
    content: {
      [PROBLEM_MEDIA_TYPE]: {
        schema: { $ref: 'Problem#' },
        'x-problem-codes': codes,
        examples: Object.fromEntries(
          codes.map((code) => [
            code,
            { summary: errorCatalog[code].title, value: problemExample(code, details.get(code)) },
          ]),
        ),
      },
    },
  });
}

export { invalidField } from './openapi/problem-examples.ts';
