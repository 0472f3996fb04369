// Tesoro's records and views → Flinks' (https://docs.flinks.com), as pure functions: the login,
// banking accounts and credit cards as Flinks accounts with their transactions (Debit/Credit) and
// holder, portfolios as Flinks investment accounts with their positions and transactions, and
// the security challenge of an MFA. Ids become reversible GUIDs (compat/shared/guid.ts), dates
// Flinks' forms, money JSON numbers (null where unknown, never NaN).
//
// Records arrive as the native API serves them (GET /v1/<product>): `id`, `connection_id`, the
// parent's id, every catalog field (null where unknown), money as JSON numbers or decimal text,
// dates as text.
import type { presentConnection } from '../../services/connection-view.ts';
import { maskPan } from '../flanks/map.ts';
import { guidOf } from '../shared/guid.ts';
import {
  type FlinksAccount,
  type FlinksBalance,
  type FlinksHolder,
  type FlinksInvestmentAccount,
  type FlinksInvestmentTransaction,
  type FlinksLink,
  type FlinksLogin,
  type FlinksPosition,
  type FlinksSecurity,
  type FlinksSecurityChallenge,
  type FlinksTransaction,
  investmentCurrencies,
} from './schemas.ts';

export type {
  FlinksAccount,
  FlinksHolder,
  FlinksInvestmentAccount,
  FlinksInvestmentTransaction,
  FlinksLink,
  FlinksLogin,
  FlinksPosition,
  FlinksSecurityChallenge,
  FlinksTransaction,
};

/** One native record as served by /v1. */
export type NativeRecord = Record<string, unknown>;

/** The native connection view (GET /v1/connections/{id}). */
export type ConnectionView = Awaited<ReturnType<typeof presentConnection>>;

// ---- values

const DECIMAL = /^[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$/;

/** Text as served; a number given for text becomes its text. */
function text(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/** A JSON number, from a number or decimal text (native money may be either); sign kept. */
function num(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  // Decimal text only: Number() would also read `0x10`, `Infinity` or an empty string.
  if (typeof value !== 'string' || !DECIMAL.test(value.trim())) return null;
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
}

function object(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/** Digits after the point, so that sums of decimals come out as the decimals they are. */
function decimals(value: number): number | null {
  const written = String(value);
  if (/e/i.test(written)) return null;
  return written.split('.')[1]?.length ?? 0;
}

/** a + b without binary noise (48213.07 + 1000.1 is 49213.17, not 49213.170000000006). */
function plus(a: number, b: number): number {
  const da = decimals(a);
  const db = decimals(b);
  // Exponent notation (tiny or huge values) has no noise worth rounding away.
  if (da === null || db === null) return a + b;
  return Number((a + b).toFixed(Math.min(Math.max(da, db), 20)));
}

/** `YYYY-MM-DD` of a native date or timestamp, as the bank dated it (no zone conversion). */
function day(value: unknown): string | null {
  const date = text(value);
  return date !== null && /^\d{4}-\d{2}-\d{2}(?:$|T)/.test(date) ? date.slice(0, 10) : null;
}

/** A nested native object's key, as a connector may have stored it (`street_name`, `streetName`). */
function member(source: Record<string, unknown>, key: string): unknown {
  if (key in source) return source[key];
  const camel = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return source[camel];
}

const words = (...parts: Array<string | null>) => {
  const joined = parts
    .filter((part): part is string => part !== null && part.trim() !== '')
    .map((part) => part.trim())
    .join(' ');
  return joined === '' ? null : joined;
};

// ---- links

// Frozen: the same arrays go into every answer, so nothing may change them in place. Typed
// mutable because the answer schemas' types are.
const links = (...pairs: Array<[rel: string, href: string]>) =>
  Object.freeze(
    pairs.map(([rel, href]) => Object.freeze({ rel, href, example: null })),
  ) as unknown as FlinksLink[];

/** Links of a banking session (/Authorize 200, data answers of a banking login). */
export const bankingLinks: FlinksLink[] = links(
  ['AccountsDetail', '/GetAccountsDetail'],
  ['AccountsSummary', '/GetAccountsSummary'],
  ['Statements', '/GetStatements'],
);
/** Links of an investment session. */
export const investmentLinks: FlinksLink[] = links(['InvestmentsDetail', '/Investments']);
/** Links of a 203 or a login error: where to go on. */
export const authorizeLinks: FlinksLink[] = links(['Authorization', '/Authorize']);

// ---- dates

const ISO_UTC = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/i;

/**
 * A timestamp as Flinks writes it (`2020-09-23T17:26:19.7050856`): UTC, no zone, seven fractional
 * digits, as .NET serialises a DateTime; Flinks says its LastRefresh "is in UTC". A UTC input
 * keeps its own digits (padded or cut to seven); any other zone is converted to UTC first.
 */
export function flinksDateTime(iso: string | null): string | null {
  if (iso === null) return null;
  const utc = ISO_UTC.exec(iso);
  if (utc) return `${utc[1]}.${(utc[2] ?? '').padEnd(7, '0').slice(0, 7)}`;
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return null;
  return `${new Date(ms).toISOString().slice(0, 23)}0000`;
}

// ---- login

/**
 * What Flinks' `Login` is made of: a connection row or view has it all. `scheduled`, when the
 * caller has decided it, wins; otherwise it is computed from the rest (isScheduledRefresh).
 */
export interface LoginSource {
  id: string;
  last_refresh_at: string | null;
  scheduled?: boolean | undefined;
  access_mode?: string | undefined;
  /** A disabled connection is never refreshed by itself. */
  status?: string | undefined;
  /**
   * The native switch of scheduled refreshes (Flinks' /SetScheduledRefresh, SPEC gap G8), where
   * the connection has one: false pauses them.
   */
  scheduled_refresh?: boolean | null | undefined;
}

/**
 * Flinks' `IsScheduledRefresh`: the login is refreshed by itself. A recurrent connection, unless
 * its schedule is switched off or it is disabled. A connection waiting for its end user to log in
 * again (`needs_user`) still counts: its schedule is set and resumes with the next login; Flinks
 * reports that state through the refresh's error, not through this flag.
 */
export function isScheduledRefresh(connection: LoginSource): boolean {
  if (connection.scheduled !== undefined) return connection.scheduled;
  return (
    connection.access_mode === 'recurrent' &&
    connection.scheduled_refresh !== false &&
    connection.status !== 'disabled'
  );
}

/**
 * Flinks' `Login` of a connection (`Type: Personal`; `Id`: the LoginId). `username`: the one the
 * facade kept when it created the login, null otherwise (native keeps credentials sealed).
 */
export function toFlinksLogin(connection: LoginSource, username: string | null): FlinksLogin {
  return {
    Username: username,
    IsScheduledRefresh: isScheduledRefresh(connection),
    LastRefresh: flinksDateTime(connection.last_refresh_at),
    Type: 'Personal',
    Id: guidOf(connection.id),
  };
}

// ---- accounts

/**
 * A cash or card movement: `amount` < 0 is money out (Debit, positive), otherwise money in
 * (Credit; zero is a credit of 0). Card movements have no description: the shop stands for it.
 */
export function toFlinksTransaction(tx: NativeRecord): FlinksTransaction {
  const amount = num(tx.amount);
  const out = amount !== null && amount < 0;
  return {
    Date: day(tx.operation_date) ?? day(tx.value_date),
    Code: null,
    Description: text(tx.description) ?? text(tx.shop),
    Debit: out ? -amount : null,
    // `|| 0` turns a -0 into 0.
    Credit: amount !== null && !out ? amount || 0 : null,
    Balance: num(tx.balance),
    Id: guidOf(String(tx.id)),
  };
}

export interface AccountOptions {
  /** The account's transactions, newest first; the key `Transactions` only when given. */
  transactions?: readonly NativeRecord[] | undefined;
  /** The holder (toFlinksHolder); the key `Holder` only when not undefined. */
  holder?: FlinksHolder | null | undefined;
  /** Flinks' `WithAccountIdentity`: the account number in full rather than masked. */
  withIdentity?: boolean;
}

/** `Chequing`, `Savings` or `Unknown`, from the native account type. */
function accountType(type: unknown): FlinksAccount['Type'] {
  switch (text(type)?.toLowerCase()) {
    case 'current':
      return 'Chequing';
    case 'savings':
      return 'Savings';
    default:
      return 'Unknown';
  }
}

function assemble(
  record: NativeRecord,
  options: AccountOptions,
  fields: Omit<FlinksAccount, 'Transactions' | 'Holder' | 'Id'>,
): FlinksAccount {
  return {
    ...(options.transactions !== undefined
      ? { Transactions: options.transactions.map(toFlinksTransaction) }
      : {}),
    ...fields,
    ...(options.holder !== undefined ? { Holder: options.holder } : {}),
    Id: guidOf(String(record.id)),
  };
}

/**
 * A native account as a Flinks banking account (`Category: Operations`). Its number is its IBAN,
 * masked but for its last four digits unless the caller asked for the account identity; Canadian
 * transit and institution numbers do not exist for it (null), nor an overdraft limit.
 */
export function toFlinksAccount(account: NativeRecord, options: AccountOptions): FlinksAccount {
  const iban = text(account.iban);
  return assemble(account, options, {
    TransitNumber: null,
    InstitutionNumber: null,
    OverdraftLimit: null,
    Title: text(account.name) ?? text(account.alias) ?? text(account.description),
    AccountNumber: options.withIdentity ? iban : maskPan(iban),
    Balance: { Available: num(account.available_balance), Current: num(account.balance), Limit: null },
    Category: 'Operations',
    Type: accountType(account.type),
    Currency: text(account.currency),
  });
}

/**
 * A native card as a Flinks credit card account (`Category: Credits`, `Type: CreditCard`), its
 * number masked whatever the options. `Current` (what is owed) is the limit less what is
 * available, when both are known.
 */
export function toFlinksCardAccount(card: NativeRecord, options: AccountOptions): FlinksAccount {
  const limit = num(card.credit_limit);
  const available = num(card.available_balance);
  const balance: FlinksBalance = {
    Available: available,
    Current: limit !== null && available !== null ? plus(limit, -available) : null,
    Limit: limit,
  };
  return assemble(card, options, {
    TransitNumber: null,
    InstitutionNumber: null,
    OverdraftLimit: null,
    Title: text(card.product),
    AccountNumber: maskPan(text(card.pan)),
    Balance: balance,
    Category: 'Credits',
    Type: 'CreditCard',
    Currency: text(card.currency),
  });
}

function contact(identity: NativeRecord, type: string): string | null {
  if (!Array.isArray(identity.contact_info)) return null;
  for (const item of identity.contact_info) {
    const entry = object(item);
    if (entry && text(entry.type)?.toLowerCase() === type) return text(entry.value);
  }
  return null;
}

/**
 * Flinks' `Holder` of the end user's identity: the name upper case (as Flinks shows it), the
 * street as the bank writes it (type, name, number), the first email and phone. Null without
 * an identity.
 */
export function toFlinksHolder(identity: NativeRecord | undefined): FlinksHolder | null {
  if (!identity) return null;
  const address = object(identity.address) ?? {};
  const name =
    text(identity.full_name) ?? words(text(identity.name), text(identity.surname1), text(identity.surname2));
  return {
    Name: name === null ? null : name.toUpperCase(),
    Address: {
      CivicAddress: words(
        text(member(address, 'street_type')),
        text(member(address, 'street_name')),
        text(member(address, 'street_number')),
      ),
      City: text(member(address, 'city')),
      Province: text(member(address, 'state')),
      PostalCode: text(member(address, 'zip_code')),
      POBox: null,
      Country: text(member(address, 'country')),
    },
    Email: contact(identity, 'email'),
    PhoneNumber: contact(identity, 'phone'),
  };
}

// ---- investments

/** A security as Flinks' positions and transactions carry it (inferred names, see schemas.ts). */
function security(holding: NativeRecord | undefined, isin: unknown): FlinksSecurity {
  return {
    Symbol: text(holding?.symbol),
    Name: text(holding?.name),
    CUSIP: text(holding?.cusip),
    ISIN: text(isin) ?? text(holding?.isin),
    Type: text(holding?.type),
  };
}

/** A native investment (a holding) as a Flinks position. */
export function toFlinksPosition(investment: NativeRecord): FlinksPosition {
  return {
    Quantity: num(investment.amount),
    MarketValue: num(investment.balance),
    BookValue: num(investment.cost),
    Currency: text(investment.currency),
    Security: security(investment, investment.isin),
    Id: guidOf(String(investment.id)),
  };
}

/**
 * A native investment transaction as a Flinks one. Native transactions name their security only
 * by ISIN; the investment they belong to (`investment_id`), when given, fills in the rest.
 */
export function toFlinksInvestmentTransaction(
  tx: NativeRecord,
  investment?: NativeRecord,
): FlinksInvestmentTransaction {
  return {
    Date: day(tx.operation_date),
    SettlementDate: day(tx.value_date),
    Type: text(tx.type),
    Description: text(tx.description),
    Quantity: num(tx.amount),
    Price: num(tx.unit_price),
    NetAmount: num(tx.net_cash),
    Commission: num(tx.commission),
    Currency: text(tx.currency),
    Security: security(investment, tx.isin),
    Id: guidOf(String(tx.id)),
  };
}

const currencies: ReadonlySet<string> = new Set(investmentCurrencies);

/**
 * A native portfolio as a Flinks investment account. Flinks' types are Canadian registered plans,
 * which no native portfolio is (`unknown`); a pension plan is `Registered`. The value is the
 * portfolio's valuation (else the sum of its positions') plus its cash (`parts.cash`: the balance
 * of its cash account, computed by the caller; 0 when unknown). Transactions are joined to their
 * position by `investment_id` to name their security.
 */
export function toFlinksInvestmentAccount(
  portfolio: NativeRecord,
  parts: { positions: readonly NativeRecord[]; transactions: readonly NativeRecord[]; cash: number | null },
): FlinksInvestmentAccount {
  const cash = parts.cash !== null && Number.isFinite(parts.cash) ? parts.cash : 0;
  const values = parts.positions.map((position) => num(position.balance));
  const held = values.every((value) => value !== null) && values.length > 0 ? values : null;
  const securities =
    num(portfolio.balance) ?? held?.reduce<number>((sum, value) => plus(sum, value!), 0) ?? null;
  // Unknown securities make the whole value unknown: cash alone would understate it.
  const value = securities === null ? null : plus(securities, cash);
  const byId = new Map(parts.positions.map((position) => [String(position.id), position]));
  const currency = text(portfolio.currency)?.toLowerCase() ?? null;
  const id = guidOf(String(portfolio.id));
  return {
    Id: id,
    FullAccountId: words(text(portfolio.name), text(portfolio.ref_valores), text(portfolio.currency)) ?? id,
    AccountId: text(portfolio.ref_valores),
    Name: text(portfolio.name),
    Type: 'unknown',
    Registered: text(portfolio.type) === 'pension_plan',
    Currency:
      currency !== null && currencies.has(currency)
        ? (currency as FlinksInvestmentAccount['Currency'])
        : null,
    Cash: cash,
    AccountValue: value,
    CurrencyValue: value,
    Positions: parts.positions.map(toFlinksPosition),
    Transactions: parts.transactions.map((tx) =>
      toFlinksInvestmentTransaction(tx, byId.get(String(tx.investment_id))),
    ),
  };
}

// ---- security challenges

const defaultPrompts: Readonly<Record<string, string>> = {
  otp: 'Enter the code your bank sent you.',
  question: 'Answer your bank’s security question.',
  decoupled: 'Approve the login in your bank’s app.',
  redirect: 'Continue at your bank.',
};

/**
 * The open native challenge (presentConnection().challenge) as a Flinks security challenge. A
 * code or a question is Flinks' `QuestionAndAnswer` with the native prompt, which the client
 * sends back as the key of `SecurityResponses`. A redirect is `Redirect` with `RedirectUrl`
 * (Flinks' API has no redirect MFA: its OAuth banks are Connect-only). A decoupled approval also
 * maps to `QuestionAndAnswer` so the mapper is total, but the facade waits for it (and answers
 * 202) rather than show it.
 */
export function toFlinksChallenge(
  challenge: Pick<NonNullable<ConnectionView['challenge']>, 'type'> & {
    prompt?: string | null | undefined;
    redirect_url?: string | null | undefined;
  },
): FlinksSecurityChallenge {
  const prompt = challenge.prompt?.trim()
    ? challenge.prompt
    : (defaultPrompts[challenge.type] ?? defaultPrompts.question!);
  if (challenge.type === 'redirect' && challenge.redirect_url)
    return { Type: 'Redirect', Prompt: prompt, Iterables: [], RedirectUrl: challenge.redirect_url };
  return { Type: 'QuestionAndAnswer', Prompt: prompt, Iterables: [] };
}
