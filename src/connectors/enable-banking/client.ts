// Enable Banking's API (https://enablebanking.com/docs/api/reference/) over fetch. Every call
// carries an application JWT: RS256, `kid` = the application id, issued by "enablebanking.com" for
// "api.enablebanking.com", valid at most 24 hours; it is signed with the clock of the call
// (`now`), so a token is reused for an hour of that clock. Errors are read by their text code
// (`error`), never by the HTTP status: Enable Banking documents any of 400/401/403/404/408/422/
// 429/500 on every operation. A body that is not JSON (a proxy's 502 page) is the bank's outage.
import { importPKCS8, SignJWT } from 'jose';
import { ConnectorError } from '../connector.ts';

export interface EnableBankingSettings {
  applicationId: string;
  privateKeyPem: string;
  apiUrl: string;
}

/** The end user's browser, forwarded only while they are there: all of these headers or none. */
export interface PsuHeaders {
  ip: string;
  userAgent: string;
}

/** An answer of Enable Banking that is not a success, by its documented text code. */
export class EnableBankingError extends Error {
  override name = 'EnableBankingError';
  readonly status: number;
  readonly code: string;
  readonly retryAfterSeconds: number | undefined;
  /** Enable Banking's `detail`, as sent (a refused period explains itself there). */
  readonly detail: unknown;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { retryAfterSeconds?: number | undefined; detail?: unknown } = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.detail = options.detail;
  }
}

const TOKEN_SECONDS = 3600;
const TIMEOUT_MS = 30_000;

export class EnableBankingClient {
  readonly #settings: EnableBankingSettings;
  #key: Awaited<ReturnType<typeof importPKCS8>> | undefined;
  #token: { text: string; iat: number } | undefined;

  constructor(settings: EnableBankingSettings) {
    this.#settings = settings;
  }

  async #jwt(now: Date): Promise<string> {
    const seconds = Math.floor(now.getTime() / 1000);
    if (this.#token && seconds >= this.#token.iat && seconds < this.#token.iat + TOKEN_SECONDS - 300)
      return this.#token.text;
    this.#key ??= await importPKCS8(this.#settings.privateKeyPem, 'RS256');
    const text = await new SignJWT({})
      .setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: this.#settings.applicationId })
      .setIssuer('enablebanking.com')
      .setAudience('api.enablebanking.com')
      .setIssuedAt(seconds)
      .setExpirationTime(seconds + TOKEN_SECONDS)
      .sign(this.#key);
    this.#token = { text, iat: seconds };
    return text;
  }

  async request<T>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    options: { now: Date; query?: Record<string, string | undefined>; body?: unknown; psu?: PsuHeaders },
  ): Promise<T> {
    const url = new URL(path.replace(/^\//, ''), `${this.#settings.apiUrl.replace(/\/$/, '')}/`);
    for (const [name, value] of Object.entries(options.query ?? {}))
      if (value !== undefined) url.searchParams.set(name, value);
    const headers: Record<string, string> = {
      authorization: `Bearer ${await this.#jwt(options.now)}`,
      accept: 'application/json',
    };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.psu) {
      headers['psu-ip-address'] = options.psu.ip;
      headers['psu-user-agent'] = options.psu.userAgent;
    }
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        redirect: 'error',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new ConnectorError(
        'institution_down',
        `Enable Banking could not be reached: ${(error as Error).message}`,
      );
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? {} : JSON.parse(text);
    } catch {
      throw new ConnectorError(
        'institution_down',
        `Enable Banking answered ${response.status} without a JSON body (a proxy or the bank is failing).`,
      );
    }
    if (response.ok) return body as T;
    const problem = body as { error?: string; message?: string; detail?: unknown };
    const retryAfter = Number(response.headers.get('retry-after'));
    throw new EnableBankingError(
      response.status,
      problem.error ?? `HTTP_${response.status}`,
      problem.message ?? `Enable Banking answered ${response.status}`,
      {
        retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
        detail: problem.detail,
      },
    );
  }
}

/** The documented codes that mean the consent is over: the end user must consent again. */
const consentEnded = new Set([
  'EXPIRED_SESSION',
  'REVOKED_SESSION',
  'CLOSED_SESSION',
  'SESSION_DOES_NOT_EXIST',
  'INVALID_ACCOUNT_ID',
  'ACCOUNT_DOES_NOT_EXIST',
]);

/** Enable Banking's error as Tesoro's connector vocabulary (REAL-INSTITUTIONS §7.1's mapping). */
export function toConnectorError(error: unknown): unknown {
  if (!(error instanceof EnableBankingError)) return error;
  const message = `Enable Banking: ${error.message} (${error.code})`;
  if (consentEnded.has(error.code)) return new ConnectorError('consent_expired', message);
  switch (error.code) {
    case 'ASPSP_RATE_LIMIT_EXCEEDED':
      return new ConnectorError(
        'rate_limited',
        message,
        error.retryAfterSeconds ? { retryAfterSeconds: error.retryAfterSeconds } : {},
      );
    case 'ASPSP_ERROR':
    case 'ASPSP_TIMEOUT':
      return new ConnectorError('institution_down', message);
    case 'ASPSP_PSU_ACTION_REQUIRED':
      return new ConnectorError('action_needed', message);
    case 'EXPIRED_AUTHORIZATION_CODE':
    case 'WRONG_AUTHORIZATION_CODE':
    case 'ALREADY_AUTHORIZED':
    case 'NO_ACCOUNTS_ADDED':
      return new ConnectorError('challenge_failed', message);
    case 'ASPSP_ACCOUNT_NOT_ACCESSIBLE':
      return new ConnectorError('product_unavailable', message);
    default:
      // The operator's configuration (a wrong key, an unregistered redirect URL) or a 5xx: not the
      // end user's to fix; `unknown` keeps it retryable and the message says which it was.
      return new ConnectorError(error.status >= 500 ? 'institution_down' : 'unknown', message);
  }
}
