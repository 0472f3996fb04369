// How a simulated ASPSP shows its data on a given day, in Enable Banking's shapes: which rows are
// visible and in which status, what ids they carry (each bank's quirk), their amounts and parties,
// and the balances they add up to. Pure functions of the scenario and the day, except the
// per-fetch transaction ids of the "no id" bank, which the caller supplies.
import { createHash, randomBytes } from 'node:crypto';
import { type AccountTemplate, type AspspScenario, epochDay, isoDay, type RowTemplate } from './scenarios.ts';

export type RowStatus = 'BOOK' | 'PDNG';

export interface RowView {
  row: RowTemplate;
  status: RowStatus;
  /** The day the row is filtered and ordered by: booking day if booked, else its transaction day (today if undated). */
  day: number;
}

function hex(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** The rows visible on `today`, newest first, in the status they have that day. */
export function visibleRows(account: AccountTemplate, today: number): RowView[] {
  const views: RowView[] = [];
  for (const row of account.rows) {
    if (row.appearsDay > today) continue;
    if (row.bookingDay !== null && row.bookingDay <= today) {
      views.push({ row, status: 'BOOK', day: row.bookingDay });
      continue;
    }
    if (row.vanishesDay !== undefined && row.vanishesDay <= today) continue;
    views.push({ row, status: 'PDNG', day: row.transactionDay ?? today });
  }
  // Newest first, as most ASPSPs list them; ties keep the bank's own order.
  return views
    .map((view, index) => ({ view, index }))
    .sort((a, b) => b.view.day - a.view.day || a.index - b.index)
    .map(({ view }) => view);
}

/**
 * Positional references (`YYYY-MM-DD.N`): N counts the rows booked on their own transaction day,
 * in the bank's order. Rows that were pending first are not numbered (they book without a
 * reference), so the numbers of rows already booked never move.
 */
export function positionalReferences(account: AccountTemplate): Map<string, string> {
  const references = new Map<string, string>();
  const perDay = new Map<number, number>();
  for (const row of account.rows) {
    if (row.bookingDay === null || row.bookingDay !== row.transactionDay) continue;
    const n = (perDay.get(row.bookingDay) ?? 0) + 1;
    perDay.set(row.bookingDay, n);
    references.set(row.key, `${isoDay(row.bookingDay)}.${n}`);
  }
  return references;
}

export interface BankContext {
  aspsp: AspspScenario;
  account: AccountTemplate;
  positional: Map<string, string>;
  today: number;
}

export function entryReference(context: BankContext, view: RowView): string | null {
  const { aspsp, account, positional, today } = context;
  switch (aspsp.entryReference) {
    case 'stable':
      // Digits, like the archive ids banks show in their apps; the same pending and booked.
      return String(Number.parseInt(hex(`${account.key}/${view.row.key}`, 12), 16)).slice(0, 10);
    case 'none':
      return null;
    case 'positional':
      // The reference appears the day after booking (null on the booking day itself).
      if (view.status !== 'BOOK' || view.day >= today) return null;
      return positional.get(view.row.key) ?? null;
  }
}

/** The transaction_id a row carries on `today` at a bank whose ids do not change per fetch. */
export function stableTransactionId(context: BankContext, view: RowView): string {
  const { aspsp, account } = context;
  const base = hex(`${aspsp.name}/${account.key}/${view.row.key}`, 20);
  if (!aspsp.pendingBooksUnderNewId) return base;
  const originallyPending = view.row.bookingDay !== view.row.transactionDay;
  if (view.status === 'PDNG') return `P${base}`;
  return originallyPending ? `B${hex(`booked/${base}`, 20)}` : `B${base}`;
}

export function freshTransactionId(): string {
  return randomBytes(12).toString('base64url');
}

function money(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export function signedCents(row: RowTemplate): number {
  return row.indicator === 'CRDT' ? row.amountCents : -row.amountCents;
}

function postalAddress(addressLine: string[] | null) {
  return {
    address_type: null,
    department: null,
    sub_department: null,
    street_name: null,
    building_number: null,
    post_code: null,
    town_name: null,
    country_sub_division: null,
    country: null,
    address_line: addressLine,
  };
}

function party(name: string | null, addressLine?: string[]) {
  return {
    name,
    postal_address: addressLine ? postalAddress(addressLine) : null,
    organisation_id: null,
    private_id: null,
    contact_details: null,
  };
}

function ownAccountId(account: AccountTemplate) {
  return account.resource.account_id as { iban: string | null; other: unknown };
}

/**
 * A row as Enable Banking's Transaction. Absent fields are null, as Enable Banking serialises them.
 * `balanceAfter` is given only at banks that report it, on booked rows.
 */
export function renderTransaction(
  context: BankContext,
  view: RowView,
  transactionId: string,
  balanceAfterCents?: number,
): Record<string, unknown> {
  const { aspsp, account } = context;
  const { row } = view;
  const counterparty = row.counterparty ?? {};
  const them = party(counterparty.name ?? null, counterparty.addressLine);
  const theirAccount = counterparty.iban ? { iban: counterparty.iban, other: null } : null;
  const us = party(aspsp.holderName);
  const ours = ownAccountId(account);
  const debit = row.indicator === 'DBIT';
  const amount = money(debit && aspsp.signedAmounts ? -row.amountCents : row.amountCents);
  return {
    entry_reference: entryReference(context, view),
    merchant_category_code: row.merchantCategoryCode ?? null,
    transaction_amount: { currency: row.currency, amount },
    creditor: debit ? them : us,
    creditor_account: debit ? theirAccount : ours,
    creditor_agent: null,
    debtor: debit ? us : them,
    debtor_account: debit ? ours : theirAccount,
    debtor_agent: null,
    bank_transaction_code: row.bankTransactionCode ?? null,
    credit_debit_indicator: row.indicator,
    status: view.status,
    booking_date: view.status === 'BOOK' ? isoDay(view.day) : null,
    value_date: view.status === 'BOOK' ? isoDay(view.day) : null,
    transaction_date: row.transactionDay === null ? null : isoDay(row.transactionDay),
    balance_after_transaction:
      balanceAfterCents === undefined ? null : { currency: row.currency, amount: money(balanceAfterCents) },
    reference_number: null,
    reference_number_schema: null,
    remittance_information: row.remittance,
    debtor_account_additional_identification: null,
    creditor_account_additional_identification: null,
    exchange_rate: null,
    note: null,
    transaction_id: transactionId,
  };
}

/** Booked balance per currency after every row booked up to and including `day`. */
function bookedThrough(account: AccountTemplate, anchor: number, day: number): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [currency, target] of Object.entries(account.balanceAtAnchorCents)) {
    let balance = target;
    for (const row of account.rows) {
      if (row.currency !== currency || row.bookingDay === null) continue;
      // From the anchor's balance: add what booked after the anchor, remove what booked after `day`.
      if (row.bookingDay > anchor && row.bookingDay <= day) balance += signedCents(row);
      if (row.bookingDay <= anchor && row.bookingDay > day) balance -= signedCents(row);
    }
    result[currency] = balance;
  }
  return result;
}

/** balance_after_transaction for each booked row key, at banks that report it. */
export function balancesAfter(account: AccountTemplate, anchor: number): Map<string, number> {
  const result = new Map<string, number>();
  const booked = account.rows
    .map((row, index) => ({ row, index }))
    .filter(({ row }) => row.bookingDay !== null)
    .sort((a, b) => (a.row.bookingDay as number) - (b.row.bookingDay as number) || a.index - b.index);
  const running: Record<string, number> = {};
  const first = booked[0]?.row.bookingDay;
  if (first === undefined || first === null) return result;
  Object.assign(running, bookedThrough(account, anchor, first - 1));
  for (const { row } of booked) {
    running[row.currency] = (running[row.currency] ?? 0) + signedCents(row);
    result.set(row.key, running[row.currency] as number);
  }
  return result;
}

export function renderBalances(context: BankContext, anchor: number, now: Date): Record<string, unknown>[] {
  const { account, today } = context;
  const todayBooked = bookedThrough(account, anchor, today);
  const yesterdayBooked = bookedThrough(account, anchor, today - 1);
  const pending = visibleRows(account, today).filter((view) => view.status === 'PDNG');
  const limit = account.creditLimitCents ?? 0;
  const lastBooked = visibleRows(account, today).find((view) => view.status === 'BOOK');
  return account.balances.map((spec) => {
    const booked = todayBooked[spec.currency] ?? 0;
    const closing = yesterdayBooked[spec.currency] ?? 0;
    const inCurrency = pending.filter((view) => view.row.currency === spec.currency);
    const pendingDebits = inCurrency.reduce(
      (sum, v) => sum + (v.row.indicator === 'DBIT' ? v.row.amountCents : 0),
      0,
    );
    const pendingNet = inCurrency.reduce((sum, v) => sum + signedCents(v.row), 0);
    // Available balances include the credit line (a card's available credit), booked ones do not.
    const amount = {
      ITBD: booked,
      CLBD: closing,
      ITAV: booked - pendingDebits + limit,
      XPCD: booked + pendingNet,
      OPAV: closing + limit,
      CLAV: closing + limit,
    }[spec.type];
    const closingType = spec.type === 'CLBD' || spec.type === 'CLAV' || spec.type === 'OPAV';
    return {
      name: spec.name,
      balance_amount: { currency: spec.currency, amount: money(amount) },
      balance_type: spec.type,
      last_change_date_time: now.toISOString(),
      reference_date: isoDay(closingType ? today - 1 : today),
      last_committed_transaction: lastBooked ? entryReference(context, lastBooked) : null,
    };
  });
}

export { epochDay, isoDay };
