// Native errors → Datanomik's error body `{code, type, message, trace_id}` (trace_id = the request
// id). Datanomik documents three: 401 UNAUTHORIZED "Invalid credentials", 400 code 456
// INVALID_REQUEST_BODY "Invalid request body" and 404 code 620 ACCOUNT_NOT_FOUND "Account resource
// not found."; every other type here is inferred (SPEC §4.2) with `code` = the HTTP status. The
// table is in docs/compat/datanomik.md.
import type { FastifyRequest } from 'fastify';
import type { ConnectionStatus } from '../../domain/connection-status.ts';
import { AppError, pathText } from '../../domain/errors.ts';
import type { VendorError } from '../shared/errors.ts';
import { plainLinkStatus } from './map.ts';

export interface DatanomikErrorBody {
  code: number;
  type: string;
  message: string;
  trace_id: string;
  [extra: string]: unknown;
}

/** A Datanomik error; `code` is the HTTP status unless Datanomik documents its own number. */
export const datanomikError = (
  status: number,
  type: string,
  message: string,
  traceId: string,
  extra: Record<string, unknown> = {},
  code = status,
): VendorError => ({
  status,
  body: { code, type, message, trace_id: traceId, ...extra } satisfies DatanomikErrorBody,
});

/** What a resource not found is called, by resource. */
const notFoundTypes = {
  account: ['ACCOUNT_NOT_FOUND', 'Account resource not found.', 620],
  link: ['LINK_NOT_FOUND', 'Link resource not found.', 404],
  transaction: ['TRANSACTION_NOT_FOUND', 'Transaction resource not found.', 404],
  owner: ['OWNER_NOT_FOUND', 'Owner resource not found.', 404],
  general_owner: ['OWNER_NOT_FOUND', 'General owner resource not found.', 404],
  user: ['USER_NOT_FOUND', 'User resource not found.', 404],
  institution: ['INSTITUTION_NOT_FOUND', 'Institution not found.', 404],
} as const;

export type Resource = keyof typeof notFoundTypes;

/**
 * Datanomik's own answers, thrown by the routes; `code` is the closest native meaning, for the
 * logs. Not a shared VendorAnswer (whose body is sent as it is): the trace id is filled in by the
 * renderer, which knows the request, so routes need not carry it.
 */
export class DatanomikAnswer extends AppError {
  readonly answer: VendorError;

  constructor(
    code: ConstructorParameters<typeof AppError>[0],
    status: number,
    type: string,
    message: string,
    extra: Record<string, unknown> = {},
    numeric = status,
  ) {
    super(code, message);
    this.answer = datanomikError(status, type, message, '', extra, numeric);
  }
}

export const datanomikAnswers = {
  notFound: (resource: Resource) => {
    const [type, message, code] = notFoundTypes[resource];
    return new DatanomikAnswer('NOT_FOUND', 404, type, message, {}, code);
  },
  invalidBody: (detail: string) =>
    new DatanomikAnswer(
      'VALIDATION_FAILED',
      400,
      'INVALID_REQUEST_BODY',
      'Invalid request body',
      { detail },
      456,
    ),
  invalidQuery: (detail: string) =>
    new DatanomikAnswer('VALIDATION_FAILED', 400, 'INVALID_QUERY_PARAMETER', detail),
  unauthorized: () => new DatanomikAnswer('AUTH_INVALID_CLIENT', 401, 'UNAUTHORIZED', 'Invalid credentials'),
  mfaRequired: (linkId: string, challenge: unknown) =>
    new DatanomikAnswer(
      'CHALLENGE_NOT_OPEN',
      428,
      'MFA_REQUIRED',
      'The institution asks for a verification step: answer it at POST /v1/links/{id}/mfa.',
      { link_id: linkId, challenge },
    ),
  notSupported: (what: string) =>
    new DatanomikAnswer('ROUTE_NOT_FOUND', 501, 'NOT_SUPPORTED', `${what} is not supported by Tesoro yet.`),
};

/** A link whose login failed, by the native status it was left in. */
export function loginFailure(status: ConnectionStatus, linkId?: string): DatanomikAnswer {
  const linkStatus = plainLinkStatus(status);
  const extra = { link_status: linkStatus, ...(linkId ? { link_id: linkId } : {}) };
  switch (linkStatus) {
    case 'INVALID_CREDENTIALS':
      return new DatanomikAnswer(
        'CONNECTION_LOGIN_FAILED',
        401,
        'INVALID_INSTITUTION_CREDENTIALS',
        'The institution refused the credentials.',
        extra,
      );
    case 'USER_ACTION_REQUIRED':
      return new DatanomikAnswer(
        'CONNECTION_LOGIN_FAILED',
        403,
        'USER_ACTION_REQUIRED',
        'The user must act on their online banking (the access is locked or needs their attention).',
        extra,
      );
    case 'EXPIRED':
      return new DatanomikAnswer(
        'CONNECTION_LOGIN_FAILED',
        403,
        'LINK_EXPIRED',
        'The consent given at the institution has ended.',
        extra,
      );
    default:
      return new DatanomikAnswer(
        'CONNECTION_LOGIN_FAILED',
        503,
        'INSTITUTION_ERROR',
        'The institution cannot be reached now; retry later.',
        extra,
      );
  }
}

/** The fields a validation failure names, as the client wrote them. */
const fieldsOf = (error: AppError) =>
  (error.fields ?? []).map((field) => ({ field: pathText(field.path), detail: field.detail }));

function render(error: AppError): VendorError {
  const fail = (
    status: number,
    type: string,
    message: string,
    extra?: Record<string, unknown>,
    code?: number,
  ) => datanomikError(status, type, message, '', extra, code);
  switch (error.code) {
    case 'VALIDATION_FAILED': {
      const where = error.fields?.[0]?.in;
      if (where === 'query')
        return fail(400, 'INVALID_QUERY_PARAMETER', 'Invalid query parameter', { errors: fieldsOf(error) });
      return fail(400, 'INVALID_REQUEST_BODY', 'Invalid request body', { errors: fieldsOf(error) }, 456);
    }
    case 'MALFORMED_BODY':
    case 'JWE_INVALID':
    case 'UNSUPPORTED_MEDIA_TYPE':
      return fail(400, 'INVALID_REQUEST_BODY', 'Invalid request body', { detail: error.message }, 456);
    case 'PAYLOAD_TOO_LARGE':
      return fail(413, 'REQUEST_TOO_LARGE', error.message);
    case 'MALFORMED_REQUEST':
    case 'URI_TOO_LONG':
    case 'HEADERS_TOO_LARGE':
      return fail(error.status, 'INVALID_REQUEST', error.message);
    case 'AUTH_TOKEN_MISSING':
    case 'AUTH_TOKEN_INVALID':
    case 'AUTH_TOKEN_EXPIRED':
    case 'AUTH_INVALID_CLIENT':
    case 'AUTH_INSUFFICIENT_SCOPE':
      return fail(401, 'UNAUTHORIZED', 'Invalid credentials');
    case 'NOT_FOUND':
      return fail(404, 'NOT_FOUND', 'Resource not found.');
    case 'ROUTE_NOT_FOUND':
      return fail(404, 'NOT_FOUND', error.message);
    case 'METHOD_NOT_ALLOWED':
      return fail(405, 'METHOD_NOT_ALLOWED', error.message);
    case 'OPERATION_PENDING':
      return fail(
        409,
        'LINK_PROCESSING',
        'The link’s information is still being loaded: wait for the HISTORICAL_UPDATE webhook, or send allowPartial=true.',
      );
    case 'PRODUCT_EXTRACTION_FAILED':
      return fail(424, 'DATA_EXTRACTION_FAILED', error.message, {
        error: error.extensions?.product_error ?? null,
      });
    case 'CONNECTION_LOGIN_FAILED':
      return loginFailure((error.extensions?.connection_status ?? 'institution_down') as ConnectionStatus)
        .answer;
    case 'CONNECTION_DISABLED':
      return fail(409, 'LINK_DISABLED', 'The link is disabled: enable it (PATCH {"status":"ACTIVE"}) first.');
    case 'CONNECTION_CONSENT_ENDED':
      return fail(
        409,
        'LINK_NOT_RECURRENT',
        'This one-shot link keeps no credentials; update them to access again.',
      );
    case 'CONNECTION_DUPLICATE':
      return fail(409, 'LINK_ALREADY_EXISTS', error.message);
    case 'CHALLENGE_NOT_OPEN':
      return fail(409, 'MFA_NOT_REQUIRED', error.message);
    case 'CHALLENGE_FAILED':
      return fail(401, 'INVALID_MFA_TOKEN', error.message, {
        attempts_left: error.extensions?.attempts_left ?? null,
      });
    case 'RATE_LIMITED':
      return fail(429, 'TOO_MANY_REQUESTS', error.message);
    default:
      return error.status >= 500
        ? fail(500, 'INTERNAL_ERROR', 'An unexpected error occurred.')
        : fail(error.status, error.code, error.message);
  }
}

/** Every error under the prefix, with the request id as Datanomik's trace_id. */
export function renderDatanomikError(error: AppError, request: FastifyRequest): VendorError {
  const answer = error instanceof DatanomikAnswer ? error.answer : render(error);
  return { ...answer, body: { ...(answer.body as DatanomikErrorBody), trace_id: request.id } };
}
