// Native errors → Powens' error envelope `{"code", "description", "message", "request_id"}`
// (docs.powens.com, "Errors"): `code` is Powens' ErrorCode (`missingParameter`, `invalidValue`,
// `wrongpass`, `connectionNotFound`, …), `description` says what happened, `message` is the text an
// end user may be shown (null when there is none). Powens' `request_id` is an integer Tesoro does
// not have: it is null, and Tesoro's own request id is the X-Request-Id header. The whole table
// is in docs/compat/powens.md.
import type { AppError } from '../../domain/errors.ts';
import { pathText } from '../../domain/errors.ts';
import { VendorAnswer, type VendorError } from '../shared/errors.ts';

export interface PowensErrorBody {
  code: string;
  description: string;
  message: string | null;
  request_id: number | null;
}

export const powensError = (
  status: number,
  code: string,
  description: string,
  message: string | null = null,
): VendorError => ({ status, body: { code, description, message, request_id: null } });

/** The connection states whose login failed, as the 400 a synchronous call answers. */
const loginFailures: Record<string, [string, string]> = {
  wrongpass: ['wrongpass', 'Wrong password'],
  passwordExpired: ['passwordExpired', 'The password has expired: change it on the bank’s website'],
  actionNeeded: ['actionNeeded', 'An action is needed on the bank’s website'],
  websiteUnavailable: ['websiteUnavailable', 'The bank’s website is unavailable'],
  rateLimiting: ['rateLimiting', 'The bank refuses too many connections: retry later'],
  SCARequired: ['SCARequired', 'The user must authenticate again (SCA)'],
  bug: ['bug', 'The synchronisation failed'],
};

/** Powens' own answers that no native error says. */
export const powensAnswers = {
  notFound: (resource: 'connection' | 'account' | 'user' | 'connector' | 'document' | 'transaction') =>
    new VendorAnswer('NOT_FOUND', powensError(404, `${resource}NotFound`, `The ${resource} was not found`)),
  missing: (name: string) =>
    new VendorAnswer('VALIDATION_FAILED', powensError(400, 'missingParameter', `Missing parameter: ${name}`)),
  invalid: (name: string, why?: string) =>
    new VendorAnswer(
      'VALIDATION_FAILED',
      powensError(400, 'invalidValue', `Invalid value for ${name}${why ? `: ${why}` : ''}`),
    ),
  unauthorized: (description = 'A valid token is needed') =>
    new VendorAnswer('AUTH_TOKEN_INVALID', powensError(401, 'unauthorized', description)),
  forbidden: (description: string) =>
    new VendorAnswer('AUTH_INSUFFICIENT_SCOPE', powensError(403, 'forbidden', description)),
  invalidClient: () =>
    new VendorAnswer(
      'AUTH_INVALID_CLIENT',
      powensError(401, 'invalidClient', 'Unknown client_id or wrong client_secret'),
    ),
  /** A login the bank refused (a synchronous create or update): 400 with the connection's state. */
  loginFailed: (state: string, detail: string | null) => {
    const [code, description] = loginFailures[state] ?? loginFailures.bug!;
    return new VendorAnswer('CONNECTION_LOGIN_FAILED', powensError(400, code, description, detail));
  },
  wrongAnswer: (attemptsLeft: number) =>
    new VendorAnswer(
      'CHALLENGE_FAILED',
      powensError(
        400,
        'wrongpass',
        attemptsLeft > 0 ? 'The answer is not correct' : 'Too many wrong answers',
        'The answer is not correct',
      ),
    ),
};

const isMissing = (error: AppError) => (error.fields ?? []).some((field) => field.detail === 'is required');

function fieldsText(error: AppError): string {
  const fields = error.fields ?? [];
  if (fields.length === 0) return error.message;
  return fields.map((field) => `${pathText(field.path)} ${field.detail}`.trim()).join('; ');
}

function render(error: AppError): VendorError {
  switch (error.code) {
    case 'VALIDATION_FAILED':
      return isMissing(error)
        ? powensError(400, 'missingParameter', fieldsText(error))
        : powensError(400, 'invalidValue', fieldsText(error));
    case 'MALFORMED_BODY':
    case 'JWE_INVALID':
    case 'UNSUPPORTED_MEDIA_TYPE':
    case 'MALFORMED_REQUEST':
      return powensError(400, 'invalidValue', error.message);
    case 'URI_TOO_LONG':
      return powensError(414, 'invalidValue', error.message);
    case 'PAYLOAD_TOO_LARGE':
      return powensError(413, 'invalidValue', error.message);
    case 'AUTH_TOKEN_MISSING':
    case 'AUTH_TOKEN_INVALID':
    case 'AUTH_TOKEN_EXPIRED':
      return powensError(401, 'unauthorized', error.message);
    case 'AUTH_INVALID_CLIENT':
      return powensError(401, 'invalidClient', 'Unknown client_id or wrong client_secret');
    case 'AUTH_UNSUPPORTED_GRANT_TYPE':
    case 'AUTH_INVALID_SCOPE':
      return powensError(400, 'invalidValue', error.message);
    case 'AUTH_INSUFFICIENT_SCOPE':
      return powensError(403, 'forbidden', error.message);
    case 'NOT_FOUND':
      return powensError(404, 'connectionNotFound', error.message);
    case 'ROUTE_NOT_FOUND':
      return powensError(404, 'notFound', error.message);
    case 'METHOD_NOT_ALLOWED':
      return powensError(405, 'methodNotAllowed', error.message);
    case 'CONNECTION_DISABLED':
    case 'CONNECTION_CONSENT_ENDED':
      return powensError(409, 'connectionLocked', error.message);
    case 'CHALLENGE_FAILED':
      return powensError(400, 'wrongpass', error.message, 'The answer is not correct');
    case 'CHALLENGE_NOT_OPEN':
      return powensError(400, 'invalidValue', error.message);
    case 'RATE_LIMITED':
      return powensError(429, 'rateLimiting', error.message);
    default:
      return error.status >= 500
        ? powensError(500, 'bug', 'An unexpected error occurred')
        : powensError(error.status, 'invalidValue', error.message);
  }
}

/** The renderer of the facade (the request id is the X-Request-Id header). */
export const renderPowensError = (error: AppError): VendorError => render(error);
