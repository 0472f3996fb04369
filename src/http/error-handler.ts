// Turns every failure into problem+json: our AppErrors as they are, Fastify's own errors (schema
// validation, bad JSON, unknown content type, body too large) into catalog codes, the router's
// and Node's HTTP parser's refusals (bad URL encoding, a path over the limit, oversized headers)
// too, and anything else into a generic 500 whose details go to the log only.
import { randomBytes } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode, type FieldProblem, validationFailed } from '../domain/errors.ts';
import { isDataException } from '../store/database.ts';
import { problemFor, sendProblem } from './problem.ts';

interface AjvError {
  instancePath: string;
  message?: string;
  keyword: string;
  params?: Record<string, unknown>;
}

const partOfContext: Record<string, FieldProblem['in']> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'header',
};

/** One field problem per ajv error, naming the field (a missing property names itself). */
export function fieldProblems(validation: AjvError[], context: string | undefined): FieldProblem[] {
  const part = partOfContext[context ?? 'body'] ?? 'body';
  const seen = new Set<string>();
  const result: FieldProblem[] = [];
  for (const error of validation) {
    const path: Array<string | number> = error.instancePath
      .split('/')
      .slice(1)
      .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
    let detail = error.message ?? 'is not valid';
    if (error.keyword === 'required' && typeof error.params?.missingProperty === 'string') {
      path.push(error.params.missingProperty);
      detail = 'is required';
    } else if (
      error.keyword === 'additionalProperties' &&
      typeof error.params?.additionalProperty === 'string'
    ) {
      path.push(error.params.additionalProperty);
      detail = 'is not an allowed field';
    } else if (error.keyword === 'enum' && Array.isArray(error.params?.allowedValues)) {
      detail = `must be one of: ${error.params.allowedValues.join(', ')}`;
    }
    const key = `${path.join('/')} ${detail}`;
    if (!seen.has(key)) {
      seen.add(key);
      result.push({ in: part, path, detail });
    }
  }
  return result;
}

function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 401:
      return 'AUTH_TOKEN_INVALID';
    case 404:
      return 'NOT_FOUND';
    case 405:
      return 'METHOD_NOT_ALLOWED';
    case 408:
      return 'REQUEST_TIMEOUT';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 414:
      return 'URI_TOO_LONG';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 429:
      return 'RATE_LIMITED';
    case 431:
      return 'HEADERS_TOO_LARGE';
    default:
      return 'MALFORMED_BODY';
  }
}

/** Maps any thrown value to an AppError; unknown errors become INTERNAL_ERROR (logged by the caller). */
export function toAppError(error: unknown): { appError: AppError; unexpected: boolean } {
  if (error instanceof AppError) return { appError: error, unexpected: false };
  // Every value a client sends is checked before it reaches a query; a value the database still
  // refuses (a check is missing) is the client's 400, not a 500.
  if (isDataException(error))
    return {
      appError: new AppError(
        'VALIDATION_FAILED',
        'A value of the request is outside what can be stored (a date before year 1 or after 9999, a number too large, a character that is not allowed).',
      ),
      unexpected: false,
    };
  const fastifyError = error as FastifyError & { validation?: AjvError[]; validationContext?: string };
  if (fastifyError?.validation)
    return {
      appError: validationFailed(fieldProblems(fastifyError.validation, fastifyError.validationContext)),
      unexpected: false,
    };
  const status = fastifyError?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { appError: new AppError(codeForStatus(status), fastifyError.message), unexpected: false };
  }
  return {
    appError: new AppError('INTERNAL_ERROR', 'An unexpected error occurred; it has been logged.'),
    unexpected: true,
  };
}

/**
 * Fastify's `frameworkErrors`: the router refuses a URL before any route or hook runs (a `%zz`
 * that does not decode, a path parameter over `maxParamLength`). Answered like any other error.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  reply.header('x-request-id', request.id);
  return sendProblem(reply, request, frameworkAppError(error));
}

/** The router's refusal as an AppError (a facade renders it in its own envelope). */
export function frameworkAppError(error: FastifyError): AppError {
  return error.code === 'FST_ERR_MAX_PARAM_LENGTH'
    ? new AppError('URI_TOO_LONG', 'A part of the path is longer than any id.')
    : error.code === 'FST_ERR_BAD_URL'
      ? new AppError('MALFORMED_REQUEST', 'The URL is not validly percent-encoded.')
      : toAppError(error).appError;
}

/**
 * Node's `clientError`: the HTTP parser itself refused the request (headers over the limit, bytes
 * that are not HTTP, a request that took too long), so there is no request object and no route.
 * The answer is still problem+json with a request id, written straight to the socket.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const apiError =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new AppError('HEADERS_TOO_LARGE', 'The request headers are larger than the server accepts.')
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new AppError('REQUEST_TIMEOUT', 'The request was not received in time.')
        : new AppError('MALFORMED_REQUEST', 'The request is not valid HTTP.');
  const requestId = `req_${randomBytes(10).toString('hex')}`;
  const body = JSON.stringify(problemFor(apiError, requestId));
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${apiError.status} ${STATUS_CODES[apiError.status]}\r\n` +
        'Content-Type: application/problem+json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  socket.destroy(error);
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const { appError: apiError, unexpected } = toAppError(error);
    if (unexpected) {
      request.log.error({ err: error }, 'unhandled error');
    } else if (isDataException(error)) {
      request.log.warn({ err: error }, 'the database refused a value of the request');
    } else if (apiError.status >= 500) {
      request.log.warn({ code: apiError.code }, apiError.message);
    }
    return sendProblem(reply, request, apiError);
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      request,
      new AppError('ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`),
    ),
  );
}
