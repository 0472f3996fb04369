// The one catalog of error codes, and the error every layer throws. Every non-2xx answer of the
// native API is an RFC 9457 problem+json built from an entry here (http/problem.ts renders it);
// docs/errors.md and the OpenAPI document are checked against this list by a test. Use cases say
// which field is wrong as a logical path (['credentials', 'username']); only the HTTP layer knows
// where in a request that field was, and turns the path into a pointer (/body/credentials/username).
export interface ErrorEntry {
  readonly status: number;
  readonly title: string;
  /** Whether sending the same request again later can succeed. */
  readonly retryable: boolean;
}

export const errorCatalog = {
  // request
  VALIDATION_FAILED: { status: 400, title: 'The request is not valid', retryable: false },
  MALFORMED_BODY: { status: 400, title: 'The request body could not be parsed', retryable: false },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported Content-Type', retryable: false },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The request body is too large', retryable: false },
  MALFORMED_REQUEST: { status: 400, title: 'The request could not be read', retryable: false },
  URI_TOO_LONG: { status: 414, title: 'The request path is too long', retryable: false },
  HEADERS_TOO_LARGE: { status: 431, title: 'The request headers are too large', retryable: false },
  REQUEST_TIMEOUT: { status: 408, title: 'The request was not received in time', retryable: true },
  JWE_INVALID: { status: 400, title: 'The encrypted request body could not be decrypted', retryable: false },
  // authentication and authorisation
  AUTH_TOKEN_MISSING: { status: 401, title: 'An access token is required', retryable: false },
  AUTH_TOKEN_INVALID: { status: 401, title: 'The access token is not valid', retryable: false },
  AUTH_TOKEN_EXPIRED: { status: 401, title: 'The access token has expired', retryable: false },
  AUTH_INVALID_CLIENT: { status: 401, title: 'Client authentication failed', retryable: false },
  AUTH_UNSUPPORTED_GRANT_TYPE: { status: 400, title: 'Unsupported grant type', retryable: false },
  AUTH_INVALID_SCOPE: { status: 400, title: 'The requested scope is not allowed', retryable: false },
  AUTH_INSUFFICIENT_SCOPE: {
    status: 403,
    title: 'The access token lacks a required scope',
    retryable: false,
  },
  // resources
  NOT_FOUND: { status: 404, title: 'Resource not found', retryable: false },
  ROUTE_NOT_FOUND: { status: 404, title: 'No such route', retryable: false },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed', retryable: false },
  // connections
  CONNECTION_DISABLED: { status: 409, title: 'The connection is disabled', retryable: false },
  CONNECTION_CONSENT_ENDED: { status: 409, title: 'The connection keeps no credentials', retryable: false },
  CONNECTION_LOGIN_FAILED: {
    status: 409,
    title: 'The connection never logged in to the institution',
    retryable: false,
  },
  CONNECTION_DUPLICATE: {
    status: 409,
    title: 'A connection with these credentials already exists',
    retryable: false,
  },
  CHALLENGE_NOT_OPEN: {
    status: 409,
    title: 'No verification step is waiting for an answer',
    retryable: false,
  },
  CHALLENGE_FAILED: {
    status: 422,
    title: 'The answer to the verification step is not correct',
    retryable: false,
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    title: 'The Idempotency-Key was used with a different request',
    retryable: false,
  },
  IDEMPOTENCY_IN_PROGRESS: {
    status: 409,
    title: 'A request with this Idempotency-Key is still running',
    retryable: true,
  },
  // data
  OPERATION_PENDING: {
    status: 202,
    title: 'The data is still being extracted',
    retryable: true,
  },
  PRODUCT_EXTRACTION_FAILED: {
    status: 424,
    title: 'The last extraction of this product failed',
    retryable: true,
  },
  RESULT_TOO_LARGE: {
    status: 422,
    title: 'The result is too large for one response',
    retryable: false,
  },
  SYNC_MUTATION_DURING_PAGINATION: {
    status: 409,
    title: 'The data changed while the feed was being paged',
    retryable: true,
  },
  TRANSACTION_NOT_MANUAL: {
    status: 409,
    title: 'Only manual transactions can be removed',
    retryable: false,
  },
  // sandbox tools
  SANDBOX_ONLY: {
    status: 409,
    title: 'Only connections of the sandbox institutions can be changed this way',
    retryable: false,
  },
  CONNECTION_BUSY: { status: 409, title: 'A refresh of the connection is in flight', retryable: true },
  // hosted Connect
  CONNECT_SESSION_INVALID: { status: 401, title: 'The Connect session is not valid', retryable: false },
  CONNECT_SESSION_EXPIRED: {
    status: 410,
    title: 'The Connect session has expired or was already used',
    retryable: false,
  },
  CONNECT_NOT_COMPLETE: {
    status: 409,
    title: 'The connection is not ready to be handed over',
    retryable: true,
  },
  CONSENT_CALLBACK_INVALID: {
    status: 400,
    title: 'No consent is waiting for this callback',
    retryable: false,
  },
  CONNECT_CODE_INVALID: {
    status: 400,
    title: 'The code is unknown, expired or already exchanged',
    retryable: false,
  },
  // statement imports
  IMPORT_UNREADABLE: {
    status: 422,
    title: 'The statement file could not be imported',
    retryable: false,
  },
  // webhooks
  WEBHOOK_ENDPOINT_DISABLED: {
    status: 409,
    title: 'The webhook endpoint is disabled',
    retryable: false,
  },
  // limits and availability
  RATE_LIMITED: { status: 429, title: 'Too many requests', retryable: true },
  NOT_READY: { status: 503, title: 'The service is not ready', retryable: true },
  INTERNAL_ERROR: { status: 500, title: 'Internal error', retryable: true },
} as const satisfies Record<string, ErrorEntry>;

export type ErrorCode = keyof typeof errorCatalog;
export const errorCodes = Object.keys(errorCatalog) as ErrorCode[];

/** One bad field: its path in the input (keys and array indexes), and what is wrong with it. */
export interface FieldProblem {
  readonly path: readonly (string | number)[];
  readonly detail: string;
  /** Where the field was, when the caller knows better than the route's schema (a header, say). */
  readonly in?: 'body' | 'query' | 'path' | 'header';
}

export interface AppErrorOptions {
  fields?: readonly FieldProblem[];
  extensions?: Record<string, unknown>;
  /** Seconds after which the same request may succeed (Retry-After). */
  retryAfterSeconds?: number;
}

/** Thrown by every layer; the HTTP layer (or a compatibility facade) renders it in its envelope. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly fields: readonly FieldProblem[] | undefined;
  readonly extensions: Record<string, unknown>;
  readonly retryAfterSeconds: number | undefined;
  /** The message is the list of the fields (validationFailed): a renderer may write it with its own names. */
  detailListsFields = false;

  constructor(code: ErrorCode, detail?: string, options: AppErrorOptions = {}) {
    super(detail ?? errorCatalog[code].title);
    this.name = 'AppError';
    this.code = code;
    this.status = errorCatalog[code].status;
    this.fields = options.fields;
    this.extensions = options.extensions ?? {};
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** The path of a field as people read it: credentials.username, products[0]. */
export function pathText(path: readonly (string | number)[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
}

/**
 * A validation failure naming every bad field. Without a `detail` of its own, its message lists the
 * fields; the HTTP layer writes that list again with the fields' pointers (/body/…, /query/…).
 */
export function validationFailed(fields: readonly FieldProblem[], detail?: string): AppError {
  const error = new AppError(
    'VALIDATION_FAILED',
    detail ?? fieldsSummary(fields.map((f) => [pathText(f.path), f.detail])),
    {
      fields,
    },
  );
  if (detail === undefined) error.detailListsFields = true;
  return error;
}

/** "2 fields not valid: a is required; b must be a string". */
export function fieldsSummary(fields: ReadonlyArray<readonly [string, string]>): string {
  return `${fields.length} field${fields.length === 1 ? '' : 's'} not valid: ${fields.map(([where, detail]) => `${where} ${detail}`).join('; ')}`;
}
