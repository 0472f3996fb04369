// Checks every request gets before its route sees it, for values that JSON Schema lets through
// but nothing downstream can take:
// - U+0000 in any string (path, query, body, object keys): PostgreSQL text cannot hold it, and a
//   stored one made every later search of the tenant fail;
// - non-finite numbers: ajv coerces `?page_size=Infinity` (or `1e309`) to Infinity and then
//   skips its `maximum` check;
// - years 0000 in `date` / `date-time` values, which PostgreSQL refuses (it has no year 0).
// Each is answered 400 VALIDATION_FAILED with the pointer of the field, before anything is read
// or written.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type FieldProblem, validationFailed } from '../domain/errors.ts';

const parts = [
  ['params', 'path'],
  ['query', 'query'],
  ['body', 'body'],
] as const;

type Part = (typeof parts)[number][1];

/** Walks a parsed value (objects and arrays only, iteratively: bodies may nest deep). */
function findBad(
  root: unknown,
  part: Part,
  bad: (value: unknown) => string | null,
  checkKeys: boolean,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const stack: Array<{ value: unknown; path: Array<string | number> }> = [{ value: root, path: [] }];
  while (stack.length > 0 && problems.length < 20) {
    const { value, path } = stack.pop()!;
    const problem = bad(value);
    if (problem) {
      problems.push({ in: part, path, detail: problem });
      continue;
    }
    if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) continue;
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) stack.push({ value: item, path: [...path, index] });
      continue;
    }
    for (const [key, item] of Object.entries(value)) {
      if (checkKeys && key.includes('\u0000'))
        problems.push({
          in: part,
          path: [...path, key.replaceAll('\u0000', '\\u0000')],
          detail: 'must not contain U+0000',
        });
      else stack.push({ value: item, path: [...path, key] });
    }
  }
  return problems;
}

const nul = (value: unknown) =>
  typeof value === 'string' && value.includes('\u0000') ? 'must not contain U+0000 (NUL)' : null;
const nonFinite = (value: unknown) =>
  typeof value === 'number' && !Number.isFinite(value) ? 'must be a finite number' : null;

function check(request: FastifyRequest, bad: (value: unknown) => string | null, checkKeys: boolean) {
  const problems: FieldProblem[] = [];
  for (const [property, part] of parts) problems.push(...findBad(request[property], part, bad, checkKeys));
  if (problems.length > 0) throw validationFailed(problems);
}

/** The NUL check for values a route reads itself (multipart fields, in the body). */
export function assertNoNul(value: unknown): void {
  const problems = findBad(value, 'body', nul, true);
  if (problems.length > 0) throw validationFailed(problems);
}

export function registerRequestGuards(app: FastifyInstance): void {
  // Before validation, so a NUL is named as such rather than as a pattern mismatch.
  app.addHook('preValidation', async (request) => check(request, nul, true));
  // After validation: the non-finite numbers are the ones ajv's coercion made.
  app.addHook('preHandler', async (request) => check(request, nonFinite, false));
}

/** ISO dates and timestamps from year 0001: the formats ajv checks, minus the year PostgreSQL lacks. */
export function withBoundedYears(ajv: {
  addFormat(name: string, format: { validate: (value: string) => boolean }): unknown;
  formats: Record<string, unknown>;
}): void {
  for (const name of ['date', 'date-time']) {
    const base = ajv.formats[name] as
      | RegExp
      | ((value: string) => boolean)
      | { validate?: (value: string) => boolean }
      | undefined;
    const validate =
      base instanceof RegExp
        ? (value: string) => base.test(value)
        : typeof base === 'function'
          ? base
          : base?.validate;
    if (!validate) continue;
    ajv.addFormat(name, { validate: (value) => !value.startsWith('0000') && validate(value) });
  }
}
