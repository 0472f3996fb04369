// Turns every failure into problem+json: our ApiErrors as they are, Fastify's own errors (schema
// validation, bad JSON, unknown content type, body too large) into catalog codes, and anything
// else into a generic 500 whose details go to the log only.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, type ErrorCode, type FieldError, problemFor } from './errors.ts';

interface AjvError {
  instancePath: string;
  message?: string;
  keyword: string;
  params?: Record<string, unknown>;
}

const partNames: Record<string, string> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'header',
};

/** One field error per ajv error, pointing at the field (a missing property points at itself). */
export function fieldErrors(validation: AjvError[], context: string | undefined): FieldError[] {
  const part = partNames[context ?? 'body'] ?? 'body';
  const seen = new Set<string>();
  const result: FieldError[] = [];
  for (const error of validation) {
    let pointer = `/${part}${error.instancePath}`;
    let detail = error.message ?? 'is not valid';
    if (error.keyword === 'required' && typeof error.params?.missingProperty === 'string') {
      pointer += `/${error.params.missingProperty}`;
      detail = 'is required';
    } else if (
      error.keyword === 'additionalProperties' &&
      typeof error.params?.additionalProperty === 'string'
    ) {
      pointer += `/${error.params.additionalProperty}`;
      detail = 'is not an allowed field';
    } else if (error.keyword === 'enum' && Array.isArray(error.params?.allowedValues)) {
      detail = `must be one of: ${error.params.allowedValues.join(', ')}`;
    }
    const key = `${pointer} ${detail}`;
    if (!seen.has(key)) {
      seen.add(key);
      result.push({ pointer, detail });
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
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 429:
      return 'RATE_LIMITED';
    default:
      return 'MALFORMED_BODY';
  }
}

/** Maps any thrown value to an ApiError; unknown errors become INTERNAL_ERROR (logged by the caller). */
export function toApiError(error: unknown): { apiError: ApiError; unexpected: boolean } {
  if (error instanceof ApiError) return { apiError: error, unexpected: false };
  const fastifyError = error as FastifyError & { validation?: AjvError[]; validationContext?: string };
  if (fastifyError?.validation) {
    const errors = fieldErrors(fastifyError.validation, fastifyError.validationContext);
    const detail = `${errors.length} field${errors.length === 1 ? '' : 's'} not valid: ${errors.map((e) => `${e.pointer} ${e.detail}`).join('; ')}`;
    return { apiError: new ApiError('VALIDATION_FAILED', detail, { errors }), unexpected: false };
  }
  const status = fastifyError?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { apiError: new ApiError(codeForStatus(status), fastifyError.message), unexpected: false };
  }
  return {
    apiError: new ApiError('INTERNAL_ERROR', 'An unexpected error occurred; it has been logged.'),
    unexpected: true,
  };
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, apiError: ApiError): FastifyReply {
  for (const [name, value] of Object.entries(apiError.headers)) reply.header(name, value);
  return reply
    .code(apiError.status)
    .type('application/problem+json; charset=utf-8')
    .send(problemFor(apiError, request.id));
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const { apiError, unexpected } = toApiError(error);
    if (unexpected) {
      request.log.error({ err: error }, 'unhandled error');
    } else if (apiError.status >= 500) {
      request.log.warn({ code: apiError.code }, apiError.message);
    }
    return sendProblem(reply, request, apiError);
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      request,
      new ApiError('ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`),
    ),
  );
}
