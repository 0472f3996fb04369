// Errors the SDK throws. Every non-2xx answer of the API is an RFC 9457 problem+json with a stable
// `code`; it becomes a TesoroError (a subclass chosen by HTTP status) carrying every member of the
// problem. `code` is typed from the OpenAPI document, so comparing it with a code the API does not
// have is a type error.
import type { components } from './schema.ts';

/** The problem document of an error answer, as the API defines it. */
export type Problem = components['schemas']['Problem'];

/** A code of the API's error catalog (docs/errors.md), e.g. `NOT_FOUND`, `VALIDATION_FAILED`. */
export type ErrorCode = Problem['code'];

/** One bad field of a 400: a JSON pointer into the request (`/body/institution_id`) and what is wrong. */
export interface FieldError {
  pointer: string;
  detail: string;
}

export class TesoroError extends Error {
  /** The HTTP status (202 for OPERATION_PENDING, once the SDK stopped waiting). */
  readonly status: number;
  /**
   * The problem's code; `HTTP_<status>` when the answer was not a problem document (a proxy's error
   * page, say).
   */
  readonly code: ErrorCode | `HTTP_${number}`;
  readonly title: string;
  readonly detail: string;
  /** The problem's type URI. */
  readonly type: string | undefined;
  /** The request id the server logged; quote it when reporting a problem. */
  readonly requestId: string | undefined;
  /** Whether the same request can succeed later (the server's word). */
  readonly retryable: boolean;
  /** The bad fields of a VALIDATION_FAILED. */
  readonly errors: FieldError[];
  /** The whole problem document, extension members included (`attempts_left`, `restart_cursor`, …). */
  readonly problem: Readonly<Record<string, unknown>>;
  /** The answer itself (its body already read). */
  readonly response: Response | undefined;

  constructor(status: number, problem: Record<string, unknown>, response?: Response) {
    const detail = typeof problem.detail === 'string' ? problem.detail : `HTTP ${status}`;
    super(detail);
    this.name = new.target.name;
    this.status = status;
    this.code = isErrorCode(problem.code) ? problem.code : `HTTP_${status}`;
    this.title = typeof problem.title === 'string' ? problem.title : `HTTP ${status}`;
    this.detail = detail;
    this.type = typeof problem.type === 'string' ? problem.type : undefined;
    this.requestId =
      typeof problem.request_id === 'string'
        ? problem.request_id
        : (response?.headers.get('x-request-id') ?? undefined);
    this.retryable = typeof problem.retryable === 'boolean' ? problem.retryable : status >= 500;
    this.errors = Array.isArray(problem.errors) ? (problem.errors as FieldError[]) : [];
    this.problem = problem;
    this.response = response;
  }
}

/** 400, 413, 414, 415, 431: the request itself is wrong (see `errors` for the fields). */
export class InvalidRequestError extends TesoroError {}
/** 401: no token, a bad or expired one, or wrong client credentials. */
export class AuthenticationError extends TesoroError {}
/** 403: the token lacks the scope the operation needs. */
export class PermissionError extends TesoroError {}
/** 404: nothing of this client has that id (another client's ids answer the same). */
export class NotFoundError extends TesoroError {}
/** 409: the resource is in a state that does not allow this (disabled, busy, duplicate, …). */
export class ConflictError extends TesoroError {}
/** 422 and 424: understood, but it cannot be done (a wrong challenge answer, a failed extraction, …). */
export class UnprocessableError extends TesoroError {}
/** 429 RATE_LIMITED: `retryAfterSeconds` says when to try again. */
export class RateLimitError extends TesoroError {
  get retryAfterSeconds(): number | undefined {
    const seconds = Number(this.response?.headers.get('retry-after'));
    return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
  }
}
/** 5xx: the server failed; `retryable` is true. */
export class ServerError extends TesoroError {}

/**
 * 202 OPERATION_PENDING still answered when the SDK stopped retrying (its `pending` limits): the
 * first extraction of the data is still running. `problem.refresh_id` names the refresh.
 */
export class OperationPendingError extends TesoroError {
  /** How many times the request was sent. */
  readonly attempts: number;
  /** How long the SDK waited in all, in milliseconds. */
  readonly waitedMs: number;

  constructor(problem: Record<string, unknown>, response: Response, attempts: number, waitedMs: number) {
    super(202, problem, response);
    this.attempts = attempts;
    this.waitedMs = waitedMs;
  }
}

/** The server could not be reached, or the connection broke before an answer (`cause` says how). */
export class TesoroConnectionError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'TesoroConnectionError';
  }
}

const classByStatus: Record<number, typeof TesoroError> = {
  400: InvalidRequestError,
  401: AuthenticationError,
  403: PermissionError,
  404: NotFoundError,
  405: InvalidRequestError,
  409: ConflictError,
  413: InvalidRequestError,
  414: InvalidRequestError,
  415: InvalidRequestError,
  422: UnprocessableError,
  424: UnprocessableError,
  429: RateLimitError,
  431: InvalidRequestError,
};

/** The error for an answer the API gave; `body` is its parsed JSON, or its text. */
export function errorFromResponse(response: Response, body: unknown): TesoroError {
  const problem = isObject(body) ? body : { detail: typeof body === 'string' && body ? body : undefined };
  const ErrorClass = classByStatus[response.status] ?? (response.status >= 500 ? ServerError : TesoroError);
  return new ErrorClass(response.status, problem, response);
}

/** Whether a parsed body is the problem document of a given code. */
export function isProblem(body: unknown, code: ErrorCode): body is Problem {
  return isObject(body) && body.code === code;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// A code newer than this SDK's document is kept as the server sent it, not replaced by HTTP_<status>.
function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && /^[A-Z][A-Z0-9_]*$/.test(value);
}
