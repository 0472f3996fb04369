// SimpleFIN's Account Set as Tesoro's records, pure. An account's natural key is `conn_id:id`
// (v2: an account id is unique within its connection), or `org.domain|org.id:id` from a v1 server;
// a transaction's is its account's key and its own id, which SimpleFIN keeps unique within the
// account and never reuses. Amounts keep SimpleFIN's sign (+ is money in) and every digit it sent.
// Also here: the 90-day windows a longer history is read in.
import type { NormalizedRecord } from '../../domain/records.ts';
import { type Classified, classifyErrors, type Problem, sanitize } from './errors.ts';

/** The Bridge answers at most 90 days per request (`end-date − start-date`), capping longer ones. */
export const WINDOW_SECONDS = 90 * 86_400;
/**
 * Windows read per refresh, the newest included: 9 cover the default 730 days of history. Each
 * is one request of the Bridge's 24 a day, so a longer history_days is read only this far.
 */
export const MAX_WINDOWS = 9;

/** A range of `GET /accounts`: epoch seconds, `start` inclusive, `end` exclusive. */
export interface Window {
  readonly start: number;
  readonly end: number;
}

/** The newest window: the 90 days up to now (`end` exclusive, so the current second is in). */
export function newestWindow(now: Date): Window {
  const end = Math.floor(now.getTime() / 1000) + 1;
  return { start: end - WINDOW_SECONDS, end };
}

/** The windows before `newest` back to `since`, oldest first, touching each other, at most MAX_WINDOWS − 1. */
export function olderWindows(newest: Window, since: Date): Window[] {
  const sinceSeconds = Math.floor(since.getTime() / 1000);
  const windows: Window[] = [];
  let end = newest.start;
  while (end > sinceSeconds && windows.length < MAX_WINDOWS - 1) {
    const start = Math.max(sinceSeconds, end - WINDOW_SECONDS);
    windows.push({ start, end });
    end = start;
  }
  return windows.reverse();
}

type Json = Record<string, unknown>;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value : undefined;

const object = (value: unknown): Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};

/** A numeric string (or number) as a decimal string with at least two decimals, or null. */
export function decimalString(value: unknown): string | null {
  const given = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  if (typeof given !== 'string') return null;
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(given.trim());
  if (!match || (match[2] === '' && !match[3])) return null;
  const whole = (match[2] || '0').replace(/^0+(?=\d)/, '');
  const fraction = (match[3] ?? '').padEnd(2, '0');
  const negative = match[1] === '-' && /[1-9]/.test(whole + fraction);
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

/** An epoch timestamp (seconds; 0 or absent means none) as a Date. */
function epoch(value: unknown): Date | null {
  const seconds = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) return null;
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** The UTC calendar day of an epoch timestamp. */
export const utcDate = (value: unknown) => epoch(value)?.toISOString().slice(0, 10) ?? null;
const isoTime = (value: unknown) => epoch(value)?.toISOString() ?? null;

/** An ISO 4217 code as it is; a custom currency (a URL naming it) as XXX, its text kept aside. */
export function currencyOf(value: unknown): { currency: string | null; custom: string | null } {
  const given = text(value)?.trim();
  if (!given) return { currency: null, custom: null };
  if (/^[A-Za-z]{3}$/.test(given)) return { currency: given.toUpperCase(), custom: null };
  return { currency: 'XXX', custom: sanitize(given) };
}

/** An account as read from one Account Set. */
export interface ReadAccount {
  readonly key: string;
  /** The account as the server gave it, transactions included. */
  readonly raw: Json;
  /** Its v2 Connection (or v1 Organization). */
  readonly connection: Json | null;
  readonly currency: string | null;
  readonly customCurrency: string | null;
  readonly bankName: string | null;
}

export interface ReadSet {
  readonly version: 1 | 2;
  /** The accounts that can be stored. */
  readonly accounts: readonly ReadAccount[];
  /** What could not be read: connections in error, accounts skipped, errors naming neither. */
  readonly problems: readonly Problem[];
  readonly errors: Classified;
}

/** Reads an Account Set (v2, or v1 from an older server): its accounts, skipped ones left out. */
export function readAccountSet(set: Json): ReadSet {
  const version = Array.isArray(set.errlist) || Array.isArray(set.connections) ? 2 : 1;
  const errors = classifyErrors(set.errlist, set.errors);
  const connections = new Map<string, Json>();
  for (const entry of Array.isArray(set.connections) ? set.connections : []) {
    const connection = object(entry);
    const id = text(connection.conn_id);
    if (id) connections.set(id, connection);
  }
  const accounts: ReadAccount[] = [];
  const keys = new Set<string>();
  for (const entry of Array.isArray(set.accounts) ? set.accounts : []) {
    const raw = object(entry);
    const id = text(raw.id);
    // act.* names the account: its data is missing or incomplete, so none of it is stored.
    if (!id || errors.accounts.has(id)) continue;
    const connId = text(raw.conn_id);
    const org = object(raw.org);
    const owner = connId ?? text(org.domain) ?? text(org.id) ?? text(org.name) ?? '';
    const key = `${owner}:${id}`;
    if (keys.has(key)) continue;
    keys.add(key);
    const connection = connId ? (connections.get(connId) ?? null) : raw.org ? org : null;
    const { currency, custom } = currencyOf(raw.currency);
    accounts.push({
      key,
      raw,
      connection,
      currency,
      customCurrency: custom,
      bankName:
        text(connection?.org_name) ??
        text(connection?.name) ??
        text(raw.conn_name) ??
        text(org.domain) ??
        null,
    });
  }
  const problems = [...errors.connections.values(), ...errors.accounts.values(), ...errors.general];
  return { version, accounts, problems, errors };
}

export function accountRecord(account: ReadAccount): NormalizedRecord {
  const { transactions: _transactions, ...given } = account.raw;
  const balance = decimalString(account.raw.balance);
  // "May be omitted if it is the same as balance" (the protocol).
  const available =
    account.raw['available-balance'] === undefined
      ? balance
      : decimalString(account.raw['available-balance']);
  return {
    product: 'accounts',
    naturalKey: account.key,
    data: {
      iban: null,
      name: text(account.raw.name) ?? text(account.raw.id) ?? null,
      alias: null,
      type: null,
      balance,
      available_balance: available,
      currency: account.currency,
      description: null,
      is_owner: null,
      num_owners: null,
      owners: null,
      // SimpleFIN's own fields that have no field of their own in Tesoro's accounts.
      bank_name: account.bankName,
      balance_date: isoTime(account.raw['balance-date']),
      custom_currency: account.customCurrency,
    },
    raw: { account: given, connection: account.connection },
  };
}

/**
 * The account's transactions: posted ones dated before `sinceDate` left out, pending ones kept.
 * A pending row may have no date at all (`posted` 0, no `transacted_at`): it is dated by the
 * account's balance date, or `fallbackDate`.
 */
export function transactionRecords(
  account: ReadAccount,
  sinceDate: string,
  fallbackDate: string,
): NormalizedRecord[] {
  const records: NormalizedRecord[] = [];
  for (const entry of Array.isArray(account.raw.transactions) ? account.raw.transactions : []) {
    const t = object(entry);
    const id = text(t.id);
    if (!id) continue;
    const extra = object(t.extra);
    const pending = t.pending === true;
    const operationDate =
      utcDate(t.posted) ?? utcDate(t.transacted_at) ?? utcDate(account.raw['balance-date']) ?? fallbackDate;
    if (!pending && operationDate < sinceDate) continue;
    const mcc = t.mcc ?? extra.mcc;
    records.push({
      product: 'transactions',
      naturalKey: `${account.key}:${id}`,
      parentKey: account.key,
      data: {
        amount: decimalString(t.amount),
        currency: account.currency,
        balance: null,
        operation_date: operationDate,
        // `transacted_at` is when the purchase happened, not the date the bank values the
        // movement at: it is kept as its own field rather than as value_date.
        value_date: null,
        description: text(t.description) ?? '',
        product_description: null,
        counterparty: text(t.payee) ?? text(extra.payee) ?? null,
        bank_category: text(extra.category) ?? null,
        mcc: typeof mcc === 'number' || typeof mcc === 'string' ? String(mcc) : null,
        transaction_id: id,
        pending,
        memo: text(t.memo) ?? text(extra.memo) ?? null,
        transacted_at: isoTime(t.transacted_at),
      },
      raw: t,
    });
  }
  return records;
}
