// An example problem for every code of the catalog: the detail (and fields, extensions) the code
// really writes somewhere, rendered by the renderer every answer goes through (http/problem.ts).
// A route may say its own detail for a code (problems() in api/responses.ts); this is the default.
import { AppError, type AppErrorOptions, type ErrorCode, validationFailed } from '../../domain/errors.ts';
import { type Problem, problemFor } from '../../http/problem.ts';

/** What a problem example says: its detail, and the fields and extensions of its code. */
export interface ProblemSample extends AppErrorOptions {
  detail: string;
}

type Sample = ProblemSample;

const samples: Record<ErrorCode, Sample> = {
  VALIDATION_FAILED: invalidField('query', ['page_size'], 'must be <= 1000'),
  MALFORMED_BODY: { detail: "Body is not valid JSON but content-type is set to 'application/json'" },
  UNSUPPORTED_MEDIA_TYPE: { detail: 'Unsupported Media Type: application/xml' },
  PAYLOAD_TOO_LARGE: { detail: 'Request body is too large' },
  MALFORMED_REQUEST: { detail: 'The URL is not validly percent-encoded.' },
  URI_TOO_LONG: { detail: 'A part of the path is longer than any id.' },
  HEADERS_TOO_LARGE: { detail: 'The request headers are larger than the server accepts.' },
  REQUEST_TIMEOUT: { detail: 'The request was not received in time.' },
  JWE_INVALID: { detail: 'The body is not a compact JWE.' },
  AUTH_TOKEN_MISSING: { detail: 'Send an access token as `Authorization: Bearer <token>`.' },
  AUTH_TOKEN_INVALID: { detail: 'The access token is malformed, forged or signed by an unknown key.' },
  AUTH_TOKEN_EXPIRED: { detail: 'The access token has expired; request a new one.' },
  AUTH_INVALID_CLIENT: {
    detail: 'Unknown client or wrong client secret.',
    extensions: { error: 'invalid_client' },
  },
  AUTH_UNSUPPORTED_GRANT_TYPE: {
    detail: 'Only grant_type=client_credentials is supported.',
    extensions: { error: 'unsupported_grant_type' },
  },
  AUTH_INVALID_SCOPE: {
    detail: 'This client may not request: admin.',
    extensions: { error: 'invalid_scope' },
  },
  AUTH_INSUFFICIENT_SCOPE: {
    detail: 'This route needs the scope connections:read.',
    extensions: { required_scopes: ['connections:read'] },
  },
  NOT_FOUND: { detail: 'No connection con_3zuaj5q6r7wley95.' },
  ROUTE_NOT_FOUND: { detail: 'No route GET /v1/nope' },
  METHOD_NOT_ALLOWED: { detail: 'Method not allowed' },
  CONNECTION_DISABLED: { detail: 'Enable the connection before refreshing it.' },
  CONNECTION_CONSENT_ENDED: {
    detail: 'This one-shot connection keeps no credentials; update them to extract again.',
  },
  CONNECTION_LOGIN_FAILED: {
    detail:
      'Connection con_3zuaj5q6r7wley95 never logged in to its institution (credentials_invalid): The institution rejected the username or password; update the credentials.',
    extensions: { connection_id: 'con_3zuaj5q6r7wley95', connection_status: 'credentials_invalid' },
  },
  CONNECTION_DUPLICATE: {
    detail: 'Connection con_3zuaj5q6r7wley95 already logs in to Banco Sandbox with these credentials.',
    extensions: { connection_id: 'con_3zuaj5q6r7wley95' },
  },
  CHALLENGE_NOT_OPEN: { detail: 'This connection has no verification step waiting for an answer.' },
  CHALLENGE_FAILED: {
    detail: 'The answer is not correct; try again.',
    extensions: { attempts_left: 2 },
  },
  IDEMPOTENCY_KEY_REUSED: { detail: 'This Idempotency-Key was already used with a different request.' },
  IDEMPOTENCY_IN_PROGRESS: {
    detail: 'The first request with this Idempotency-Key is still running.',
    retryAfterSeconds: 1,
  },
  OPERATION_PENDING: {
    detail: 'The first extraction of transactions for connection con_3zuaj5q6r7wley95 is still running.',
    extensions: { refresh_id: 'ref_c9761x6pz5ny6ora', connection_id: 'con_3zuaj5q6r7wley95' },
  },
  PRODUCT_EXTRACTION_FAILED: {
    detail:
      'The last extraction of transactions for connection con_3zuaj5q6r7wley95 failed (institution_down).',
    extensions: { connection_id: 'con_3zuaj5q6r7wley95', product_error: 'institution_down' },
  },
  RESULT_TOO_LARGE: {
    detail:
      'This connection holds 182340 records, more than the 100000 one answer carries; read them with the paged lists (GET /v1/accounts, /v1/transactions, … ?connection_id=con_3zuaj5q6r7wley95).',
    extensions: { records: 182340, limit: 100000 },
  },
  SYNC_MUTATION_DURING_PAGINATION: {
    detail: 'Transactions changed while this update was being paged; restart from restart_cursor.',
    extensions: { restart_cursor: 'eyJzIjo2MjUsInAiOjYyNSwiaCI6bnVsbH0' },
  },
  TRANSACTION_NOT_MANUAL: {
    detail:
      "Transaction txn_kpmqxvo32bnovg3r3coz came from its connection's institution; only manual ones can be removed.",
  },
  SANDBOX_ONLY: {
    detail:
      'Connection con_8rj2m0xk4q7v1c5s is at ins_sandbox_bank_live: the sandbox tools change only connections of the sandbox institutions.',
  },
  CONNECTION_BUSY: {
    detail: 'A refresh of this connection is in flight; try again once it has ended.',
    retryAfterSeconds: 1,
  },
  CONNECT_SESSION_INVALID: { detail: 'This Connect link is not valid.' },
  CONNECT_SESSION_EXPIRED: { detail: 'This Connect link has expired or was already used.' },
  CONNECT_NOT_COMPLETE: { detail: 'The connection has not succeeded yet.' },
  CONSENT_CALLBACK_INVALID: { detail: 'This consent link is not valid, or was already used.' },
  CONNECT_CODE_INVALID: { detail: 'The code is unknown, expired or already exchanged.' },
  IMPORT_UNREADABLE: {
    detail: 'The csv file has 2 errors; nothing was imported.',
    extensions: {
      format: 'csv',
      issues: [
        { severity: 'error', line: 3, message: 'row skipped: amount "12,50 EUR" is not an amount' },
        { severity: 'error', line: 7, message: 'row skipped: amount "n/a" is not an amount' },
      ],
    },
  },
  WEBHOOK_ENDPOINT_DISABLED: { detail: 'The webhook endpoint whe_uj0ubswkg9s7nnl9 is disabled.' },
  RATE_LIMITED: {
    detail: 'More than 600 requests in a minute; retry in 12 s.',
    retryAfterSeconds: 12,
  },
  NOT_READY: { detail: 'Migrations not applied: 0019-balance-history.' },
  INTERNAL_ERROR: { detail: 'An unexpected error occurred; it has been logged.' },
};

const EXAMPLE_REQUEST_ID = 'req_5f0c2a9e7b31d4c86a10';

/**
 * The problem `code` answers with: the code's sample, or the route's own. A detail alone keeps
 * the sample's extensions (a VALIDATION_FAILED's fields go with its detail: give a whole sample).
 */
export function problemExample(code: ErrorCode, own?: string | ProblemSample): Problem {
  const { fields, ...sample } = samples[code];
  const { detail, ...options } =
    typeof own === 'string'
      ? { ...sample, detail: own }
      : (own ?? { ...sample, ...(fields ? { fields } : {}) });
  // No detail of its own: the detail lists the fields, as the schema's failures do.
  const error =
    detail === '' && options.fields ? validationFailed(options.fields) : new AppError(code, detail, options);
  return problemFor(error, EXAMPLE_REQUEST_ID);
}

/** A VALIDATION_FAILED naming one field (its detail lists it), as the route's schema words it. */
export function invalidField(
  part: 'body' | 'query' | 'path' | 'header',
  path: ReadonlyArray<string | number>,
  detail: string,
): ProblemSample {
  return { detail: '', fields: [{ in: part, path, detail }] };
}
