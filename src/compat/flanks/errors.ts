// Native errors → Flanks' error envelope: `{"error": "<text>"}` with Flanks' status codes, and for
// the aggregation answers the named codes Flanks returns "among the other fields" (PROCESSING
// 20002, INCOMPLETE 20001, CREDENTIALS_ERROR 50002). The mapping is docs/compat/flanks.md's.
import type { AppError } from '../../domain/errors.ts';
import { pathText } from '../../domain/errors.ts';
import { VendorAnswer, type VendorError } from '../shared/errors.ts';

const answer = (status: number, body: Record<string, unknown>): VendorError => ({ status, body });

/** Flanks' own answers that no native error says. */
export const flanksAnswers = {
  invalidToken: () =>
    new VendorAnswer('NOT_FOUND', answer(400, { error: 'Invalid credentials_token', code: 40001 })),
  invalid: (field: string) =>
    new VendorAnswer('VALIDATION_FAILED', answer(400, { error: `Invalid ${field}` })),
  missing: (fields: string[]) =>
    new VendorAnswer('VALIDATION_FAILED', answer(400, { error: `Missing fields: ${fields.join(', ')}` })),
  notFound: (what: string) =>
    new VendorAnswer(
      'NOT_FOUND',
      answer(400, { error: `An application with this name does not exist: ${what}` }),
    ),
};

/** The fields a validation failure names, as the client wrote them (`credentials_token`, `query.amount`). */
function fieldNames(error: AppError, detail?: string): string[] {
  const fields = (error.fields ?? []).filter((field) => detail === undefined || field.detail === detail);
  return [...new Set(fields.map((field) => pathText(field.path)).filter(Boolean))];
}

export function renderFlanksError(error: AppError): VendorError {
  switch (error.code) {
    case 'VALIDATION_FAILED': {
      const missing = fieldNames(error, 'is required');
      if (missing.length > 0) return answer(400, { error: `Missing fields: ${missing.join(', ')}` });
      // Flanks names the top-level field: `Invalid query`, whatever part of the query is wrong.
      const first = error.fields?.[0]?.path[0];
      return answer(400, { error: `Invalid ${first ?? 'body'}` });
    }
    case 'MALFORMED_BODY':
    case 'JWE_INVALID':
    case 'UNSUPPORTED_MEDIA_TYPE':
      return answer(400, { error: 'Invalid body' });
    case 'MALFORMED_REQUEST':
    case 'URI_TOO_LONG':
      return answer(error.status, { error: 'Invalid request' });
    case 'PAYLOAD_TOO_LARGE':
      return answer(413, { error: 'Invalid body' });
    case 'AUTH_TOKEN_MISSING':
      return answer(401, { error: 'Not authenticated' });
    case 'AUTH_TOKEN_INVALID':
    case 'AUTH_TOKEN_EXPIRED':
      return answer(401, { error: 'Invalid credentials' });
    case 'AUTH_INVALID_CLIENT':
    case 'AUTH_UNSUPPORTED_GRANT_TYPE':
    case 'AUTH_INVALID_SCOPE':
    case 'AUTH_INSUFFICIENT_SCOPE':
      return answer(403, { error: 'access_denied' });
    case 'NOT_FOUND':
      return answer(400, { error: 'Invalid credentials_token', code: 40001 });
    case 'OPERATION_PENDING':
      return answer(202, { error: 'PROCESSING', code: 20002, message: error.message });
    case 'PRODUCT_EXTRACTION_FAILED':
      return answer(409, { error: 'INCOMPLETE', code: 20001, message: error.message });
    case 'CONNECTION_LOGIN_FAILED':
      return answer(409, { error: 'CREDENTIALS_ERROR', code: 50002, message: error.message });
    case 'CONNECTION_DUPLICATE':
      return answer(409, { error: 'CREDENTIALS_ALREADY_EXIST', message: error.message });
    case 'CONNECT_CODE_INVALID':
      return answer(400, { error: 'Invalid code' });
    case 'METHOD_NOT_ALLOWED':
      return answer(405, { error: 'Method not allowed' });
    case 'ROUTE_NOT_FOUND':
      return answer(404, { error: 'Not found' });
    case 'RATE_LIMITED':
      return answer(429, { error: 'Too many requests' });
    default:
      return error.status >= 500
        ? answer(500, { error: 'Internal Error' })
        : answer(error.status, { error: error.message });
  }
}
