// SimpleFIN's errors in Tesoro's vocabulary: the HTTP statuses of /accounts and the claim, and the
// v2 `errlist` codes of an Account Set (`prefix.subcode`; an unknown subcode is read as its bare
// prefix, as the protocol asks). What each one does:
//   gen.auth            the server refuses the access as a whole → consent_expired
//   gen.api, gen.       said to the developer or in general → logged; no account at all → institution_down
//   con.auth            a bank connection needs the end user at the Bridge (action_needed if it
//                       leaves nothing readable, else the products are partial: problemError)
//   con.                a bank connection failed (institution_down if nothing is readable, else partial)
//   act.failed, act.missingdata, act.   the account is skipped (its data is missing or incomplete)
// Messages from the server are shown to people (status_detail, logs), so they are sanitised.
import { ConnectorError } from '../connector.ts';

/** What could not be read, and the code a refresh that read nothing else reports it with. */
export interface Problem {
  readonly code: 'action_needed' | 'institution_down';
  /** The server's code as it sent it (`con.auth`, `act.failed`, …). */
  readonly bridgeCode: string;
  readonly message: string;
  readonly connId?: string;
  readonly accountId?: string;
}

export interface Classified {
  /** The whole Account Set is refused (gen.auth). */
  readonly fatal: ConnectorError | null;
  /** con.* errors by conn_id. */
  readonly connections: ReadonlyMap<string, Problem>;
  /** act.* errors by account id: those accounts are skipped. */
  readonly accounts: ReadonlyMap<string, Problem>;
  /** con.* or act.* errors that name no connection or account: they concern the whole set. */
  readonly general: readonly Problem[];
  /** Errors only logged (gen.api, gen., unknown prefixes, v1 strings). */
  readonly notices: readonly { code: string; message: string }[];
  /** A general error (gen.) was reported: with no account at all, the set is a failure. */
  readonly generalFailure: boolean;
}

/** A server's text as it may be shown: one line, no control characters, at most 300 characters. */
export function sanitize(text: unknown): string {
  const line = String(text ?? '')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

const KNOWN_CODES = new Set([
  'gen.',
  'gen.api',
  'gen.auth',
  'con.',
  'con.auth',
  'act.',
  'act.failed',
  'act.missingdata',
]);

/** The code as it is handled: itself when known, else its bare prefix (`con.mfa` → `con.`), else null. */
export function knownCode(code: string): string | null {
  if (KNOWN_CODES.has(code)) return code;
  const prefix = `${code.split('.')[0]}.`;
  return KNOWN_CODES.has(prefix) ? prefix : null;
}

const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

/** Reads a v2 `errlist` (and the deprecated v1 `errors` strings, which are only logged). */
export function classifyErrors(errlist: unknown, errors?: unknown): Classified {
  let fatal: ConnectorError | null = null;
  const connections = new Map<string, Problem>();
  const accounts = new Map<string, Problem>();
  const general: Problem[] = [];
  const notices: { code: string; message: string }[] = [];
  let generalFailure = false;
  for (const entry of Array.isArray(errlist) ? errlist : []) {
    const item = (entry ?? {}) as Record<string, unknown>;
    const given = text(item.code) ?? '';
    // The protocol's table says `msg`; one of its own samples says `message`.
    const message = sanitize(item.msg ?? item.message ?? given);
    const connId = text(item.conn_id);
    const accountId = text(item.account_id);
    const code = knownCode(given);
    if (code === 'gen.auth') {
      fatal ??= new ConnectorError(
        'consent_expired',
        `The SimpleFIN server refused the access (gen.auth: ${message}). Create a new Setup Token at the Bridge and update the connection's credentials.`,
      );
    } else if (code?.startsWith('con.') || code?.startsWith('act.')) {
      const problem: Problem = {
        code: code === 'con.auth' ? 'action_needed' : 'institution_down',
        bridgeCode: given,
        message,
        ...(connId ? { connId } : {}),
        ...(accountId ? { accountId } : {}),
      };
      if (code.startsWith('con.') && connId) connections.set(connId, problem);
      else if (code.startsWith('act.') && accountId) accounts.set(accountId, problem);
      else general.push(problem);
    } else {
      if (code === 'gen.') generalFailure = true;
      notices.push({ code: given || 'unknown', message });
    }
  }
  for (const line of Array.isArray(errors) ? errors : [])
    notices.push({ code: 'errors', message: sanitize(line) });
  return { fatal, connections, accounts, general, notices, generalFailure };
}

/**
 * The error for what the server could not read. Nothing read at all: the connection's error
 * (action_needed when a bank needs the end user at the Bridge, institution_down otherwise), which
 * fails the refresh. Only some of it: the product's error, product_unavailable (as a section of a
 * bank's website that is down), which the engine keeps on that product alone: the connection stays
 * ok, what was read stays stored, and the unread accounts' pending movements are not removed.
 */
export function problemError(problems: readonly Problem[], nothingRead: boolean): ConnectorError {
  const needsUser = problems.some((p) => p.code === 'action_needed');
  const code = !nothingRead ? 'product_unavailable' : needsUser ? 'action_needed' : 'institution_down';
  const messages = [...new Set(problems.map((p) => `${p.bridgeCode}: ${p.message}`))];
  const what = nothingRead
    ? 'The SimpleFIN Bridge could not read any account'
    : 'The SimpleFIN Bridge could not read every account (the others are stored)';
  const hint = needsUser ? ' Sign in to the bank again at the SimpleFIN Bridge.' : '';
  return new ConnectorError(code, sanitize(`${what}: ${messages.join('; ') || 'no detail given'}.${hint}`));
}

/** Retry-After as seconds (a number of seconds, or an HTTP date), if given and sensible. */
export function retryAfterSeconds(header: string | string[] | undefined, now: Date): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Math.max(1, Number(value));
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(1, Math.ceil((at - now.getTime()) / 1000));
}

/** What a server's answer body says, for a message: the errlist's texts, or a short plain text. */
export function bodyText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { errlist?: Array<{ msg?: unknown; message?: unknown }> };
    const texts = (parsed.errlist ?? []).map((e) => sanitize(e.msg ?? e.message)).filter(Boolean);
    if (texts.length > 0) return texts.join('; ');
  } catch {
    // Not JSON: a plain text or an HTML page.
  }
  const plain = sanitize(body);
  return plain.startsWith('<') ? '' : plain.slice(0, 200);
}

/** The error for an /accounts answer that is not 200 (`host` names the server). */
export function accountsStatusError(
  status: number,
  body: string,
  headers: Record<string, string | string[] | undefined>,
  host: string,
  now: Date,
): ConnectorError {
  const said = bodyText(body);
  const detail = said ? `: ${said}` : '';
  if (status === 401 || status === 403)
    return new ConnectorError(
      'consent_expired',
      `The SimpleFIN server ${host} refused the Access URL (HTTP ${status}${detail}): the access was revoked at the Bridge (or blocked after too many requests). Create a new Setup Token at the Bridge and update the connection's credentials.`,
    );
  if (status === 402)
    return new ConnectorError(
      'action_needed',
      `The SimpleFIN server ${host} asks for payment (HTTP 402${detail}): the subscription at the Bridge is due.`,
    );
  if (status === 429) {
    const seconds = retryAfterSeconds(headers['retry-after'], now);
    return new ConnectorError(
      'rate_limited',
      `The SimpleFIN server ${host} refuses more requests for now (HTTP 429${detail}); it expects 24 or fewer a day.`,
      seconds === undefined ? {} : { retryAfterSeconds: seconds },
    );
  }
  if (status >= 500)
    return new ConnectorError(
      'institution_down',
      `The SimpleFIN server ${host} is failing (HTTP ${status}${detail}).`,
    );
  return new ConnectorError('unknown', `The SimpleFIN server ${host} answered HTTP ${status}${detail}.`);
}
