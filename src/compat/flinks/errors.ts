// Native errors → Flinks' envelope: every answer carries `HttpStatusCode` (the HTTP status again),
// errors a `FlinksCode` and a `Message`, and the `Links` and `RequestId` of the session when there
// is one. Status codes and FlinksCodes are Flinks' (docs.flinks.com, "Authorize error codes"): an
// unknown session is 400 SESSION_NONEXISTENT, a login Tesoro cannot find or the bank refused is
// 401 INVALID_LOGIN, a missing or wrong key 401 ACCESS_DENIED, data still loading 202
// OPERATION_PENDING. The whole table is in docs/compat/flinks.md.
import type { ConnectionStatus } from '../../domain/connection-status.ts';
import type { AppError } from '../../domain/errors.ts';
import { VendorAnswer, type VendorError } from '../shared/errors.ts';
import { authorizeLinks } from './map.ts';
import type { FlinksLink } from './schemas.ts';

export interface FlinksErrorBody {
  HttpStatusCode: number;
  FlinksCode: string;
  Message: string;
  Links?: FlinksLink[];
  RequestId?: string;
}

export const flinksError = (
  status: number,
  code: string,
  message: string,
  session: { links?: FlinksLink[]; requestId?: string } = {},
): VendorError => ({
  status,
  body: {
    HttpStatusCode: status,
    FlinksCode: code,
    Message: message,
    ...(session.links ? { Links: session.links } : {}),
    ...(session.requestId ? { RequestId: session.requestId } : {}),
  } satisfies FlinksErrorBody,
});

export const PENDING_MESSAGE = 'Your operation is still processing';
export const DISPATCHED_MESSAGE =
  'Your operations had been dispatched to background process for long running jobs';
const INVALID_CREDENTIALS = 'The card number (username) or password provided is invalid';
const UNKNOWN_LOGIN = 'The LoginId provided is either invalid or does not belong to the CustomerId';

/** Flinks' own answers that no native error says. */
export const flinksAnswers = {
  accessDenied: (what: 'auth key' | 'authorize token' | 'api key') =>
    new VendorAnswer(
      'AUTH_INVALID_CLIENT',
      flinksError(401, 'ACCESS_DENIED', `You must provide a valid ${what}`),
    ),
  invalidRequest: (message: string) =>
    new VendorAnswer('VALIDATION_FAILED', flinksError(400, 'INVALID_REQUEST', message)),
  sessionNonexistent: () =>
    new VendorAnswer(
      'NOT_FOUND',
      flinksError(400, 'SESSION_NONEXISTENT', 'Inputs session id or card if were not found.'),
    ),
  invalidLogin: () => new VendorAnswer('NOT_FOUND', flinksError(401, 'INVALID_LOGIN', UNKNOWN_LOGIN)),
  cardInUse: (requestId?: string) =>
    new VendorAnswer(
      'OPERATION_PENDING',
      flinksError(400, 'CARD_IN_USE', 'The login is being refreshed; retry once the refresh ends.', {
        ...(requestId ? { requestId } : {}),
      }),
    ),
  pending: (requestId: string, links: FlinksLink[], dispatched = false) =>
    new VendorAnswer(
      'OPERATION_PENDING',
      flinksError(
        202,
        dispatched ? 'OPERATION_DISPATCHED' : 'OPERATION_PENDING',
        dispatched ? DISPATCHED_MESSAGE : PENDING_MESSAGE,
        { links, requestId },
      ),
    ),
  questionNotFound: (requestId: string) =>
    new VendorAnswer(
      'VALIDATION_FAILED',
      flinksError(401, 'QUESTION_NOT_FOUND', 'No security question waits for these answers.', {
        links: authorizeLinks,
        requestId,
      }),
    ),
  invalidSecurityResponse: (requestId: string, message: string) =>
    new VendorAnswer(
      'CHALLENGE_FAILED',
      flinksError(401, 'INVALID_SECURITY_RESPONSE', message, { links: authorizeLinks, requestId }),
    ),
};

/** A login the institution refused, by the connection status it left: Flinks' code and words. */
export function loginFailure(status: ConnectionStatus, refreshError: string | null): [string, string] {
  if (refreshError === 'challenge_failed')
    return ['INVALID_SECURITY_RESPONSE', 'The answer to the security challenge is not correct.'];
  switch (status) {
    case 'credentials_invalid':
      return ['INVALID_LOGIN', INVALID_CREDENTIALS];
    case 'locked':
      return ['DISABLED_LOGIN', 'The login is disabled at the institution.'];
    case 'consent_expired':
      return ['UNAUTHORIZED', 'The institution did not authorize access'];
    case 'action_needed':
    case 'password_expired':
      return ['NEW_ACCOUNT', 'The user must take action directly on their online banking.'];
    default:
      return ['RETRY_LATER', 'The institution cannot be reached now; retry later.'];
  }
}

/** The 401 for a refused login, with the session's RequestId when the client has one. */
export function loginFailureAnswer(
  status: ConnectionStatus,
  refreshError: string | null,
  requestId?: string,
): VendorAnswer {
  const [code, message] = loginFailure(status, refreshError);
  return new VendorAnswer(
    'CONNECTION_LOGIN_FAILED',
    flinksError(401, code, message, { links: authorizeLinks, ...(requestId ? { requestId } : {}) }),
  );
}

export function renderFlinksError(error: AppError): VendorError {
  switch (error.code) {
    case 'VALIDATION_FAILED':
    case 'MALFORMED_BODY':
    case 'JWE_INVALID':
    case 'UNSUPPORTED_MEDIA_TYPE':
    case 'MALFORMED_REQUEST':
    case 'URI_TOO_LONG':
    case 'CONNECTION_DISABLED':
    case 'CONNECTION_CONSENT_ENDED':
    case 'CONNECTION_DUPLICATE':
      return flinksError(400, 'INVALID_REQUEST', error.message);
    case 'PAYLOAD_TOO_LARGE':
      return flinksError(413, 'INVALID_REQUEST', error.message);
    case 'AUTH_TOKEN_MISSING':
    case 'AUTH_TOKEN_INVALID':
    case 'AUTH_TOKEN_EXPIRED':
    case 'AUTH_INVALID_CLIENT':
    case 'AUTH_INSUFFICIENT_SCOPE':
      return flinksError(401, 'ACCESS_DENIED', 'You must provide a valid api key');
    case 'NOT_FOUND':
      return flinksError(401, 'INVALID_LOGIN', UNKNOWN_LOGIN);
    case 'OPERATION_PENDING':
      return flinksError(202, 'OPERATION_PENDING', PENDING_MESSAGE);
    case 'PRODUCT_EXTRACTION_FAILED':
      return flinksError(500, 'AGGREGATION_ERROR', error.message);
    case 'CONNECTION_LOGIN_FAILED': {
      const status = (error.extensions?.connection_status ?? 'institution_down') as ConnectionStatus;
      const [code, message] = loginFailure(status, null);
      return flinksError(401, code, message);
    }
    case 'CHALLENGE_FAILED':
      return flinksError(401, 'INVALID_SECURITY_RESPONSE', error.message);
    case 'RATE_LIMITED':
      // Flinks answers a client over its budget 401 TOO_MANY_REQUESTS; Retry-After is kept.
      return flinksError(401, 'TOO_MANY_REQUESTS', error.message);
    case 'ROUTE_NOT_FOUND':
      return flinksError(404, 'INVALID_REQUEST', error.message);
    case 'METHOD_NOT_ALLOWED':
      return flinksError(405, 'INVALID_REQUEST', error.message);
    default:
      return error.status >= 500
        ? flinksError(500, 'UNKNOWN_ERROR', 'An unexpected error occurred.')
        : flinksError(error.status, 'INVALID_REQUEST', error.message);
  }
}
