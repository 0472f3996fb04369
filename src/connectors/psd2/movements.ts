// What every PSD2 connector needs to turn a bank's movements into records Tesoro can keep: the
// signed amount (banks disagree on whether a debit's amount carries a minus sign, so the sign is
// taken from the credit/debit indicator alone), the balance to show among the many a bank sends,
// and a natural key that stays the same from one refresh to the next.
//
// Keys are the #1 complaint about every PSD2 integration (duplicates): a bank's `entry_reference`
// is the key when it has one that is not positional (`2026-11-30.3` is a row number, not an id);
// otherwise a synthetic key from the movement's stable properties and its ordinal among identical
// movements of that day (Enable Banking's own advice: match day by day on stable properties). A
// `transaction_id` is never a key: Enable Banking warns it "may change if the list of transactions
// is retrieved again". Pending movements get keys of their own; the engine removes pending records
// that vanish, so a pending movement that posts under a new key is not kept twice.
import { createHash } from 'node:crypto';

/** `amount` (decimal text, signed or not) as Tesoro's signed decimal text: negative is money out. */
export function signedAmount(amount: string, indicator: 'CRDT' | 'DBIT' | string | undefined): string {
  const absolute = amount.trim().replace(/^[-+]/, '');
  return indicator === 'DBIT' && !/^0*(\.0*)?$/.test(absolute) ? `-${absolute}` : absolute;
}

/** A bank reference that is only a position in the day's list (`YYYY-MM-DD.N`): not an id. */
export const isPositionalReference = (reference: string) => /^\d{4}-\d{2}-\d{2}\.\d+$/.test(reference);

export interface MovementIdentity {
  /** The account's cross-consent key (Enable Banking's identification_hash). */
  accountKey: string;
  reference: string | null | undefined;
  date: string;
  amount: string;
  currency: string;
  counterparty: string | null;
  description: string | null;
  pending: boolean;
}

/**
 * Natural keys for one listing of an account's movements, in the order the bank gave them: the
 * ordinal of a synthetic key counts identical movements of the same day in this listing.
 */
export class MovementKeys {
  readonly #seen = new Map<string, number>();

  keyOf(movement: MovementIdentity): string {
    const scope = `${movement.accountKey}:${movement.pending ? 'pending:' : ''}`;
    const reference = movement.reference?.trim();
    if (reference && !isPositionalReference(reference)) return `${scope}ref:${reference}`;
    const tuple = [
      movement.date,
      movement.amount,
      movement.currency,
      movement.counterparty ?? '',
      movement.description ?? '',
    ].join('\u0000');
    const digest = createHash('sha256').update(tuple).digest('base64url').slice(0, 22);
    const ordinal = (this.#seen.get(digest) ?? 0) + 1;
    this.#seen.set(digest, ordinal);
    return `${scope}syn:${digest}#${ordinal}`;
  }
}

export interface BankBalance {
  type: string;
  amount: string;
  currency: string;
}

const bookedOrder = ['ITBD', 'CLBD', 'ITAV', 'XPCD', 'OPBD', 'CLAV', 'OPAV', 'PRCD', 'VALU', 'INFO', 'OTHR'];
const availableOrder = ['ITAV', 'CLAV', 'OPAV', 'FWAV', 'XPCD'];

/**
 * The balance and the available balance of an account among the types its bank sends (interim
 * booked first, then closing booked, …), preferring those in the account's currency: a
 * multi-currency account lists one per currency.
 */
export function pickBalances(
  balances: readonly BankBalance[],
  currency: string | null,
): { balance: string | null; available: string | null; currency: string | null } {
  const inCurrency = balances.filter((b) => b.currency === currency);
  const pool = inCurrency.length > 0 ? inCurrency : balances;
  const first = (order: readonly string[]) =>
    order.map((type) => pool.find((b) => b.type === type)).find((b) => b !== undefined);
  const booked = first(bookedOrder) ?? pool[0];
  const available = first(availableOrder);
  return {
    balance: booked?.amount ?? null,
    available: available?.amount ?? null,
    currency: booked?.currency ?? currency,
  };
}
