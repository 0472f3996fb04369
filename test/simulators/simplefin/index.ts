// A local SimpleFIN Bridge (https://www.simplefin.org/protocol.html) for tests: a real HTTP server
// on 127.0.0.1 with the Bridge's root path (/simplefin) and its four endpoints, one-time Setup
// Tokens, Access URLs with Basic credentials, the v2 Account Set (errlist, connections) and the v1
// one, the 90-day cap, the request budget, and the failures a self-hoster meets, chosen per user
// by a scenario. Time is the simulator's own clock, so "later" is a call, never a wait. README.md
// in this folder lists what is reproduced and the choices made where SimpleFIN documents nothing.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Account, accountsOf, BANK, CARD, type Connection, DAY } from './data.ts';

export {
  ACCOUNT_IDS,
  BANK,
  CARD,
  PENDING_COFFEE_ID,
  PENDING_FUEL_ID,
  POINTS_CURRENCY,
  POSTED_FUEL_ID,
} from './data.ts';

/** The failure a scenario brings (`good` has none). */
const failures = [
  'good',
  'partial',
  'reauth',
  'account_failed',
  'payment_due',
  'revoked',
  'throttled',
  'down',
] as const;
type Failure = (typeof failures)[number];

/**
 * The scenarios: each failure from the first request, or, with `_later`, only once the clock has
 * passed the user's creation plus one day (the first refresh works, a later one meets it).
 */
export const scenarios = [...failures, ...failures.filter((f) => f !== 'good').map((f) => `${f}_later`)];

export const WARN_AFTER = 24;
export const BLOCK_AFTER = 96;
const CAP_SECONDS = 90 * DAY;
export const CAPPED_MESSAGE = 'Requested date range exceeds limit of 90 days and was capped.';

interface User {
  failure: Failure;
  later: boolean;
  /** Epoch seconds: the data is anchored here. */
  t0: number;
}

interface Access {
  user: User;
  revoked: boolean;
  /** Sim-clock times (seconds) of its /accounts requests, for the rolling 24-hour budget. */
  hits: number[];
}

export interface SimpleFinRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
}

export interface SimpleFinSimulator {
  /** The server's root, as the Bridge's https://bridge.simplefin.org/simplefin. */
  url: string;
  /** A fresh one-time Setup Token (base64 of `<url>/claim/<token>`) for a new user with that scenario. */
  setupToken(scenario?: string): string;
  clock: { now(): Date; set(d: Date): void; advance(ms: number): void };
  /** Revokes one Access URL (as the user disabling the app at the Bridge), or every one. */
  revoke(accessUrl?: string): void;
  requests: ReadonlyArray<SimpleFinRequest>;
  /** The Access URLs handed out by claims, for tests that check they are never shown. */
  accessUrls: ReadonlyArray<string>;
  close(): Promise<void>;
}

function failureAt(user: User, now: number): Failure {
  return user.later && now < user.t0 + DAY ? 'good' : user.failure;
}

type ErrorEntry = { code: string; msg: string; conn_id?: string; account_id?: string };

/** The v2 Account Set for a request, at `now`. */
function accountSet(user: User, failure: Failure, now: number, query: URLSearchParams, notes: ErrorEntry[]) {
  const errlist: ErrorEntry[] = [...notes];
  let accounts: Account[] = accountsOf(user.t0, now);
  if (failure === 'partial' || failure === 'reauth')
    for (const connection of failure === 'reauth' ? [BANK, CARD] : [CARD])
      errlist.push({
        code: 'con.auth',
        msg: `Authentication failed for ${connection.name}. Sign in again at the Bridge.`,
        conn_id: connection.conn_id,
      });
  // Nothing of a connection whose every login fails can be listed.
  if (failure === 'reauth') accounts = [];
  if (failure === 'account_failed') {
    const savings = accounts.find((a) => a.name === 'High Yield Savings')!;
    savings.transactions = [];
    errlist.push({
      code: 'act.failed',
      msg: 'Failed to get all transactions. Try again later.',
      account_id: savings.id,
    });
  }
  const wanted = query.getAll('account');
  if (wanted.length > 0) accounts = accounts.filter((a) => wanted.includes(a.id));
  // start-date inclusive, end-date exclusive; pending rows (posted 0) go by their transacted_at.
  let end = query.has('end-date') ? Number(query.get('end-date')) : now;
  let start = query.has('start-date') ? Number(query.get('start-date')) : end - CAP_SECONDS;
  if (!Number.isFinite(end)) end = now;
  if (!Number.isFinite(start)) start = end - CAP_SECONDS;
  if (end - start > CAP_SECONDS) {
    start = end - CAP_SECONDS;
    errlist.push({ code: 'gen.api', msg: CAPPED_MESSAGE });
  }
  const withPending = query.get('pending') === '1';
  const balancesOnly = query.get('balances-only') === '1';
  const shown = accounts.map((account) => {
    if (balancesOnly) {
      const { transactions: _transactions, ...rest } = account;
      return rest;
    }
    const transactions = account.transactions
      .filter((t) => {
        if (t.pending)
          return withPending && (t.transacted_at ?? now) >= start && (t.transacted_at ?? now) < end;
        return t.posted >= start && t.posted < end;
      })
      .sort((a, b) => a.posted - b.posted || a.id.localeCompare(b.id));
    return { ...account, transactions };
  });
  return { errlist, accounts: shown };
}

/** v1 clients see the same accounts with an `org` and human strings for errors. */
function v1Of(set: ReturnType<typeof accountSet>, connections: Connection[]) {
  const byId = new Map(connections.map((c) => [c.conn_id, c]));
  return {
    errors: set.errlist.map((e) =>
      e.code.startsWith('con.')
        ? `Connection to ${byId.get(e.conn_id!)?.org_name} may need attention`
        : e.msg,
    ),
    accounts: set.accounts.map(({ conn_id, ...account }) => {
      const connection = byId.get(conn_id)!;
      return {
        org: {
          domain: new URL(connection.org_url).hostname,
          name: connection.org_name,
          'sfin-url': connection.sfin_url,
          url: connection.org_url,
          id: connection.org_id,
        },
        ...account,
      };
    }),
  };
}

export async function startSimpleFinSimulator(options: { now?: Date } = {}): Promise<SimpleFinSimulator> {
  let clock = (options.now ?? new Date()).getTime();
  const nowSeconds = () => Math.floor(clock / 1000);
  const tokens = new Map<string, { user: User; claimed: boolean }>();
  const accesses = new Map<string, Access>();
  const requests: SimpleFinRequest[] = [];
  const accessUrls: string[] = [];
  let root = '';

  const newToken = (scenario: string) => {
    if (!scenarios.includes(scenario)) throw new Error(`Unknown SimpleFIN scenario ${scenario}`);
    const later = scenario.endsWith('_later');
    const user: User = {
      failure: (later ? scenario.slice(0, -'_later'.length) : scenario) as Failure,
      later,
      t0: nowSeconds(),
    };
    const token = randomBytes(16).toString('hex');
    tokens.set(token, { user, claimed: false });
    return Buffer.from(`${root}/claim/${token}`).toString('base64');
  };

  const handle = async (request: http.IncomingMessage, response: http.ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://simulator');
    // The claim's body is empty; whatever came is read and ignored.
    for await (const _chunk of request);
    const reply = (status: number, body: string, headers: Record<string, string> = {}) => {
      requests.push({
        method: request.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(
          [...new Set(url.searchParams.keys())].map((k) => [k, url.searchParams.getAll(k).join(',')]),
        ),
        status,
      });
      response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
      response.end(body);
    };
    const json = (status: number, body: unknown) =>
      reply(status, JSON.stringify(body), { 'content-type': 'application/json' });
    const path = url.pathname.replace(/^\/simplefin/, '');

    if (request.method === 'GET' && path === '/info') return json(200, { versions: ['1.0', '2.0'] });
    if (request.method === 'GET' && path === '/create') {
      const scenario = url.searchParams.get('scenario') ?? 'good';
      if (!scenarios.includes(scenario)) return reply(404, 'Unknown scenario');
      const token = newToken(scenario);
      return reply(
        200,
        `<!doctype html><title>SimpleFIN Bridge (simulator)</title><p>Copy this Setup Token into the app:</p><pre>${token}</pre>`,
        { 'content-type': 'text/html; charset=utf-8' },
      );
    }
    const claim = /^\/claim\/([^/]+)$/.exec(path);
    if (claim) {
      if (request.method !== 'POST') return reply(405, 'Method Not Allowed');
      const entry = tokens.get(claim[1]!);
      // Unknown or already claimed: the same 403, as the protocol says.
      if (!entry || entry.claimed) return reply(403, 'Forbidden');
      entry.claimed = true;
      const user = randomBytes(12).toString('hex');
      const password = randomBytes(24).toString('hex');
      accesses.set(`${user}:${password}`, { user: entry.user, revoked: false, hits: [] });
      const accessUrl = `${root.replace('://', `://${user}:${password}@`)}`;
      accessUrls.push(accessUrl);
      return reply(200, accessUrl);
    }
    if (path === '/accounts' && request.method === 'GET') {
      const header = request.headers.authorization ?? '';
      const basic = /^Basic\s+(.+)$/i.exec(header);
      const access = basic ? accesses.get(Buffer.from(basic[1]!, 'base64').toString('utf8')) : undefined;
      if (!access || access.revoked) return reply(403, 'Forbidden');
      const now = nowSeconds();
      access.hits = access.hits.filter((t) => t > now - DAY);
      access.hits.push(now);
      const count = access.hits.length;
      if (count > BLOCK_AFTER)
        return json(403, {
          errlist: [
            {
              code: 'gen.auth',
              msg: `Access blocked: ${count} requests in 24 hours (more than ${BLOCK_AFTER}).`,
            },
          ],
          connections: [],
          accounts: [],
        });
      const failure = failureAt(access.user, now);
      if (failure === 'revoked') return reply(403, 'Forbidden');
      if (failure === 'payment_due') return reply(402, 'Payment Required');
      if (failure === 'throttled') return reply(429, 'Too Many Requests', { 'retry-after': '3600' });
      if (failure === 'down') return reply(503, 'Service Unavailable');
      const notes: ErrorEntry[] =
        count > WARN_AFTER
          ? [
              {
                code: 'gen.api',
                msg: `${count} requests in 24 hours: please make ${WARN_AFTER} or fewer a day.`,
              },
            ]
          : [];
      const set = accountSet(access.user, failure, now, url.searchParams, notes);
      const connections = [BANK, CARD];
      if (url.searchParams.get('version') === '2') return json(200, { ...set, connections });
      return json(200, v1Of(set, connections));
    }
    return reply(404, 'Not Found');
  };

  const server = http.createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500);
      response.end(String(error));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  root = `http://127.0.0.1:${(server.address() as AddressInfo).port}/simplefin`;

  return {
    url: root,
    setupToken: (scenario = 'good') => newToken(scenario),
    clock: {
      now: () => new Date(clock),
      set: (d) => {
        clock = d.getTime();
      },
      advance: (ms) => {
        clock += ms;
      },
    },
    revoke(accessUrl) {
      if (accessUrl === undefined) {
        for (const access of accesses.values()) access.revoked = true;
        return;
      }
      const url = new URL(accessUrl);
      const access = accesses.get(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`);
      if (access) access.revoked = true;
    },
    requests,
    accessUrls,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
