// SimpleFIN over HTTP, transport only: claiming a Setup Token (`POST /claim/:token`) and reading
// an Account Set (`GET /accounts`, HTTP Basic with the credentials inside the Access URL). Every
// URL passes the policy (url-policy.ts) before it is requested, and the addresses its host
// resolves to are checked as the socket connects (the webhooks' guarded lookup), so nothing is
// sent to a host the operator did not allow. Redirects are followed only within the same origin
// (scheme, host and port): the Access URL's password never follows one elsewhere. node:http is
// used rather than fetch because fetch cannot be given that lookup. The Access URL is never put in
// a message or a log line.
import http from 'node:http';
import https from 'node:https';
import sjson from 'secure-json-parse';
import { guardedLookup, WebhookAddressError } from '../../webhooks/address-guard.ts';
import { ConnectorError } from '../connector.ts';
import { accountsStatusError, bodyText, retryAfterSeconds } from './errors.ts';
import { hostOf, refusedUrlReason, type UrlPolicy } from './url-policy.ts';

/** The Bridge gathers from banks while it answers: slow, but a minute is already a failure. */
const TIMEOUT_MS = 60_000;
/** Ninety days of every account is a few megabytes; anything much larger is not an Account Set. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;
const MAX_REDIRECTS = 3;
const USER_AGENT = 'Tesoro (SimpleFIN client)';

class RefusedUrlError extends Error {
  override name = 'RefusedUrlError';
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function send(method: 'GET' | 'POST', url: URL, policy: UrlPolicy, headers: Record<string, string>) {
  return new Promise<Answer>((resolve, reject) => {
    const transport = url.protocol === 'https:' ? https : http;
    const request = transport.request(
      {
        protocol: url.protocol,
        hostname: hostOf(url),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method,
        headers,
        lookup: guardedLookup({ allowPrivate: policy.allowLoopback }),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) request.destroy(new Error('the answer is too large'));
          else chunks.push(chunk);
        });
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    request.setTimeout(TIMEOUT_MS, () => request.destroy(new Error(`no answer in ${TIMEOUT_MS / 1000} s`)));
    request.on('error', reject);
    request.end();
  });
}

/** One request, with same-origin redirects followed; throws RefusedUrlError before any refused hop. */
async function request(method: 'GET' | 'POST', target: URL, policy: UrlPolicy, authorization?: string) {
  let url = target;
  let verb = method;
  for (let hop = 0; ; hop++) {
    const reason = refusedUrlReason(url, policy);
    if (reason) throw new RefusedUrlError(reason);
    const headers: Record<string, string> = {
      accept: 'application/json, text/plain;q=0.9',
      'user-agent': USER_AGENT,
      ...(authorization ? { authorization } : {}),
      // The claim is a POST with an empty body.
      ...(verb === 'POST' ? { 'content-length': '0' } : {}),
    };
    let answer: Answer;
    try {
      answer = await send(verb, url, policy, headers);
    } catch (error) {
      if (error instanceof WebhookAddressError)
        throw new RefusedUrlError(`${hostOf(url)} resolves to a refused address (${error.message})`);
      throw error;
    }
    const location = answer.headers.location;
    if (answer.status < 300 || answer.status > 399 || !location || hop === MAX_REDIRECTS) return answer;
    const next = new URL(location, url);
    if (next.origin !== url.origin)
      throw new RefusedUrlError(`${hostOf(url)} redirects to ${hostOf(next)}, which is not followed`);
    // As browsers do: 303, and 301/302 after a POST, continue with a GET.
    if (answer.status === 303 || (verb === 'POST' && (answer.status === 301 || answer.status === 302)))
      verb = 'GET';
    url = next;
  }
}

/** A request whose refusal or silence is already in the vocabulary. */
async function call(
  what: string,
  method: 'GET' | 'POST',
  url: URL,
  policy: UrlPolicy,
  authorization?: string,
) {
  try {
    return await request(method, url, policy, authorization);
  } catch (error) {
    if (error instanceof RefusedUrlError)
      throw new ConnectorError('credentials_invalid', `${what}: ${error.message}.`);
    throw new ConnectorError(
      'institution_down',
      `${what}: the SimpleFIN server ${hostOf(url)} did not answer (${(error as Error).message}).`,
    );
  }
}

const notASetupToken = () =>
  new ConnectorError(
    'credentials_invalid',
    'This is not a SimpleFIN Setup Token: paste the text the SimpleFIN Bridge shows when you create one for Tesoro.',
  );

/** The claim URL a Setup Token stands for (the token is base64 of it). */
export function claimUrlOf(setupToken: string): URL {
  const decoded = Buffer.from(setupToken.replace(/\s+/g, ''), 'base64').toString('utf8').trim();
  let url: URL;
  try {
    url = new URL(decoded);
  } catch {
    throw notASetupToken();
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw notASetupToken();
  // Userinfo in a claim URL would only be sent by mistake: the claim needs none.
  url.username = '';
  url.password = '';
  return url;
}

/** Checks an Access URL (`https://user:pass@host/path`) against the policy; returns it as text. */
export function checkAccessUrl(text: string, policy: UrlPolicy): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConnectorError(
      'institution_down',
      'The SimpleFIN server answered the claim with something that is not an Access URL.',
    );
  }
  if (!url.username || !url.password || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    throw new ConnectorError(
      'institution_down',
      'The SimpleFIN server answered the claim with an Access URL that carries no credentials.',
    );
  const reason = refusedUrlReason(url, policy);
  if (reason)
    throw new ConnectorError('credentials_invalid', `The SimpleFIN Access URL is refused: ${reason}.`);
  return url;
}

/**
 * Claims a Setup Token: one POST, after which the token is spent. Answers the Access URL. A 403
 * means the token was claimed already (by Tesoro earlier, or by someone else) or never existed;
 * SimpleFIN asks apps to warn that it may be compromised.
 */
export async function claimAccessUrl(setupToken: string, policy: UrlPolicy, now: Date): Promise<string> {
  const claimUrl = claimUrlOf(setupToken);
  const answer = await call('The Setup Token cannot be claimed', 'POST', claimUrl, policy);
  if (answer.status === 403 || answer.status === 404)
    throw new ConnectorError(
      'credentials_invalid',
      `The SimpleFIN Setup Token was already claimed or is unknown to ${hostOf(claimUrl)} (HTTP ${answer.status}). ` +
        'If you did not just use it elsewhere, it may be compromised: disable it at the SimpleFIN Bridge and create a new one.',
    );
  if (answer.status === 429) {
    const seconds = retryAfterSeconds(answer.headers['retry-after'], now);
    throw new ConnectorError(
      'rate_limited',
      `${hostOf(claimUrl)} refuses more requests for now (HTTP 429).`,
      seconds === undefined ? {} : { retryAfterSeconds: seconds },
    );
  }
  if (answer.status !== 200) {
    const said = bodyText(answer.body);
    throw new ConnectorError(
      answer.status >= 500 ? 'institution_down' : 'unknown',
      `${hostOf(claimUrl)} answered the claim with HTTP ${answer.status}${said ? `: ${said}` : ''}.`,
    );
  }
  const text = answer.body.trim();
  checkAccessUrl(text, policy);
  return text;
}

export interface AccountsQuery {
  /** Epoch seconds, inclusive. */
  readonly startDate: number;
  /** Epoch seconds, exclusive. */
  readonly endDate: number;
}

/** `GET {access}/accounts?version=2&pending=1&start-date&end-date`: the Account Set as parsed JSON. */
export async function fetchAccountSet(
  accessUrl: string,
  query: AccountsQuery,
  policy: UrlPolicy,
  now: Date,
): Promise<Record<string, unknown>> {
  let access: URL;
  try {
    access = new URL(accessUrl);
  } catch {
    throw new ConnectorError(
      'credentials_invalid',
      'The stored SimpleFIN Access URL is not valid: connect again with a new Setup Token.',
    );
  }
  const user = decodeURIComponent(access.username);
  const password = decodeURIComponent(access.password);
  const url = new URL(access.href);
  url.username = '';
  url.password = '';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/accounts`;
  url.search = '';
  url.searchParams.set('version', '2');
  url.searchParams.set('pending', '1');
  url.searchParams.set('start-date', String(query.startDate));
  url.searchParams.set('end-date', String(query.endDate));
  const authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const answer = await call('The accounts cannot be read', 'GET', url, policy, authorization);
  if (answer.status !== 200)
    throw accountsStatusError(answer.status, answer.body, answer.headers, hostOf(url), now);
  let parsed: unknown;
  try {
    parsed = sjson.parse(answer.body, undefined, { protoAction: 'remove', constructorAction: 'remove' });
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== 'object' || !Array.isArray((parsed as { accounts?: unknown }).accounts))
    throw new ConnectorError(
      'institution_down',
      `The SimpleFIN server ${hostOf(url)} answered with something that is not an Account Set.`,
    );
  return parsed as Record<string, unknown>;
}
