// The Enable Banking connector: European banks through PSD2, by redirect consent.
//
// Login. Without a consent, `POST /auth` asks the bank for one valid as long as the bank allows
// (at most the configured days) and returns a redirect challenge: the end user leaves the hosted
// Connect page for the bank and comes back through Tesoro's callback with a `code`, which
// `POST /sessions` exchanges for a session and its accounts. With a consent, `GET /sessions/{id}`
// says whether it is still AUTHORIZED; one that expired or was revoked is `consent_expired` — and
// when the end user is there (Connect in update mode), a new consent is asked at once: its
// accounts come back with new uids but the same identification hashes, so every Tesoro id stays.
//
// Extract. Balances and transactions per account, transactions paged by `continuation_key`. PSD2
// lets an app read an account at most four times a day without its user (`readBudget`: the
// engine counts and does not run a fifth refresh): while the end user is present their address
// and browser go with every call (both or none, never made up), which lifts that cap; a 429
// ASPSP_RATE_LIMIT_EXCEEDED is `rate_limited` with the bank's retry time, never a silent success. A history the bank refuses (WRONG_TRANSACTIONS_PERIOD: more than 90 days after
// the consent's first hour, or beyond the bank's own depth) is read again from as far back as the
// bank says it allows.
import type { Product } from '../../domain/products.ts';
import type { NormalizedRecord } from '../../domain/records.ts';
import {
  type Connector,
  ConnectorError,
  type ExtractInput,
  type InstitutionDefinition,
  type LoginInput,
  type LoginResult,
  type SessionState,
  type UserPresent,
} from '../connector.ts';
import { EnableBankingClient, EnableBankingError, type PsuHeaders, toConnectorError } from './client.ts';
import { type Aspsp, enableBankingProducts, institutionIdOf, institutionsOf } from './institutions.ts';
import {
  type EbBalance,
  type EbTransaction,
  MovementMapper,
  productsOf,
  type SessionAccount,
  toAccountRecord,
} from './map.ts';

export interface EnableBankingOptions {
  applicationId: string;
  privateKeyPem: string;
  apiUrl: string;
  /** Only these countries' banks (ISO codes, upper case); none: every country. */
  countries: readonly string[];
  /** The consent asked for, in days; the bank's maximum wins when shorter. */
  consentDays: number;
}

interface EbSession extends SessionState {
  /** Waiting for the end user at the bank. */
  authorization_id?: string;
  session_id?: string;
  valid_until?: string;
  accounts?: SessionAccount[];
}

/** How long the end user has to consent at the bank (Enable Banking's codes expire soon after). */
const CONSENT_WAIT_SECONDS = 15 * 60;
const DAY_MS = 86_400_000;
const CONSENT_MARGIN_MS = 10 * 60_000;
/** After the consent's first hour, banks give at most 90 days of history. */
const SHORT_HISTORY_DAYS = 89;

const psuOf = (present: UserPresent | undefined): PsuHeaders | undefined =>
  present?.ip && present.userAgent ? { ip: present.ip, userAgent: present.userAgent } : undefined;

/** When the consent ends, as Enable Banking confirmed it (`access.valid_until`). */
function expiryOf(session: EbSession): { consentExpiresAt?: Date } {
  const until = session.valid_until ? new Date(session.valid_until) : undefined;
  return until && !Number.isNaN(until.getTime()) ? { consentExpiresAt: until } : {};
}

/**
 * Where a refused history may start: as many days back as the bank's refusal says it allows
 * ("… more than 90 days in the past", the day itself counted), else 89 days, never before what
 * was asked.
 */
function earliestAllowed(error: EnableBankingError, now: Date, asked: Date): Date {
  const text = `${error.message} ${JSON.stringify(error.detail ?? '')}`;
  const days = Number(/more than (\d+) days/.exec(text)?.[1] ?? SHORT_HISTORY_DAYS + 1);
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return new Date(Math.max(asked.getTime(), today - (days - 1) * DAY_MS));
}

export class EnableBankingConnector implements Connector {
  readonly id = 'enable_banking';
  /** PSD2 (RTS art. 36(5)): four reads a day of an account without its user; with them, no cap. */
  readonly readBudget = { perDay: 4, unattendedOnly: true };
  institutions: readonly InstitutionDefinition[] = [];
  readonly #client: EnableBankingClient;
  readonly #options: EnableBankingOptions;
  readonly #aspsps = new Map<string, Aspsp>();

  constructor(options: EnableBankingOptions) {
    this.#options = options;
    this.#client = new EnableBankingClient(options);
  }

  /** Enable Banking's bank list (read at start and once a day); a country list narrows it. */
  async listInstitutions(): Promise<readonly InstitutionDefinition[]> {
    const countries = this.#options.countries.length > 0 ? this.#options.countries : [undefined];
    const aspsps: Aspsp[] = [];
    for (const country of countries) {
      const answer = await this.#client
        .request<{ aspsps: Aspsp[] }>('GET', '/aspsps', {
          now: new Date(),
          query: { country, psu_type: 'personal', service: 'AIS' },
        })
        .catch((error: unknown) => {
          throw new Error(`Enable Banking's bank list could not be read: ${(error as Error).message}`);
        });
      aspsps.push(...answer.aspsps);
    }
    const institutions = institutionsOf(aspsps);
    // What a consent asks Enable Banking for: the bank's name and country, and its maximum validity.
    // A bank listed twice counts once (the first, as institutionsOf); one gone from the list stays.
    const listed = new Map<string, Aspsp>();
    for (const aspsp of aspsps)
      if (!listed.has(institutionIdOf(aspsp))) listed.set(institutionIdOf(aspsp), aspsp);
    for (const [id, aspsp] of listed) this.#aspsps.set(id, aspsp);
    this.institutions = institutions;
    return institutions;
  }

  #aspspOf(institutionId: string): Aspsp {
    const aspsp = this.#aspsps.get(institutionId);
    if (!aspsp)
      throw new ConnectorError('institution_down', `Enable Banking lists no bank ${institutionId}.`);
    return aspsp;
  }

  async login(input: LoginInput): Promise<LoginResult> {
    try {
      return await this.#login(input);
    } catch (error) {
      throw toConnectorError(error);
    }
  }

  async #login(input: LoginInput): Promise<LoginResult> {
    const session = input.session as EbSession;
    if (input.answers) return this.#finishConsent(input);
    if (session.session_id) {
      const status = await this.#sessionStatus(session.session_id, input.now);
      if (status === 'AUTHORIZED') return { status: 'ok', session, ...expiryOf(session) };
      // A consent that ended: the end user, if here, consents again; otherwise they must come back.
      if (!input.userPresent)
        throw new ConnectorError(
          'consent_expired',
          `The consent given at the bank has ended (${status}); the end user must consent again.`,
        );
    }
    return this.#askConsent(input);
  }

  async #sessionStatus(sessionId: string, now: Date): Promise<string> {
    try {
      const answer = await this.#client.request<{ status: string }>('GET', `/sessions/${sessionId}`, { now });
      return answer.status;
    } catch (error) {
      if (error instanceof EnableBankingError && error.code === 'SESSION_DOES_NOT_EXIST') return 'CLOSED';
      throw error;
    }
  }

  async #askConsent(input: LoginInput): Promise<LoginResult> {
    if (!input.redirect)
      throw new ConnectorError('action_needed', 'This bank needs the end user to consent on its website.');
    const aspsp = this.#aspspOf(input.institutionId);
    // Just inside the bank's maximum: Enable Banking refuses a validity that reaches it exactly.
    const maximumMs = (aspsp.maximum_consent_validity ?? 90 * 86_400) * 1000 - CONSENT_MARGIN_MS;
    const validUntil = new Date(
      input.now.getTime() + Math.min(this.#options.consentDays * DAY_MS, maximumMs),
    );
    const answer = await this.#client.request<{ url: string; authorization_id: string }>('POST', '/auth', {
      now: input.now,
      body: {
        access: { valid_until: validUntil.toISOString(), balances: true, transactions: true },
        aspsp: { name: aspsp.name, country: aspsp.country },
        state: input.redirect.state,
        redirect_url: input.redirect.callbackUrl,
        psu_type: 'personal',
      },
      ...(psuOf(input.userPresent) ? { psu: psuOf(input.userPresent)! } : {}),
    });
    return {
      status: 'challenge',
      challenge: {
        type: 'redirect',
        prompt: {
          en: `Give Tesoro access to your accounts on ${aspsp.name}'s website.`,
          es: `Autoriza a Tesoro a leer tus cuentas en la web de ${aspsp.name}.`,
        },
        fields: [],
        redirectUrl: answer.url,
        expiresInSeconds: CONSENT_WAIT_SECONDS,
      },
      session: { authorization_id: answer.authorization_id },
    };
  }

  /** The bank sent the end user back: a code to exchange for the session, or the refusal. */
  async #finishConsent(input: LoginInput): Promise<LoginResult> {
    const { code, error, error_description: description } = input.answers ?? {};
    // A consent is asked again from the start, never retried: no attempts are left on this one.
    if (!code)
      throw new ConnectorError(
        'challenge_failed',
        `The bank did not give consent (${error ?? 'no code'}${description ? `: ${description}` : ''}).`,
        { attemptsLeft: 0 },
      );
    const answer = await this.#client.request<{
      session_id: string;
      accounts: SessionAccount[];
      access?: { valid_until?: string };
    }>('POST', '/sessions', { now: input.now, body: { code } });
    const consented: EbSession = {
      session_id: answer.session_id,
      valid_until: answer.access?.valid_until,
      accounts: answer.accounts.map((account) => ({
        uid: account.uid,
        identification_hash: account.identification_hash,
        cash_account_type: account.cash_account_type,
        name: account.name ?? null,
        product: account.product ?? null,
        details: account.details ?? null,
        currency: account.currency,
        account_id: account.account_id ?? null,
        credit_limit: account.credit_limit ?? null,
      })),
    };
    return { status: 'ok', session: consented, ...expiryOf(consented) };
  }

  async *extract(input: ExtractInput): AsyncIterable<readonly NormalizedRecord[]> {
    const session = input.session as EbSession;
    if (!session.session_id || !session.accounts)
      throw new ConnectorError('consent_expired', 'There is no consent to read accounts with.');
    const psu = psuOf(input.userPresent);
    const owned = (product: Product) =>
      session.accounts!.filter((account) => {
        const kind = productsOf(account);
        return kind.record === product || kind.movements === product;
      });
    if (!enableBankingProducts.includes(input.product))
      throw new ConnectorError('product_unavailable', `Enable Banking gives no ${input.product}.`);
    // A consent without cards or loans has none: an empty product, not a failed one.
    const accounts = owned(input.product);
    try {
      for (const account of accounts) {
        if (productsOf(account).record === input.product) {
          const { balances } = await this.#client.request<{ balances: EbBalance[] }>(
            'GET',
            `/accounts/${account.uid}/balances`,
            { now: input.now, ...(psu ? { psu } : {}) },
          );
          yield [toAccountRecord(account, balances)];
        } else yield* this.#movements(account, input, psu);
      }
    } catch (error) {
      throw toConnectorError(error);
    }
  }

  async *#movements(
    account: SessionAccount,
    input: ExtractInput,
    psu: PsuHeaders | undefined,
  ): AsyncIterable<readonly NormalizedRecord[]> {
    let from = input.since;
    for (let attempt = 0; ; attempt++) {
      const mapper = new MovementMapper(account, input.now);
      const pages: NormalizedRecord[][] = [];
      try {
        let key: string | undefined;
        do {
          const page = await this.#client.request<{
            transactions: EbTransaction[];
            continuation_key?: string | null;
          }>('GET', `/accounts/${account.uid}/transactions`, {
            now: input.now,
            query: { date_from: from.toISOString().slice(0, 10), continuation_key: key },
            ...(psu ? { psu } : {}),
          });
          pages.push(mapper.map(page.transactions));
          key = page.continuation_key ?? undefined;
        } while (key);
      } catch (error) {
        // A history longer than the bank gives now: as far back as it allows instead, once.
        if (
          error instanceof EnableBankingError &&
          error.code === 'WRONG_TRANSACTIONS_PERIOD' &&
          attempt === 0
        ) {
          from = earliestAllowed(error, input.now, from);
          continue;
        }
        throw error;
      }
      // Yielded once the listing is whole: a retried listing must not have half-stored the first.
      for (const page of pages) if (page.length > 0) yield page;
      return;
    }
  }
}
