// AppError → RFC 9457 problem+json, the native API's error envelope. A field problem's logical
// path becomes a JSON pointer into the request part that held the field: the part is the one the
// problem names, else the one whose schema (body, query string, path) has the field's first key.
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  AppError,
  type AppErrorOptions,
  type ErrorCode,
  errorCatalog,
  type FieldProblem,
  fieldsSummary,
} from '../domain/errors.ts';

/** One bad field of a request: an RFC 6901 JSON pointer into the request, and what is wrong. */
export interface FieldError {
  readonly pointer: string;
  readonly detail: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  request_id: string;
  retryable: boolean;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export const PROBLEM_TYPE_BASE = 'https://tesoro.dev/errors/';

/** An error of the HTTP layer itself, with the response headers it needs (WWW-Authenticate). */
export class HttpError extends AppError {
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    detail: string,
    options: AppErrorOptions & { headers?: Record<string, string> } = {},
  ) {
    super(code, detail, options);
    this.headers = options.headers ?? {};
  }
}

const partNames = { body: 'body', query: 'query', path: 'path', header: 'header' } as const;

const pointerPart = (part: string | number) => String(part).replaceAll('~', '~0').replaceAll('/', '~1');

interface RouteSchema {
  body?: { properties?: Record<string, unknown> };
  querystring?: { properties?: Record<string, unknown> };
  params?: { properties?: Record<string, unknown> };
}

/** Which part of the request a field came from, read from the route's schema. */
function partOf(field: FieldProblem, schema: RouteSchema | undefined): keyof typeof partNames {
  if (field.in) return field.in;
  const first = String(field.path[0] ?? '');
  if (schema?.body?.properties && first in schema.body.properties) return 'body';
  if (schema?.querystring?.properties && first in schema.querystring.properties) return 'query';
  if (schema?.params?.properties && first in schema.params.properties) return 'path';
  return 'body';
}

export function pointerOf(field: FieldProblem, schema: RouteSchema | undefined): string {
  return `/${partNames[partOf(field, schema)]}${field.path.map((part) => `/${pointerPart(part)}`).join('')}`;
}

export function problemFor(error: AppError, requestId: string, schema?: RouteSchema): Problem {
  const entry = errorCatalog[error.code];
  const errors = error.fields?.map((field) => ({ pointer: pointerOf(field, schema), detail: field.detail }));
  const detail =
    error.detailListsFields && errors
      ? fieldsSummary(errors.map((e) => [e.pointer, e.detail]))
      : error.message;
  return {
    type: `${PROBLEM_TYPE_BASE}${error.code.toLowerCase().replaceAll('_', '-')}`,
    title: entry.title,
    status: entry.status,
    detail,
    code: error.code,
    request_id: requestId,
    retryable: entry.retryable,
    ...(errors ? { errors } : {}),
    ...error.extensions,
  };
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, error: AppError): FastifyReply {
  if (error instanceof HttpError)
    for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  return reply
    .code(error.status)
    .type('application/problem+json; charset=utf-8')
    .send(problemFor(error, request.id, request.routeOptions?.schema as RouteSchema | undefined));
}
