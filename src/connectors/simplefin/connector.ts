// The SimpleFIN connector (US and Canadian banks through the SimpleFIN Bridge). The end user's
// Setup Token is claimed once for an Access URL, which lives only in the session the engine seals;
// every refresh then reads Account Sets, 90 days at a time.
//
// Login: with no Access URL yet, claim the token and return at once. The token is spent by then,
// and the engine keeps a session only from a login that succeeds, so nothing may fail after the
// claim: the first Account Set is read by the first product (an error there that concerns the
// whole connection still fails the refresh, the Access URL already kept). With an Access URL,
// login reads the newest window, so a revoked access (403), a payment due (402), gen.auth or a set
// in which nothing could be read fail the login itself. That window is kept beside the session
// object login returns (the engine hands the same object to extract): accounts and the newest
// transactions cost no second request.
//
// Partial failure: a bank connection in error (con.auth: the end user must sign in to their bank at
// the Bridge again) or an account skipped (act.failed, act.missingdata) does not stop the others.
// The products are extracted with what could be read, then end with product_unavailable (as a
// section of a bank's website that is down): the engine keeps the records (the data API serves them
// with allow_partial=true), leaves the connection ok and, the product being unfinished, does not
// take the unread accounts' pending movements for vanished. Only when no account at all could be
// read does the refresh fail (action_needed for con.auth, institution_down otherwise).

import type { NormalizedRecord } from '../../domain/records.ts';
import type { Logger } from '../../logger.ts';
import {
  type Connector,
  ConnectorError,
  type ExtractInput,
  type InstitutionDefinition,
  type LoginInput,
  type LoginResult,
  type SessionState,
} from '../connector.ts';
import { claimAccessUrl, fetchAccountSet } from './api.ts';
import { type Problem, problemError } from './errors.ts';
import {
  accountRecord,
  MAX_WINDOWS,
  newestWindow,
  olderWindows,
  type ReadSet,
  readAccountSet,
  transactionRecords,
  type Window,
} from './transform.ts';
import type { UrlPolicy } from './url-policy.ts';

export const SIMPLEFIN_INSTITUTION = 'ins_simplefin';

export const simplefinInstitution: InstitutionDefinition = {
  id: SIMPLEFIN_INSTITUTION,
  name: 'SimpleFIN Bridge',
  country: 'US',
  kind: 'bank',
  products: ['accounts', 'transactions'],
  fields: [
    {
      name: 'setup_token',
      label: { en: 'SimpleFIN Setup Token', es: 'Setup Token de SimpleFIN' },
      type: 'text',
      required: true,
      // Base64 (either alphabet), as the Bridge shows it; surrounding spaces from a paste are fine.
      validation: '^\\s*[A-Za-z0-9+/_-]{16,4096}={0,2}\\s*$',
    },
  ],
  mfa: [],
  alwaysManualRefresh: false,
  description: {
    en:
      'US and Canadian banks and cards through the SimpleFIN Bridge (bridge.simplefin.org, paid by the end user): ' +
      'link your banks there, create a Setup Token for this app and paste it here. A token works once.',
    es:
      'Bancos y tarjetas de EE. UU. y Canadá a través de SimpleFIN Bridge (bridge.simplefin.org, de pago para el usuario): ' +
      'enlaza allí tus bancos, crea un Setup Token para esta aplicación y pégalo aquí. Cada token sirve una vez.',
  },
  cif: null,
  url: 'https://bridge.simplefin.org',
  primaryColor: '#1f6feb',
};

export interface SimpleFinOptions {
  readonly policy: UrlPolicy;
  /** Where skipped accounts and the server's warnings are told (never the Access URL). */
  readonly logger: Logger;
}

/** A window as read. */
interface WindowRead {
  readonly window: Window;
  readonly read: ReadSet;
}

const accessUrlOf = (session: SessionState) =>
  typeof session.accessUrl === 'string' && session.accessUrl !== '' ? session.accessUrl : undefined;

const dateOf = (seconds: number) => new Date(seconds * 1000).toISOString();

export function createSimpleFinConnector(options: SimpleFinOptions): Connector {
  const { policy, logger } = options;
  /** The newest window login read, by the session object it returned. */
  const newestOf = new WeakMap<SessionState, WindowRead>();

  /** Reads one window; logs what the server said and what is skipped; throws on gen.auth. */
  async function readWindow(accessUrl: string, window: Window, now: Date): Promise<WindowRead> {
    const set = await fetchAccountSet(
      accessUrl,
      { startDate: window.start, endDate: window.end },
      policy,
      now,
    );
    const read = readAccountSet(set);
    const range = { start: dateOf(window.start), end: dateOf(window.end) };
    for (const notice of read.errors.notices)
      logger.warn({ ...range, code: notice.code, detail: notice.message }, 'SimpleFIN server message');
    for (const problem of read.problems)
      logger.warn(
        {
          ...range,
          code: problem.bridgeCode,
          conn_id: problem.connId,
          account_id: problem.accountId,
          detail: problem.message,
        },
        problem.accountId ? 'SimpleFIN account skipped' : 'SimpleFIN connection could not be read',
      );
    if (read.errors.fatal) throw read.errors.fatal;
    return { window, read };
  }

  /** Nothing could be read at all: the whole refresh fails. */
  function assertReadable(read: ReadSet): void {
    if (read.accounts.length > 0) return;
    if (read.problems.length > 0) throw problemError(read.problems, true);
    if (read.errors.generalFailure)
      throw new ConnectorError(
        'institution_down',
        `The SimpleFIN server failed: ${read.errors.notices.map((n) => n.message).join('; ')}.`,
      );
  }

  async function newest(input: ExtractInput, accessUrl: string): Promise<WindowRead> {
    let read = newestOf.get(input.session);
    if (!read) {
      read = await readWindow(accessUrl, newestWindow(input.now), input.now);
      // The first refresh's login only claimed: the next product of this refresh reuses this read.
      newestOf.set(input.session, read);
    }
    assertReadable(read.read);
    return read;
  }

  async function login(input: LoginInput): Promise<LoginResult> {
    const accessUrl = accessUrlOf(input.session);
    if (!accessUrl) {
      const claimed = await claimAccessUrl(input.credentials.setup_token ?? '', policy, input.now);
      return { status: 'ok', session: { accessUrl: claimed } };
    }
    const session: SessionState = { accessUrl };
    const read = await readWindow(accessUrl, newestWindow(input.now), input.now);
    assertReadable(read.read);
    newestOf.set(session, read);
    return { status: 'ok', session };
  }

  async function* extract(input: ExtractInput): AsyncIterable<readonly NormalizedRecord[]> {
    if (!simplefinInstitution.products.includes(input.product))
      throw new ConnectorError(
        'product_unavailable',
        `The SimpleFIN Bridge does not offer ${input.product}.`,
      );
    const accessUrl = accessUrlOf(input.session);
    if (!accessUrl)
      throw new ConnectorError(
        'credentials_invalid',
        'No SimpleFIN Access URL is kept for this connection: connect again with a new Setup Token.',
      );
    const first = await newest(input, accessUrl);
    const problems: Problem[] = [...first.read.problems];
    if (input.product === 'accounts') {
      const accounts = first.read.accounts.map(accountRecord);
      if (accounts.length > 0) yield accounts;
    } else {
      // The accounts are the newest window's: transactions of an account it no longer lists are left out.
      const listed = new Set(first.read.accounts.map((a) => a.key));
      const sinceDate = input.since.toISOString().slice(0, 10);
      const today = input.now.toISOString().slice(0, 10);
      // A row listed by two windows (the bank moved its posting time across an edge) is handed on once.
      const seen = new Set<string>();
      const fresh = (records: NormalizedRecord[]) =>
        records.filter((record) => {
          if (seen.has(record.naturalKey)) return false;
          seen.add(record.naturalKey);
          return true;
        });
      const windows = olderWindows(first.window, input.since);
      if (windows.length === MAX_WINDOWS - 1 && windows[0]!.start > Math.floor(input.since.getTime() / 1000))
        logger.info(
          { from: dateOf(windows[0]!.start), asked: input.since.toISOString() },
          `SimpleFIN history read back to ${MAX_WINDOWS} windows of 90 days only`,
        );
      // Oldest first, each window's records handed on as they arrive; the newest (already read) last.
      for (const window of windows) {
        const { read } = await readWindow(accessUrl, window, input.now);
        problems.push(...read.problems);
        const batch = fresh(
          read.accounts
            .filter((a) => listed.has(a.key))
            .flatMap((a) => transactionRecords(a, sinceDate, today)),
        );
        if (batch.length > 0) yield batch;
      }
      const latest = fresh(first.read.accounts.flatMap((a) => transactionRecords(a, sinceDate, today)));
      if (latest.length > 0) yield latest;
    }
    if (problems.length > 0) throw problemError(problems, false);
  }

  return {
    id: 'simplefin',
    institutions: [simplefinInstitution],
    // The Bridge expects 24 requests a day at most per Access URL and warns at about 48; a refresh
    // makes one per 90-day window (9 for the longest history): four refreshes stay under the warning.
    readBudget: { perDay: 4, unattendedOnly: false },
    login,
    extract,
  };
}
