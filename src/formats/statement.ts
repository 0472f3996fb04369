// What every statement parser produces (src/formats/<format>/): statements of one account each,
// with their transactions and balances, and the issues met on the way. Pure data: amounts are
// signed decimal strings (negative = money leaving), dates ISO yyyy-mm-dd.

export type StatementFormat = 'norma43' | 'ofx' | 'camt' | 'mt940' | 'qif' | 'csv';

export interface Balance {
  amount: string;
  date: string | null;
}

export interface StatementTransaction {
  /** The statement's own id for the movement, when the format has one (FITID, AcctSvcrRef, …). */
  sourceId: string | null;
  bookingDate: string;
  valueDate: string | null;
  amount: string;
  currency: string;
  description: string;
  counterparty: string | null;
  reference: string | null;
  /** The bank's own transaction code: Norma 43 common concept, BTC, GVC, … */
  bankCode: string | null;
  /** Where the movement starts in the file (1-based line). */
  line: number;
}

export interface StatementAccount {
  /** IBAN when the file has one, else the bank's account number. */
  number: string;
  iban: string | null;
  currency: string;
  name: string | null;
  /** Bank and branch codes where the format has them. */
  bankCode: string | null;
  branchCode: string | null;
}

export interface Statement {
  account: StatementAccount;
  startDate: string | null;
  endDate: string | null;
  opening: Balance | null;
  closing: Balance | null;
  transactions: StatementTransaction[];
  /** An investment account's statement (OFX INVSTMTRS): its broker and cash; holdings and trades follow. */
  investment?: InvestmentAccount;
  positions?: Position[];
  investmentTransactions?: InvestmentTransaction[];
}

export interface InvestmentAccount {
  brokerId: string | null;
  /** Cash available in the account (OFX INVBAL AVAILCASH). */
  availableCash: string | null;
  /** When the holdings were valued (OFX DTASOF of the statement). */
  asOf: string | null;
}

/** How a file names a security: the id and what kind of id it is (CUSIP, ISIN, a ticker, PRIVATE, …). */
export interface SecurityId {
  uniqueId: string;
  type: string;
}

export type SecurityKind = 'stock' | 'fund' | 'debt' | 'option' | 'other';

/** One entry of a file's securities list (OFX SECLIST). */
export interface Security {
  id: SecurityId;
  kind: SecurityKind;
  name: string | null;
  ticker: string | null;
  /** The list's own sub-type: MFTYPE, STOCKTYPE, DEBTTYPE, OPTTYPE, TYPEDESC. */
  subtype: string | null;
  unitPrice: string | null;
  priceDate: string | null;
  currency: string | null;
  line: number;
}

/** A holding of one security in an investment account (OFX POSSTOCK, POSMF, …). */
export interface Position {
  security: SecurityId;
  kind: SecurityKind;
  units: string;
  unitPrice: string | null;
  marketValue: string | null;
  priceDate: string | null;
  currency: string;
  /** Sub-account (CASH, MARGIN, SHORT, OTHER) and LONG / SHORT. */
  heldIn: string | null;
  positionType: string | null;
  memo: string | null;
  line: number;
}

export type InvestmentAction = 'buy' | 'sell' | 'income' | 'reinvest' | 'transfer' | 'other';

/** A trade or security event of an investment account (OFX BUYMF, SELLSTOCK, INCOME, REINVEST, TRANSFER, …). */
export interface InvestmentTransaction {
  sourceId: string | null;
  /** The file's own name for it (the OFX aggregate: BUYMF, SELLSTOCK, …). */
  type: string;
  action: InvestmentAction;
  tradeDate: string;
  settleDate: string | null;
  security: SecurityId | null;
  /** Signed: negative when units leave the account. */
  units: string | null;
  unitPrice: string | null;
  /** Signed cash effect on the account (OFX TOTAL: negative for a purchase). */
  total: string | null;
  commission: string | null;
  fees: string | null;
  taxes: string | null;
  /** DIV, INTEREST, CGLONG, CGSHORT, MISC (income and reinvestments). */
  incomeType: string | null;
  /** IN or OUT (transfers of securities). */
  transferAction: string | null;
  currency: string;
  memo: string | null;
  line: number;
}

export interface Issue {
  severity: 'error' | 'warning';
  line: number | null;
  message: string;
  /** CSV whose layout could not be worked out: what was found, to start a csv_mapping from. */
  csv?: { suggestion: object; columns: string[] | null };
}

export interface ParseResult {
  format: StatementFormat;
  statements: Statement[];
  issues: Issue[];
  /** The securities the file describes (OFX SECLIST), shared by its investment statements. */
  securities?: Security[];
}

/**
 * A file the parser cannot go on reading for a reason it can say (elements nested deeper than
 * any statement, say). The reader turns it, and any other exception of a parser, into an error
 * issue: a hostile file is refused with 422, never a crash.
 */
export class UnreadableFileError extends Error {
  override name = 'UnreadableFileError';
}

/** Deeper nesting than this is not a statement (camt.053 goes about 12 levels deep). */
export const MAX_ELEMENT_DEPTH = 100;

/**
 * Why a date cannot be stored, or null: yyyy-mm-dd from year 0001 to 9999 (PostgreSQL has no
 * year 0, and parsers give four-digit years).
 */
export function dateProblem(date: string): string | null {
  // Character codes, not a regular expression: this runs for every movement.
  if (date.length !== 10 || date.charCodeAt(4) !== 45 || date.charCodeAt(7) !== 45)
    return `the date ${date.slice(0, 40)} is not a yyyy-mm-dd date`;
  if (date.startsWith('0000')) return `the date ${date} is before year 1`;
  return null;
}

/** Amounts are stored as numeric(20, 2): at most 18 digits before the point. */
export const MAX_AMOUNT_DIGITS = 18;

export function amountProblem(amount: string): string | null {
  if (amount.length <= MAX_AMOUNT_DIGITS) return null;
  const whole = amount
    .replace(/^[-+]/, '')
    .split('.')[0]!
    .replace(/^0+(?=\d)/, '');
  return whole.length > MAX_AMOUNT_DIGITS
    ? `the amount has ${whole.length} digits before the point (at most ${MAX_AMOUNT_DIGITS})`
    : null;
}

/** A decimal string as whole hundred-thousandths (statements use at most 5 decimals). */
export function amountUnits(amount: string): bigint {
  const negative = amount.startsWith('-');
  const [whole = '0', fraction = ''] = amount.replace(/^[-+]/, '').split('.');
  const units = BigInt(whole) * 100_000n + BigInt(`${fraction}00000`.slice(0, 5));
  return negative ? -units : units;
}

/** Hundred-thousandths back to the shortest decimal string. */
export function unitsAmount(units: bigint): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const fraction = (abs % 100_000n).toString().padStart(5, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${abs / 100_000n}${fraction ? `.${fraction}` : ''}`;
}

const isDigit = (code: number) => code >= 48 && code <= 57;

/**
 * "0012.340" → "12.34", "-0.00" → "0": the shortest form of one decimal string, without the
 * BigInt round trip. This runs once per movement, so it is a scan of character codes (a regular
 * expression with lazy groups took a tenth of a CSV import); anything unusual (more than five
 * decimals, stray characters) takes the exact BigInt path.
 */
export function normalizeAmount(amount: string): string {
  const length = amount.length;
  let index = 0;
  const sign = amount.charCodeAt(0);
  if (sign === 45 || sign === 43) index = 1;
  while (index < length - 1 && amount.charCodeAt(index) === 48 && isDigit(amount.charCodeAt(index + 1)))
    index += 1;
  const wholeStart = index;
  while (index < length && isDigit(amount.charCodeAt(index))) index += 1;
  const wholeEnd = index;
  let fractionEnd = length;
  if (index < length) {
    if (amount.charCodeAt(index) !== 46) return unitsAmount(amountUnits(amount));
    index += 1;
    const fractionStart = index;
    while (index < length && isDigit(amount.charCodeAt(index))) index += 1;
    if (index < length) return unitsAmount(amountUnits(amount));
    while (fractionEnd > fractionStart && amount.charCodeAt(fractionEnd - 1) === 48) fractionEnd -= 1;
    if (fractionEnd - fractionStart > 5) return unitsAmount(amountUnits(amount));
    if (fractionEnd === fractionStart) fractionEnd = wholeEnd; // no decimals left: drop the point
  }
  let value = amount.slice(wholeStart, fractionEnd);
  if (wholeStart === wholeEnd) value = `0${value}`; // ".5" or ""
  if (value === '0') return '0';
  return sign === 45 ? `-${value}` : value;
}

/**
 * A running sum of decimal strings, exact: a float sum of hundred-thousandths is exact while it
 * stays far below 2^53; beyond that (or for an amount too large to scale exactly) the rest is
 * summed in BigInt.
 */
export class RunningSum {
  static readonly #SAFE = 2 ** 50;
  #fast = 0;
  #exact = 0n;
  #useExact = false;

  add(amount: string): void {
    const value = Number(amount);
    if (!this.#useExact && Math.abs(value) < 1e9 && Math.abs(this.#fast) < RunningSum.#SAFE)
      this.#fast += Math.round(value * 100_000);
    else {
      if (!this.#useExact) this.#exact = BigInt(this.#fast);
      this.#useExact = true;
      this.#exact += amountUnits(amount);
    }
  }

  /** The sum in hundred-thousandths. */
  get units(): bigint {
    return this.#useExact ? this.#exact : BigInt(this.#fast);
  }
}

/** Sums decimal strings exactly. */
export function sumAmounts(amounts: readonly string[]): string {
  if (amounts.length === 1) return normalizeAmount(amounts[0]!);
  let total = 0n;
  for (const amount of amounts) total += amountUnits(amount);
  return unitsAmount(total);
}

/** "00000000003560" with 2 implied decimals → "35.6". */
export function impliedDecimal(digits: string, decimals: number, negative: boolean): string {
  const padded = digits.padStart(decimals + 1, '0');
  const value = sumAmounts([`${padded.slice(0, -decimals)}.${padded.slice(-decimals)}`]);
  return negative && value !== '0' ? `-${value}` : value;
}

/** Opening + movements must give closing: an issue when they do not. */
export function checkBalances(statement: Statement, line: number | null): Issue | null {
  if (!statement.opening || !statement.closing) return null;
  const computed = sumAmounts([statement.opening.amount, ...statement.transactions.map((t) => t.amount)]);
  if (sumAmounts([computed, `-${statement.closing.amount}`.replace('--', '')]) === '0') return null;
  return {
    severity: 'warning',
    line,
    message: `opening balance ${statement.opening.amount} + movements = ${computed}, but the closing balance is ${statement.closing.amount}`,
  };
}

/**
 * Remembers a pure function of one string (date parsing: a statement repeats the same few hundred
 * dates hundreds of thousands of times). Forgets everything when it holds `limit` results.
 */
export function cachedByText<T>(fn: (text: string) => T, limit = 4096): (text: string) => T {
  let cache = new Map<string, T>();
  return (text) => {
    const hit = cache.get(text);
    if (hit !== undefined || cache.has(text)) return hit as T;
    const value = fn(text);
    if (cache.size >= limit) cache = new Map();
    cache.set(text, value);
    return value;
  };
}
