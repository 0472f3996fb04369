// The fetch every request of the SDK goes through (openapi-fetch's `fetch` option). It adds the
// bearer token, obtains a new one once when the server says the token expired, and retries a
// 202 OPERATION_PENDING (the data is still being extracted) after the server's Retry-After, within
// the client's limits. Everything else is answered as the server answered it.
import type { TokenSource } from './auth.ts';
import { isProblem, OperationPendingError, TesoroConnectionError } from './errors.ts';

/** How long to keep retrying a 202 OPERATION_PENDING. */
export interface PendingRetryOptions {
  /** Retries at most (default 120). 0 throws OperationPendingError at the first 202. */
  maxRetries?: number;
  /**
   * Milliseconds from the first attempt after which no retry starts (default 600,000: a first
   * extraction of years of history can take minutes).
   */
  timeoutMs?: number;
}

/** Told before each retry: for logs, progress bars and tests. */
export interface RetryEvent {
  reason: 'operation_pending' | 'token_renewed';
  /** The attempt that is about to be sent (2 for the first retry). */
  attempt: number;
  /** How long the SDK waits before sending it. */
  delayMs: number;
  method: string;
  url: string;
  /** The problem answered (OPERATION_PENDING: `refresh_id`, `connection_id`). */
  problem: Record<string, unknown>;
}

export interface TransportOptions {
  fetch: (request: Request) => Promise<Response>;
  tokens: TokenSource | undefined;
  pending: Required<PendingRetryOptions>;
  onRetry?: ((event: RetryEvent) => void) | undefined;
}

export const defaultPendingRetry: Required<PendingRetryOptions> = { maxRetries: 120, timeoutMs: 600_000 };

/** Without Retry-After, a pending answer is retried after this long. */
const DEFAULT_RETRY_AFTER_MS = 2_000;

export interface Transport {
  /** Sends the client's bearer token (unless the request carries an Authorization of its own). */
  authorized: (request: Request) => Promise<Response>;
  /** Sends no token: the public operations (token endpoint, health, the Connect page's own API). */
  anonymous: (request: Request) => Promise<Response>;
}

export function createTransport(options: TransportOptions): Transport {
  return {
    authorized: (request) => send(options, request, true),
    anonymous: (request) => send(options, request, false),
  };
}

async function send(options: TransportOptions, request: Request, withToken: boolean): Promise<Response> {
  const started = Date.now();
  let waitedMs = 0;
  let tokenRenewed = false;
  for (let attempt = 1; ; attempt++) {
    // Each attempt sends a copy: a Request's body can be read only once.
    const outgoing = request.clone();
    const token =
      withToken && options.tokens && !outgoing.headers.has('authorization')
        ? await options.tokens.get()
        : undefined;
    if (token) outgoing.headers.set('authorization', `Bearer ${token}`);
    const response = await fetchOrThrow(options.fetch, outgoing);

    if (token && !tokenRenewed && response.status === 401) {
      const problem = await problemOf(response);
      if (isProblem(problem, 'AUTH_TOKEN_EXPIRED') || isProblem(problem, 'AUTH_TOKEN_INVALID')) {
        if (options.tokens!.invalidate(token)) {
          tokenRenewed = true;
          notify(options, { reason: 'token_renewed', attempt: attempt + 1, delayMs: 0, request, problem });
          continue;
        }
      }
    }

    if (response.status === 202) {
      const problem = await problemOf(response);
      if (isProblem(problem, 'OPERATION_PENDING')) {
        const delayMs = retryAfterMs(response.headers.get('retry-after'));
        const { maxRetries, timeoutMs } = options.pending;
        const outOfTime = Date.now() + delayMs - started > timeoutMs;
        if (attempt > maxRetries || outOfTime)
          throw new OperationPendingError(problem, response, attempt, waitedMs);
        notify(options, { reason: 'operation_pending', attempt: attempt + 1, delayMs, request, problem });
        await sleep(delayMs, request.signal);
        waitedMs += delayMs;
        continue;
      }
    }
    return response;
  }
}

function notify(
  options: TransportOptions,
  event: Omit<RetryEvent, 'method' | 'url'> & { request: Request },
): void {
  const { request, ...rest } = event;
  options.onRetry?.({ ...rest, method: request.method, url: request.url });
}

async function fetchOrThrow(fetch: TransportOptions['fetch'], request: Request): Promise<Response> {
  try {
    return await fetch(request);
  } catch (error) {
    // An abort is the caller's own doing: it stays what it is.
    if (request.signal.aborted) throw error;
    throw new TesoroConnectionError(`${request.method} ${request.url} failed: ${String(error)}`, {
      cause: error,
    });
  }
}

/** The problem document of an answer, read from a copy (the answer itself stays unread), or undefined. */
async function problemOf(response: Response): Promise<Record<string, unknown> | undefined> {
  if (!response.headers.get('content-type')?.includes('json')) return undefined;
  try {
    return (await response.clone().json()) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Retry-After (seconds, or an HTTP date) in milliseconds. */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  if (header === null || header.trim() === '') return DEFAULT_RETRY_AFTER_MS;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? DEFAULT_RETRY_AFTER_MS : Math.max(0, date - now);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
