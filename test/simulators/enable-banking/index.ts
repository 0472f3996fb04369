// A local stand-in for Enable Banking's AIS API (https://enablebanking.com/docs/api/reference/):
// a real HTTP server on loopback with Enable Banking's JWT authentication, its consent flow (with
// a small bank page to approve or deny), sessions and their lifecycle on a simulated clock,
// accounts, balances and paged transactions, the PSD2 unattended-access quota, and its
// ErrorResponse bodies. Tests cannot reach the real API, so the connector is built and tested
// against this; README.md beside this file says what is reproduced and what was chosen where
// Enable Banking documents nothing.
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import { type AddressInfo, isIP } from 'node:net';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import {
  type BankContext,
  balancesAfter,
  freshTransactionId,
  positionalReferences,
  type RowView,
  renderBalances,
  renderTransaction,
  stableTransactionId,
  visibleRows,
} from './bank.ts';
import {
  type AccountTemplate,
  type AspspScenario,
  buildScenarios,
  DAY_MS,
  epochDay,
  isoDay,
} from './scenarios.ts';

export interface EnableBankingSimulator {
  /** Base URL, e.g. http://127.0.0.1:40123 (the connector's API base URL setting). */
  readonly url: string;
  /** The application id registered with the simulator: the JWT `kid`. */
  readonly applicationId: string;
  /** The application's RSA private key, PKCS#8 PEM, generated at start (what the operator would download). */
  readonly privateKeyPem: string;
  /** The simulated clock every expiry, quota and date uses. */
  readonly clock: { now(): Date; set(date: Date): void; advance(ms: number): void };
  /** Every API request received (not the consent page), for asserting headers and quotas. */
  readonly requests: ReadonlyArray<{
    method: string;
    path: string;
    query: Record<string, string>;
    headers: Record<string, string>;
    status: number;
    at: Date;
  }>;
  /** The PSU revokes the consent at the bank: the session becomes REVOKED. */
  revoke(sessionId: string): void;
  /**
   * The next `count` API calls whose path starts with `pathPrefix` fail with this upstream fault
   * (ASPSP_RATE_LIMIT_EXCEEDED: a bank that counts reads its own way, with a one-hour Retry-After).
   */
  failNext(pathPrefix: string, fault: Fault, count?: number): void;
  /** Authorizes a consent as the PSU would on the bank's page; returns the callback URL the browser is sent to. */
  approve(consentUrl: string): Promise<string>;
  /** Refuses it (callback with error=access_denied). */
  deny(consentUrl: string): Promise<string>;
  close(): Promise<void>;
}

export interface EnableBankingSimulatorOptions {
  /** The application's registered redirect URLs; default ['https://tesoro.example/connect/callback/enable_banking']. Others → REDIRECT_URI_NOT_ALLOWED. Also accepts any http://127.0.0.1:* or http://localhost:* URL when `allowLoopbackRedirects` is true (tests that run Tesoro on loopback). */
  redirectUrls?: string[];
  allowLoopbackRedirects?: boolean;
  /** Transactions per page (default 50). */
  pageSize?: number;
  /** Start of the simulated clock (default: real now). */
  now?: Date;
}

const ISSUER = 'enablebanking.com';
const AUDIENCE = 'api.enablebanking.com';
const MAX_TOKEN_TTL_SECONDS = 86_400;
const CODE_TTL_MS = 10 * 60_000;
/** PSD2 RTS art. 36(5): four unattended accesses per account and endpoint in a rolling 24 hours. */
const QUOTA_LIMIT = 4;
const QUOTA_WINDOW_MS = DAY_MS;
const QUOTA_FREE_AFTER_AUTHORIZATION_MS = 3_600_000;
const CONTINUATION_GRACE_MS = 60_000;
const DEFAULT_WINDOW_DAYS = 90;
const PSU_HEADERS = [
  'Psu-Ip-Address',
  'Psu-User-Agent',
  'Psu-Referer',
  'Psu-Accept',
  'Psu-Accept-Charset',
  'Psu-Accept-Encoding',
  'Psu-Accept-language',
  'Psu-Geo-Location',
];
const REQUIRED_PSU_HEADERS = ['Psu-Ip-Address', 'Psu-User-Agent'];
const TRANSACTION_STATUSES = ['BOOK', 'CNCL', 'HOLD', 'OTHR', 'PDNG', 'RJCT', 'SCHD'];

// Enable Banking's ErrorResponse.message is the ErrorCode's description in its API reference
// (e.g. "Redirect URI not allowed", "Wrong transactions period requested" in real answers).
const MESSAGES: Record<string, string> = {
  ACCESS_DENIED: 'Access to this resource is denied. Check services available for your application.',
  ACCOUNT_DOES_NOT_EXIST: 'No account found matching provided id',
  ALREADY_AUTHORIZED: 'Session is already authorized',
  ASPSP_ERROR: 'Error interacting with ASPSP',
  ASPSP_RATE_LIMIT_EXCEEDED: 'ASPSP Rate limit exceeded',
  ASPSP_TIMEOUT: 'Timeout interacting with ASPSP',
  AUTHORIZATION_NOT_PROVIDED: 'Authorization header is not provided',
  CLOSED_SESSION: 'Session is closed',
  DATE_FROM_IN_FUTURE: 'date_from can not be in the future',
  DATE_TO_WITHOUT_DATE_FROM: 'date_from must be provided if date_to provided',
  EXPIRED_AUTHORIZATION_CODE: 'Authorization code is expired',
  EXPIRED_SESSION: 'Session is expired',
  PSU_HEADER_INVALID: 'Provided PSU header contains invalid value',
  PSU_HEADER_NOT_PROVIDED: 'Required PSU header is not provided',
  REDIRECT_URI_NOT_ALLOWED: 'Redirect URI not allowed',
  REVOKED_SESSION: 'Session is revoked',
  SESSION_DOES_NOT_EXIST: 'No session found matching provided id',
  TRANSACTION_DOES_NOT_EXIST: 'No transaction found matching provided id',
  UNAUTHORIZED_ACCESS: 'Unauthorized access',
  WRONG_ASPSP_PROVIDED: 'Wrong ASPSP name provided',
  WRONG_AUTHORIZATION_CODE: 'Wrong authorization code provided',
  WRONG_CONTINUATION_KEY: 'Wrong continuation key provided',
  WRONG_DATE_INTERVAL: 'date_from should be less than or equal date_to',
  WRONG_REQUEST_PARAMETERS: 'Wrong request parameters provided',
  WRONG_TRANSACTIONS_PERIOD: 'Wrong transactions period requested',
};

class ApiError extends Error {
  readonly status: number;
  readonly code: string | null;
  readonly detail: unknown;
  readonly headers: Record<string, string>;
  constructor(status: number, code: string | null, detail: unknown = null, message?: string, headers = {}) {
    super(message ?? (code && MESSAGES[code]) ?? code ?? 'Error');
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.headers = headers;
  }
}

/** An answer with Enable Banking's ErrorResponse body, in the field order its API sends. */
function errorBody(status: number, code: string | null, message: string, detail: unknown) {
  return { code: status, message, error: code, detail };
}

/** Enable Banking writes timestamps the way Python's isoformat does: microseconds and +00:00. */
function pyIso(date: Date): string {
  return date.toISOString().replace('Z', '000+00:00');
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
function parseDay(value: string, name: string): number {
  const ms = Date.parse(`${value}T00:00:00Z`);
  if (!DATE_RE.test(value) || Number.isNaN(ms) || isoDay(epochDay(ms)) !== value)
    throw new ApiError(422, 'WRONG_REQUEST_PARAMETERS', `${name} must be a date in YYYY-MM-DD format`);
  return epochDay(ms);
}

function camelHeader(name: string): string {
  const [first = '', ...rest] = name.toLowerCase().split('-');
  return first + rest.map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

interface Authorization {
  id: string;
  aspsp: AspspScenario;
  state: string;
  redirectUrl: string;
  validUntil: Date;
  access: Record<string, unknown>;
  psuType: string;
  psuIdHash: string;
  created: Date;
  accounts: AccountTemplate[];
  balances: boolean;
  transactions: boolean;
  decision?: 'approved' | 'denied';
  code?: string;
  codeIssuedAt?: number;
  session?: Session;
}

interface Session {
  id: string;
  authorization: Authorization;
  authorized: Date;
  closed?: Date;
  revoked?: Date;
  accounts: SessionAccount[];
}

interface SessionAccount {
  uid: string;
  session: Session;
  template: AccountTemplate;
  positional: Map<string, string>;
  balanceAfter: Map<string, number>;
  /** transaction_id → row key, for the bank whose ids change on every fetch. */
  issuedIds: Map<string, string>;
}

interface Listing {
  uid: string;
  /** The parameters of the first page; continuation pages must repeat them. */
  signature: string;
  pages: Record<string, unknown>[][];
  firstPageAt: number;
}

type Kind = 'details' | 'balances' | 'transactions';
type Fault = 'ASPSP_TIMEOUT' | 'ASPSP_ERROR' | 'NON_JSON_502' | 'ASPSP_RATE_LIMIT_EXCEEDED';

export async function startEnableBankingSimulator(
  options: EnableBankingSimulatorOptions = {},
): Promise<EnableBankingSimulator> {
  const redirectUrls = options.redirectUrls ?? ['https://tesoro.example/connect/callback/enable_banking'];
  const allowLoopback = options.allowLoopbackRedirects ?? false;
  const pageSize = options.pageSize ?? 50;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new Error('pageSize must be a positive integer');
  let nowMs = (options.now ?? new Date()).getTime();
  const anchorMs = nowMs;
  const anchorDay = epochDay(anchorMs);
  const clock = {
    now: () => new Date(nowMs),
    set: (date: Date) => {
      nowMs = date.getTime();
    },
    advance: (ms: number) => {
      nowMs += ms;
    },
  };

  // The operator's key pair, as Enable Banking's Control Panel has the operator create it.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const verificationKey: KeyObject = publicKey;
  const applicationId = randomUUID();

  const aspsps = buildScenarios(anchorMs);
  const authorizations = new Map<string, Authorization>();
  const byCode = new Map<string, Authorization>();
  const sessions = new Map<string, Session>();
  const accountsByUid = new Map<string, SessionAccount>();
  const listings = new Map<string, { listing: Listing; page: number }>();
  const quota = new Map<string, number[]>();
  const faults: Array<{ prefix: string; fault: Fault; remaining: number }> = [];
  const requests: Array<EnableBankingSimulator['requests'][number]> = [];
  let baseUrl = '';

  // --- authentication -------------------------------------------------------------------------

  async function authenticate(header: string | undefined): Promise<void> {
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!match?.[1]) throw new ApiError(401, 'AUTHORIZATION_NOT_PROVIDED');
    const token = match[1];
    const refuse = (detail: string) => new ApiError(401, 'UNAUTHORIZED_ACCESS', detail);
    let protectedHeader: ReturnType<typeof decodeProtectedHeader>;
    try {
      protectedHeader = decodeProtectedHeader(token);
    } catch {
      throw refuse('Malformed JWT');
    }
    if (protectedHeader.alg !== 'RS256') throw refuse('Only RS256 is supported');
    if (String(protectedHeader.typ ?? '').toUpperCase() !== 'JWT') throw refuse('JWT header typ must be JWT');
    if (!protectedHeader.kid) throw refuse('JWT header has no kid');
    if (protectedHeader.kid !== applicationId) throw refuse('Unknown application id (kid)');
    let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
    try {
      ({ payload } = await jwtVerify(token, verificationKey, {
        algorithms: ['RS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        requiredClaims: ['iat', 'exp'],
        currentDate: clock.now(),
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw refuse('JWT is expired');
      if (error instanceof joseErrors.JWSSignatureVerificationFailed) throw refuse('Invalid JWT signature');
      if (error instanceof joseErrors.JWTClaimValidationFailed) {
        if (error.claim === 'iss') throw refuse(`JWT iss must be ${ISSUER}`);
        if (error.claim === 'aud') throw refuse(`JWT aud must be ${AUDIENCE}`);
        if (error.claim === 'nbf') throw refuse('JWT is not valid yet');
        throw refuse('JWT iat and exp are required');
      }
      throw refuse('Malformed JWT');
    }
    if ((payload.exp as number) - (payload.iat as number) > MAX_TOKEN_TTL_SECONDS)
      throw refuse(`JWT time-to-live exceeds ${MAX_TOKEN_TTL_SECONDS} seconds`);
  }

  // --- shapes ---------------------------------------------------------------------------------

  function aspspData(aspsp: AspspScenario) {
    return {
      name: aspsp.name,
      country: aspsp.country,
      logo: `${baseUrl}/brands/${aspsp.country}/${encodeURIComponent(aspsp.name)}/`,
      psu_types: aspsp.psuTypes,
      auth_methods: aspsp.psuTypes.map((psuType) => ({
        name: `${psuType}_redirect`,
        title: 'Online banking',
        psu_type: psuType,
        credentials: [],
        approach: 'REDIRECT',
        hidden_method: false,
      })),
      maximum_consent_validity: aspsp.maximumConsentValidity,
      sandbox: null,
      beta: false,
      bic: aspsp.bic,
      required_psu_headers: REQUIRED_PSU_HEADERS,
      payments: [],
      group: null,
    };
  }

  function accountResource(account: SessionAccount) {
    const { template } = account;
    return {
      ...template.resource,
      uid: account.uid,
      identification_hash: template.identificationHash,
      identification_hashes: template.identificationHashes,
    };
  }

  function sessionStatus(session: Session): string {
    if (session.closed) return 'CLOSED';
    if (session.revoked) return 'REVOKED';
    if (nowMs >= session.authorization.validUntil.getTime()) return 'EXPIRED';
    return 'AUTHORIZED';
  }

  function authorizationStatus(authorization: Authorization): string {
    if (authorization.decision === 'denied') return 'CANCELLED';
    if (authorization.decision !== 'approved') return 'PENDING_AUTHORIZATION';
    if (nowMs - (authorization.codeIssuedAt ?? 0) >= CODE_TTL_MS) return 'INVALID';
    return 'RETURNED_FROM_BANK';
  }

  function sessionView(authorization: Authorization, session?: Session) {
    return {
      status: session ? sessionStatus(session) : authorizationStatus(authorization),
      accounts: session ? session.accounts.map((a) => a.uid) : [],
      accounts_data: session
        ? session.accounts.map((a) => ({
            uid: a.uid,
            identification_hash: a.template.identificationHash,
            identification_hashes: a.template.identificationHashes,
          }))
        : [],
      aspsp: { name: authorization.aspsp.name, country: authorization.aspsp.country },
      psu_type: authorization.psuType,
      psu_id_hash: authorization.psuIdHash,
      access: authorization.access,
      created: pyIso(authorization.created),
      authorized: session ? pyIso(session.authorized) : null,
      closed: session?.closed ? pyIso(session.closed) : null,
    };
  }

  // --- PSU headers and the PSD2 quota ----------------------------------------------------------

  /** true when the PSU is present (all required PSU headers); throws on a partial set. */
  function psuPresent(headers: http.IncomingHttpHeaders): boolean {
    const value = (name: string) => {
      const raw = headers[name.toLowerCase()];
      return (Array.isArray(raw) ? raw[0] : raw)?.trim() ?? '';
    };
    if (!PSU_HEADERS.some((name) => value(name) !== '')) return false;
    const missing = REQUIRED_PSU_HEADERS.find((name) => value(name) === '');
    if (missing)
      throw new ApiError(
        400,
        'PSU_HEADER_NOT_PROVIDED',
        `PSU header ${camelHeader(missing)} is not provided`,
      );
    if (isIP(value('Psu-Ip-Address')) === 0)
      throw new ApiError(400, 'PSU_HEADER_INVALID', 'PSU header psuIpAddress contains invalid value');
    const geo = value('Psu-Geo-Location');
    if (geo !== '' && !/^-?\d{1,3}(\.\d+)?,-?\d{1,3}(\.\d+)?$/.test(geo))
      throw new ApiError(400, 'PSU_HEADER_INVALID', 'PSU header psuGeoLocation contains invalid value');
    return true;
  }

  /** Counts one unattended access, or refuses it with 429 when four were made in the last 24 h. */
  function spendQuota(account: SessionAccount, kind: Kind, present: boolean, listing?: Listing): void {
    if (present) return;
    if (nowMs - account.session.authorized.getTime() < QUOTA_FREE_AFTER_AUTHORIZATION_MS) return;
    if (listing && nowMs - listing.firstPageAt <= CONTINUATION_GRACE_MS) return;
    const key = `${account.uid}|${kind}`;
    const counted = (quota.get(key) ?? []).filter((at) => at > nowMs - QUOTA_WINDOW_MS);
    quota.set(key, counted);
    if (counted.length >= QUOTA_LIMIT) {
      const oldest = Math.min(...counted);
      const retryAfter = Math.ceil((oldest + QUOTA_WINDOW_MS - nowMs) / 1000);
      throw new ApiError(
        429,
        'ASPSP_RATE_LIMIT_EXCEEDED',
        {
          message: `The ASPSP allows ${QUOTA_LIMIT} accesses per 24 hours to ${kind} of this account without the PSU present`,
          retry_after: retryAfter,
        },
        undefined,
        { 'retry-after': String(retryAfter) },
      );
    }
    counted.push(nowMs);
  }

  // --- accounts -------------------------------------------------------------------------------

  function accountFor(uid: string): SessionAccount {
    const account = accountsByUid.get(uid);
    if (!account) throw new ApiError(404, 'ACCOUNT_DOES_NOT_EXIST');
    const status = sessionStatus(account.session);
    if (status === 'CLOSED') throw new ApiError(401, 'CLOSED_SESSION');
    if (status === 'REVOKED') throw new ApiError(401, 'REVOKED_SESSION');
    if (status === 'EXPIRED') throw new ApiError(401, 'EXPIRED_SESSION');
    return account;
  }

  function bankContext(account: SessionAccount): BankContext {
    return {
      aspsp: account.session.authorization.aspsp,
      account: account.template,
      positional: account.positional,
      today: epochDay(nowMs),
    };
  }

  function render(account: SessionAccount, view: RowView, id?: string) {
    const context = bankContext(account);
    let transactionId = id;
    if (!transactionId) {
      if (context.aspsp.transactionIdPerFetch) {
        transactionId = freshTransactionId();
        account.issuedIds.set(transactionId, view.row.key);
      } else transactionId = stableTransactionId(context, view);
    }
    const balanceAfter =
      context.aspsp.balanceAfterTransaction && view.status === 'BOOK'
        ? account.balanceAfter.get(view.row.key)
        : undefined;
    return renderTransaction(context, view, transactionId, balanceAfter);
  }

  function listTransactions(account: SessionAccount, query: Record<string, string>, present: boolean) {
    const signature = JSON.stringify([
      query.date_from,
      query.date_to,
      query.transaction_status,
      query.strategy,
    ]);
    const key = query.continuation_key;
    if (key !== undefined) {
      const entry = listings.get(key);
      if (!entry || entry.listing.uid !== account.uid || entry.listing.signature !== signature)
        throw new ApiError(422, 'WRONG_CONTINUATION_KEY');
      spendQuota(account, 'transactions', present, entry.listing);
      return page(entry.listing, entry.page);
    }
    const strategy = query.strategy ?? 'default';
    if (strategy !== 'default' && strategy !== 'longest')
      throw new ApiError(422, 'WRONG_REQUEST_PARAMETERS', 'strategy must be one of default, longest');
    const status = query.transaction_status;
    if (status !== undefined && !TRANSACTION_STATUSES.includes(status))
      throw new ApiError(
        422,
        'WRONG_REQUEST_PARAMETERS',
        `transaction_status must be one of ${TRANSACTION_STATUSES.join(', ')}`,
      );
    const today = epochDay(nowMs);
    const dateFrom = query.date_from === undefined ? undefined : parseDay(query.date_from, 'date_from');
    const dateTo = query.date_to === undefined ? undefined : parseDay(query.date_to, 'date_to');
    if (dateTo !== undefined && dateFrom === undefined) throw new ApiError(422, 'DATE_TO_WITHOUT_DATE_FROM');
    if (dateFrom !== undefined && dateFrom > today) throw new ApiError(422, 'DATE_FROM_IN_FUTURE');
    const aspsp = account.session.authorization.aspsp;
    const fullHistory = nowMs - account.session.authorized.getTime() < aspsp.fullHistoryWindowMs;
    const allowedDays = fullHistory ? aspsp.fullHistoryDays : aspsp.historyDays;
    const earliest = today - (allowedDays - 1);
    let from: number;
    let to: number;
    if (strategy === 'longest') {
      // "Tries to find the longest possible period": date_from is a lower border, date_to is ignored.
      from = Math.max(dateFrom ?? earliest, earliest);
      to = today;
    } else {
      if (dateFrom !== undefined && dateTo !== undefined && dateFrom > dateTo)
        throw new ApiError(422, 'WRONG_DATE_INTERVAL');
      from = dateFrom ?? Math.max(earliest, today - (DEFAULT_WINDOW_DAYS - 1));
      if (from < earliest)
        throw new ApiError(422, 'WRONG_TRANSACTIONS_PERIOD', {
          message: `You can not request transactions more than ${allowedDays} days in the past`,
          date_from: isoDay(from),
        });
      to = Math.min(dateTo ?? today, today);
    }
    spendQuota(account, 'transactions', present);
    const rows = visibleRows(account.template, today).filter(
      (view) => view.day >= from && view.day <= to && (status === undefined || view.status === status),
    );
    const rendered = rows.map((view) => render(account, view));
    const pages: Record<string, unknown>[][] = [];
    for (let i = 0; i < rendered.length; i += pageSize) pages.push(rendered.slice(i, i + pageSize));
    if (pages.length === 0) pages.push([]);
    // Enable Banking warns that a page may be empty yet carry a key; every listing longer than two
    // pages has one such page after its first, so a connector that stops there loses the rest.
    if (pages.length > 2) pages.splice(1, 0, []);
    return page({ uid: account.uid, signature, pages, firstPageAt: nowMs }, 0);
  }

  function page(listing: Listing, index: number) {
    let continuationKey: string | null = null;
    if (index + 1 < listing.pages.length) {
      continuationKey = randomBytes(18).toString('base64url');
      listings.set(continuationKey, { listing, page: index + 1 });
    }
    return { transactions: listing.pages[index] ?? [], continuation_key: continuationKey };
  }

  function transactionDetail(account: SessionAccount, transactionId: string) {
    const context = bankContext(account);
    const views = visibleRows(account.template, context.today);
    if (context.aspsp.transactionIdPerFetch) {
      const rowKey = account.issuedIds.get(transactionId);
      const view = views.find((v) => v.row.key === rowKey);
      if (view) return render(account, view, transactionId);
    } else {
      const view = views.find((v) => stableTransactionId(context, v) === transactionId);
      if (view) return render(account, view);
    }
    throw new ApiError(404, 'TRANSACTION_DOES_NOT_EXIST');
  }

  // --- consent (POST /auth, the bank's page, POST /sessions) -----------------------------------

  function redirectAllowed(url: string): boolean {
    if (redirectUrls.includes(url)) return true;
    if (!allowLoopback) return false;
    try {
      const parsed = new URL(url);
      return (
        parsed.protocol === 'http:' && (parsed.hostname === '127.0.0.1' || parsed.hostname === 'localhost')
      );
    } catch {
      return false;
    }
  }

  function startAuthorization(body: unknown) {
    const wrong = (detail: unknown, message?: string) =>
      new ApiError(422, 'WRONG_REQUEST_PARAMETERS', detail, message);
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw wrong('Request body must be an object');
    const request = body as Record<string, unknown>;
    const access = request.access as Record<string, unknown> | undefined;
    if (typeof access !== 'object' || access === null) throw wrong('access is required');
    if (typeof access.valid_until !== 'string') throw wrong('access.valid_until is required');
    const validUntilMs = Date.parse(access.valid_until);
    if (!/T.*(Z|[+-]\d{2}:?\d{2})$/i.test(access.valid_until) || Number.isNaN(validUntilMs))
      throw wrong('access.valid_until must be an RFC 3339 date-time with a timezone offset');
    const aspspRef = request.aspsp as Record<string, unknown> | undefined;
    if (typeof aspspRef?.name !== 'string' || typeof aspspRef.country !== 'string')
      throw wrong('aspsp.name and aspsp.country are required');
    if (typeof request.state !== 'string') throw wrong('state is required');
    if (typeof request.redirect_url !== 'string') throw wrong('redirect_url is required');
    const aspsp = aspsps.find((a) => a.name === aspspRef.name && a.country === aspspRef.country);
    if (!aspsp) throw new ApiError(422, 'WRONG_ASPSP_PROVIDED');
    const psuType = request.psu_type ?? 'personal';
    if (psuType !== 'personal' && psuType !== 'business')
      throw wrong('psu_type must be personal or business');
    if (!aspsp.psuTypes.includes(psuType)) throw wrong(`ASPSP does not support psu_type ${psuType}`);
    if (request.credentials !== undefined && request.auth_method === undefined)
      throw wrong('credentials can be supplied only if auth_method is specified');
    if (request.auth_method !== undefined && request.auth_method !== `${psuType}_redirect`)
      throw wrong(`Unknown auth_method ${String(request.auth_method)}`);
    if (!redirectAllowed(request.redirect_url)) throw new ApiError(400, 'REDIRECT_URI_NOT_ALLOWED');
    if (validUntilMs <= nowMs) throw wrong('access.valid_until must be in the future');
    if (validUntilMs > nowMs + aspsp.maximumConsentValidity * 1000)
      // The exact words Enable Banking answers with (seen in we-promise/sure#2857).
      throw wrong(
        null,
        `ASPSP does not support consent validity more than ${aspsp.maximumConsentValidity} seconds in the future`,
      );
    let accounts = aspsp.accounts;
    if (access.accounts !== undefined) {
      if (!Array.isArray(access.accounts)) throw wrong('access.accounts must be a list');
      const wanted = access.accounts.map((item) => {
        const id = item as { iban?: unknown; other?: { identification?: unknown } };
        return String(id.iban ?? id.other?.identification ?? '');
      });
      accounts = accounts.filter((account) => account.matchIds.some((id) => wanted.includes(id)));
    }
    const psuId = typeof request.psu_id === 'string' ? request.psu_id : randomUUID();
    const authorization: Authorization = {
      id: randomUUID(),
      aspsp,
      state: request.state,
      redirectUrl: request.redirect_url,
      validUntil: new Date(validUntilMs),
      access: {
        ...(access.accounts === undefined ? {} : { accounts: access.accounts }),
        balances: access.balances ?? true,
        transactions: access.transactions ?? true,
        valid_until: pyIso(new Date(validUntilMs)),
      },
      psuType,
      psuIdHash: createHash('sha256').update(`${applicationId}:${psuId}`).digest('hex'),
      created: clock.now(),
      accounts,
      balances: access.balances !== false,
      transactions: access.transactions !== false,
    };
    authorizations.set(authorization.id, authorization);
    return {
      url: `${baseUrl}/consent/${authorization.id}`,
      authorization_id: authorization.id,
      psu_id_hash: authorization.psuIdHash,
    };
  }

  function createSession(body: unknown) {
    const code = (body as { code?: unknown } | null)?.code;
    if (typeof code !== 'string') throw new ApiError(422, 'WRONG_REQUEST_PARAMETERS', 'code is required');
    const authorization = byCode.get(code);
    if (!authorization) throw new ApiError(422, 'WRONG_AUTHORIZATION_CODE');
    if (authorization.session) throw new ApiError(422, 'ALREADY_AUTHORIZED');
    if (nowMs - (authorization.codeIssuedAt ?? 0) >= CODE_TTL_MS)
      throw new ApiError(422, 'EXPIRED_AUTHORIZATION_CODE');
    const session: Session = { id: randomUUID(), authorization, authorized: clock.now(), accounts: [] };
    for (const template of authorization.accounts) {
      const account: SessionAccount = {
        uid: randomUUID(),
        session,
        template,
        positional: positionalReferences(template),
        balanceAfter: balancesAfter(template, anchorDay),
        issuedIds: new Map(),
      };
      session.accounts.push(account);
      accountsByUid.set(account.uid, account);
    }
    authorization.session = session;
    sessions.set(session.id, session);
    return {
      session_id: session.id,
      accounts: session.accounts.map(accountResource),
      aspsp: { name: authorization.aspsp.name, country: authorization.aspsp.country },
      psu_type: authorization.psuType,
      access: authorization.access,
    };
  }

  function consentPage(authorization: Authorization, action: string): string {
    const name = escapeHtml(authorization.aspsp.name);
    const accounts = authorization.accounts
      .map(
        (a) =>
          `<li>${escapeHtml(String(a.resource.details))} (${escapeHtml(String(a.resource.currency))})</li>`,
      )
      .join('');
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${name} — authorize access</title></head>
<body>
<h1>${name}</h1>
<p>An application asks to read your accounts' details, balances and transactions until ${escapeHtml(
      authorization.validUntil.toISOString().slice(0, 10),
    )}.</p>
<ul>${accounts}</ul>
<form method="post" action="${escapeHtml(action)}">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>
</body></html>`;
  }

  function decide(authorization: Authorization, decision: string): string {
    const callback = new URL(authorization.redirectUrl);
    if (decision === 'approve') {
      const code = randomUUID();
      authorization.decision = 'approved';
      authorization.code = code;
      authorization.codeIssuedAt = nowMs;
      byCode.set(code, authorization);
      callback.searchParams.set('code', code);
    } else {
      authorization.decision = 'denied';
      callback.searchParams.set('error', 'access_denied');
      callback.searchParams.set('error_description', 'Cancelled by user');
    }
    callback.searchParams.set('state', authorization.state);
    return callback.toString();
  }

  // --- HTTP -----------------------------------------------------------------------------------

  function sendJson(response: http.ServerResponse, status: number, body: unknown, headers = {}) {
    const text = JSON.stringify(body);
    response.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    response.end(text);
  }

  function sendHtml(response: http.ServerResponse, status: number, html: string, headers = {}) {
    response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers });
    response.end(html);
  }

  function sendFault(response: http.ServerResponse, fault: Fault) {
    if (fault === 'NON_JSON_502')
      // What a proxy in front of the API answers when its upstream fails: HTML, not JSON.
      return sendHtml(
        response,
        502,
        '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n',
      );
    if (fault === 'ASPSP_RATE_LIMIT_EXCEEDED')
      return sendJson(
        response,
        429,
        errorBody(429, fault, MESSAGES[fault] as string, { retry_after: 3600 }),
        { 'retry-after': '3600' },
      );
    const status = fault === 'ASPSP_TIMEOUT' ? 504 : 502;
    sendJson(response, status, errorBody(status, fault, MESSAGES[fault] as string, null));
  }

  async function readBody(request: http.IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > 1_000_000) throw new ApiError(413, 'WRONG_REQUEST_PARAMETERS', 'Request body too large');
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  function parseJson(text: string): unknown {
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new ApiError(422, 'WRONG_REQUEST_PARAMETERS', 'Request body is not valid JSON');
    }
  }

  async function route(
    method: string,
    path: string,
    query: Record<string, string>,
    request: http.IncomingMessage,
  ): Promise<{ status?: number; body: unknown }> {
    const segments = path.split('/').filter(Boolean);
    const [first, second, third, fourth] = segments;
    const allow = (...methods: string[]) => {
      if (!methods.includes(method)) throw new ApiError(405, null, null, 'Method Not Allowed');
    };
    if (first === 'application' && segments.length === 1) {
      allow('GET');
      return {
        body: {
          name: 'Tesoro (simulated)',
          description: 'Application registered with the Enable Banking simulator',
          kid: applicationId,
          environment: 'PRODUCTION',
          redirect_urls: redirectUrls,
          active: true,
          countries: [...new Set(aspsps.map((a) => a.country))],
          services: ['AIS'],
        },
      };
    }
    if (first === 'aspsps' && segments.length === 1) {
      allow('GET');
      if (query.psu_type !== undefined && query.psu_type !== 'personal' && query.psu_type !== 'business')
        throw new ApiError(422, 'WRONG_REQUEST_PARAMETERS', 'psu_type must be personal or business');
      if (query.service !== undefined && query.service !== 'AIS' && query.service !== 'PIS')
        throw new ApiError(422, 'WRONG_REQUEST_PARAMETERS', 'service must be AIS or PIS');
      const list = aspsps.filter(
        (a) =>
          (query.country === undefined || a.country === query.country.toUpperCase()) &&
          (query.psu_type === undefined || a.psuTypes.includes(query.psu_type as 'personal')) &&
          // These ASPSPs offer account information only: no payments of any type.
          query.service !== 'PIS' &&
          query.payment_type === undefined,
      );
      return { body: { aspsps: list.map(aspspData) } };
    }
    if (first === 'auth' && segments.length === 1) {
      allow('POST');
      return { body: startAuthorization(parseJson(await readBody(request))) };
    }
    if (first === 'sessions' && segments.length === 1) {
      allow('POST');
      return { body: createSession(parseJson(await readBody(request))) };
    }
    if (first === 'sessions' && second && segments.length === 2) {
      allow('GET', 'DELETE');
      const session = sessions.get(second);
      if (method === 'GET') {
        if (session) return { body: sessionView(session.authorization, session) };
        const authorization = authorizations.get(second);
        if (authorization) return { body: sessionView(authorization, authorization.session) };
        throw new ApiError(404, 'SESSION_DOES_NOT_EXIST');
      }
      if (!session) throw new ApiError(404, 'SESSION_DOES_NOT_EXIST');
      psuPresent(request.headers);
      session.closed ??= clock.now();
      return { body: { message: 'OK' } };
    }
    if (first === 'accounts' && second && (segments.length === 3 || segments.length === 4)) {
      allow('GET');
      const account = accountFor(second);
      const present = psuPresent(request.headers);
      if (third === 'details' && segments.length === 3) {
        spendQuota(account, 'details', present);
        return { body: accountResource(account) };
      }
      if (third === 'balances' && segments.length === 3) {
        if (!account.session.authorization.balances)
          throw new ApiError(403, 'ACCESS_DENIED', 'The consent does not include balances');
        spendQuota(account, 'balances', present);
        return { body: { balances: renderBalances(bankContext(account), anchorDay, clock.now()) } };
      }
      if (third === 'transactions') {
        if (!account.session.authorization.transactions)
          throw new ApiError(403, 'ACCESS_DENIED', 'The consent does not include transactions');
        if (segments.length === 3) return { body: listTransactions(account, query, present) };
        const detail = transactionDetail(account, decodeURIComponent(fourth as string));
        spendQuota(account, 'transactions', present);
        return { body: detail };
      }
    }
    throw new ApiError(404, null, null, 'Not Found');
  }

  const server = http.createServer(async (request, response) => {
    const at = clock.now();
    const url = new URL(request.url ?? '/', 'http://simulator');
    const method = request.method ?? 'GET';
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/$/, '') : url.pathname;
    try {
      const consent = /^\/consent\/([^/]+)$/.exec(path);
      if (consent) return await serveConsent(consent[1] as string, method, request, response);
      if (path.startsWith('/brands/')) return serveLogo(path, response);
    } catch (error) {
      return sendHtml(response, 500, `<p>${escapeHtml(String(error))}</p>`);
    }

    const query = Object.fromEntries(url.searchParams);
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [
        name,
        Array.isArray(value) ? value.join(', ') : String(value),
      ]),
    );
    const record = (status: number) => requests.push({ method, path, query, headers, status, at });
    try {
      await authenticate(request.headers.authorization);
      const fault = faults.find((f) => f.remaining > 0 && path.startsWith(f.prefix));
      if (fault) {
        fault.remaining--;
        request.resume();
        sendFault(response, fault.fault);
        return record(response.statusCode);
      }
      const { status = 200, body } = await route(method, path, query, request);
      sendJson(response, status, body);
      record(status);
    } catch (error) {
      request.resume();
      if (error instanceof ApiError) {
        sendJson(
          response,
          error.status,
          errorBody(error.status, error.code, error.message, error.detail),
          error.headers,
        );
        return record(error.status);
      }
      sendJson(response, 500, errorBody(500, null, 'Internal Server Error', String(error)));
      record(500);
    }
  });

  async function serveConsent(
    id: string,
    method: string,
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ) {
    const authorization = authorizations.get(id);
    if (!authorization) return sendHtml(response, 404, '<h1>Unknown authorization</h1>');
    if (authorization.decision)
      return sendHtml(response, 409, '<h1>This authorization has already been completed</h1>');
    if (method === 'GET') return sendHtml(response, 200, consentPage(authorization, `/consent/${id}`));
    if (method !== 'POST') return sendHtml(response, 405, '<h1>Method Not Allowed</h1>');
    const decision = new URLSearchParams(await readBody(request)).get('decision');
    if (decision !== 'approve' && decision !== 'deny')
      return sendHtml(response, 400, '<h1>Choose Approve or Deny</h1>');
    response.writeHead(302, { location: decide(authorization, decision) });
    response.end();
  }

  function serveLogo(path: string, response: http.ServerResponse) {
    const name = decodeURIComponent(path.split('/')[3] ?? '?');
    const initials = name
      .split(/\s+/)
      .map((word) => word.charAt(0))
      .join('')
      .slice(0, 2);
    response.writeHead(200, { 'content-type': 'image/svg+xml' });
    response.end(
      `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" rx="12" fill="#1b4f72"/><text x="32" y="41" font-size="24" text-anchor="middle" fill="#fff" font-family="sans-serif">${escapeHtml(initials)}</text></svg>`,
    );
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;

  async function decideThroughPage(consentUrl: string, decision: 'approve' | 'deny'): Promise<string> {
    const answer = await fetch(consentUrl, {
      method: 'POST',
      body: new URLSearchParams({ decision }),
      redirect: 'manual',
    });
    const location = answer.headers.get('location');
    if (answer.status !== 302 || !location)
      throw new Error(
        `Enable Banking simulator: the consent page answered ${answer.status}: ${await answer.text()}`,
      );
    return location;
  }

  return {
    url: baseUrl,
    applicationId,
    privateKeyPem,
    clock,
    requests,
    revoke(sessionId) {
      const session = sessions.get(sessionId);
      if (!session) throw new Error(`Enable Banking simulator: no session ${sessionId}`);
      session.revoked ??= clock.now();
    },
    failNext(pathPrefix, fault, count = 1) {
      faults.push({ prefix: pathPrefix, fault, remaining: count });
    },
    approve: (consentUrl) => decideThroughPage(consentUrl, 'approve'),
    deny: (consentUrl) => decideThroughPage(consentUrl, 'deny'),
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
