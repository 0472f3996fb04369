// SWIFT MT940 (customer statement) and MT942 (interim report). A message is a list of fields
// (":20:", ":25:", ":60F:", ":61:", ":86:", ":62F:", …), each running until the next field; SWIFT
// block wrappers ({1:…}{2:…}{4:) and the "-" end markers are skipped. Each :20: starts a
// statement. :61: is a movement (value date, optional MMDD entry date, D/C/RD/RC mark, amount with a
// decimal comma, type, references); the :86: after it describes it, in the German ?20–?63
// sub-field dialect, the Dutch /TRTP/…/NAME/…/REMI/… one, or free text.
import type { ParseResult, StatementTransaction } from '../statement.ts';
import { cachedByText, sumAmounts } from '../statement.ts';
import {
  LineSplitter,
  parseWhole,
  type StatementHeader,
  type StatementSink,
  type TextParser,
} from '../stream.ts';

interface Field {
  tag: string;
  value: string;
  line: number;
}

/**
 * A field's tag: SWIFT's two digits and an optional letter, or a bank's own letters (":NS:", ":ZZ:"),
 * which are fields of their own (ignored) rather than text of the field before.
 */
const FIELD = /^:(\d{2}[A-Z]?|[A-Z][A-Z0-9]{1,2}):(.*)$/;

/**
 * Assembles fields from lines: a field runs from its ":tag:" line until the next field, a SWIFT
 * block wrapper or an end marker. `onField` gets each field once it is complete.
 */
class FieldReader {
  #field: Field | null = null;
  readonly #onField: (field: Field) => void;
  constructor(onField: (field: Field) => void) {
    this.#onField = onField;
  }
  line(raw: string, number: number): void {
    // Block wrappers only ever start a line: the common line is left as it is.
    const line =
      raw.charCodeAt(0) === 123 ? raw.replace(/^\{[1-5]:[^}]*\}*/g, '').replace(/^\{4:\s*$/, '') : raw;
    const match = line.charCodeAt(0) === 58 ? FIELD.exec(line) : null;
    if (match) {
      this.flush();
      this.#field = { tag: match[1]!, value: match[2]!, line: number };
    } else if (/^-\}?\s*$/.test(line) || /^\{/.test(raw) || line.trim() === '') return;
    else if (this.#field) this.#field.value += `\n${line}`;
  }
  flush(): void {
    if (this.#field) this.#onField(this.#field);
    this.#field = null;
  }
}

/**
 * YYMMDD → yyyy-mm-dd, or null when it is not a date. Banks that count interest on 30-day months
 * write value dates such as February 30: those are read as the month's last day.
 */
const dateOf = cachedByText((text: string): string | null => {
  if (!/^\d{6}$/.test(text)) return null;
  const year = 2000 + Number(text.slice(0, 2));
  const month = Number(text.slice(2, 4));
  const day = Number(text.slice(4, 6));
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${year}-${String(month).padStart(2, '0')}-${String(Math.min(day, last)).padStart(2, '0')}`;
});

const amountOf = (text: string) => sumAmounts([(text.endsWith(',') ? `${text}0` : text).replace(',', '.')]);

/**
 * :60F:/:62F: "C140220EUR662,23" → signed amount, date, and currency (null when the bank left it
 * out: "C140220662,23", read with the statement's).
 */
function balanceOf(value: string) {
  const match = /^([CD])(\d{6})([A-Z]{3})?(\d[\d,]*)/.exec(value.trim());
  if (!match) return null;
  const amount = amountOf(match[4]!);
  return {
    amount: match[1] === 'D' && amount !== '0' ? `-${amount}` : amount,
    date: dateOf(match[2]!),
    currency: match[3] ?? null,
  };
}

/** The currency an MT942 states without balances: :34F: floor limit "EURD0,", :90D:/:90C: "5EUR123,45". */
function reportCurrencyOf(tag: string, value: string): string | null {
  const pattern = tag === '34F' ? /^([A-Z]{3})[CD]?\d/ : /^\d+([A-Z]{3})\d/;
  return pattern.exec(value.trim())?.[1] ?? null;
}

/** The readable parts of a :86: field: description, counterparty, its account. */
export function describe86(raw: string): { description: string; counterparty: string | null } {
  const value = raw.includes('\n') ? raw.replace(/\n/g, '') : raw;
  if (/^\d{3}\?/.test(value) || /\?2\d/.test(value)) {
    // German: ?00 posting text, ?20–?29 and ?60–?63 purpose, ?32–?33 counterparty name. A code
    // that comes back is appended to its first place.
    const parts: string[] = [];
    const order: number[] = [];
    const segments = value.split('?');
    for (let index = 1; index < segments.length; index += 1) {
      const segment = segments[index]!;
      const tens = segment.charCodeAt(0) - 48;
      const units = segment.charCodeAt(1) - 48;
      if (!(tens >= 0 && tens <= 9 && units >= 0 && units <= 9)) continue;
      const code = tens * 10 + units;
      if (parts[code] === undefined) {
        parts[code] = segment.slice(2);
        order.push(code);
      } else parts[code] += segment.slice(2);
    }
    let purpose = '';
    for (const code of order)
      if ((code >= 20 && code <= 29) || (code >= 60 && code <= 63)) purpose += parts[code];
    purpose = purpose.trim();
    const name = `${parts[32] ?? ''}${parts[33] ?? ''}`.trim() || null;
    return { description: purpose || parts[0]?.trim() || value, counterparty: name };
  }
  if (/\/(TRTP|NAME|REMI|EREF)\//.test(value)) {
    const part = (key: string) =>
      new RegExp(`/${key}/(.*?)(?=/[A-Z]{3,4}/|$)`).exec(value)?.[1]?.trim() || null;
    const remi = part('REMI')?.replace(/^USTD\/\/|^STRD\/CUR\/\/?/, '') ?? null;
    return { description: remi ?? part('TRTP') ?? value, counterparty: part('NAME') };
  }
  return { description: raw.replace(/\n/g, ' ').trim(), counterparty: null };
}

/** SWIFT field tags a statement or report is made of (not a bank's own letters). */
const SWIFT_TAG = /^:(20|21|25|28C|28|13D|34F|60F|60M|61|62F|62M|64|65|86|90D|90C):/;

/**
 * MT940/MT942: one of the first lines (after any SWIFT block wrapper) is a SWIFT field: a whole
 * statement, or a fragment cut anywhere (starting at :25:, :28C:, :60F:, :61:, :64:, …). A few
 * short lines may come before it (a bank's preamble: its BIC, "940", ":940:"), none holding a
 * CSV separator. A line that starts with a SWIFT tag is never taken for CSV, whatever commas its
 * amounts hold.
 */
export function looksLikeMt940(text: string): boolean {
  const lines = text
    .slice(0, 8192)
    .split(/\r?\n/)
    .map((line) => line.replace(/^(\{[1-5]:[^}]*\}*)+/, '').replace(/^\{4:\s*$/, ''))
    .filter((line) => line.trim() !== '' && !/^-\}?\s*$/.test(line))
    .slice(0, MAX_PREAMBLE_LINES + 1);
  const first = lines.findIndex((line) => SWIFT_TAG.test(line));
  return first >= 0 && lines.slice(0, first).every((line) => /^[^,;\t]{0,40}$/.test(line));
}

/** Lines a bank may write before the first field (ABN AMRO: BIC, "940", BIC). */
const MAX_PREAMBLE_LINES = 4;

/** :61: value date, entry date, mark, funds code, amount, type, references. */
const MOVEMENT = /^(\d{6})(\d{4}| {4})?(RC|RD|EC|ED|C|D)([A-Z]?)(\d[\d,]*)([NFS][A-Z0-9]{3})?(.*)$/;

/** Streaming MT940/MT942: needs only the current statement header and the last movement. */
export class Mt940Parser implements TextParser {
  readonly #sink: StatementSink;
  readonly #fields = new FieldReader((field) => this.#field(field));
  readonly #lines = new LineSplitter((line, number) => this.#fields.line(line, number));
  #statement: StatementHeader | null = null;
  #begun = false;
  /** The last movement, held until its :86: (if any) has been read. */
  #pending: StatementTransaction | null = null;

  constructor(sink: StatementSink) {
    this.#sink = sink;
  }

  write(text: string): void {
    this.#lines.write(text);
  }

  close(): void {
    this.#lines.close();
    this.#fields.flush();
    this.#finish();
  }

  /** The statement being read; fields before any :20: make a statement of their own (a fragment). */
  #open(): StatementHeader {
    this.#statement ??= {
      account: { number: '', iban: null, currency: 'XXX', name: null, bankCode: null, branchCode: null },
      startDate: null,
      endDate: null,
      opening: null,
      closing: null,
    };
    return this.#statement;
  }

  #emitPending(): void {
    if (!this.#pending) return;
    if (!this.#begun) this.#sink.begin(this.#statement!, this.#pending.line);
    this.#begun = true;
    this.#sink.transaction(this.#pending);
    this.#pending = null;
  }

  #finish(): void {
    this.#emitPending();
    if (this.#statement) {
      if (!this.#begun) this.#sink.begin(this.#statement, null);
      this.#sink.end(this.#statement, null);
    }
    this.#statement = null;
    this.#begun = false;
  }

  #error(line: number, message: string): void {
    this.#sink.issue({ severity: 'error', line, message });
  }

  #field(field: Field): void {
    if (field.tag === '86') {
      const last = this.#pending;
      if (last && last.line < field.line) {
        const { description, counterparty } = describe86(field.value);
        last.description = description || last.description;
        last.counterparty = counterparty;
      }
      this.#emitPending();
      return;
    }
    this.#emitPending();
    if (field.tag === '20') {
      this.#finish();
      this.#open();
      return;
    }
    const statement = this.#open();
    switch (field.tag) {
      case '25': {
        const id = field.value.trim();
        statement.account.number = id;
        statement.account.iban = /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}/.exec(id.replace(/\s/g, ''))?.[0] ?? null;
        break;
      }
      case '60F':
      case '60M': {
        const balance = this.#balance(field, statement);
        if (balance && !statement.opening) {
          statement.opening = { amount: balance.amount, date: balance.date };
          if (balance.currency) statement.account.currency = balance.currency;
          statement.startDate = balance.date;
        }
        break;
      }
      case '62F':
      case '62M': {
        const balance = this.#balance(field, statement);
        if (balance) {
          statement.closing = { amount: balance.amount, date: balance.date };
          statement.endDate = balance.date;
          if (statement.account.currency === 'XXX' && balance.currency)
            statement.account.currency = balance.currency;
        }
        break;
      }
      // An interim report (MT942) has no balances: its currency is in the floor limit and the sums.
      case '34F':
      case '90D':
      case '90C': {
        const currency = reportCurrencyOf(field.tag, field.value);
        if (currency && statement.account.currency === 'XXX') statement.account.currency = currency;
        break;
      }
      case '61':
        this.#pending = this.#movement(field, statement.account.currency);
        break;
      default:
        break;
    }
  }

  /**
   * A balance field; a malformed one costs the balance (an error issue), never the movements. One
   * without its currency is read in the statement's, with a warning (the balance check confirms it).
   */
  #balance(field: Field, statement: StatementHeader) {
    const balance = balanceOf(field.value);
    if (!balance) {
      this.#error(field.line, `:${field.tag}: is not a balance`);
      return null;
    }
    if (!balance.currency)
      this.#sink.issue({
        severity: 'warning',
        line: field.line,
        message: `:${field.tag}: has no currency; read in the statement's (${statement.account.currency})`,
      });
    return balance;
  }

  #movement(field: Field, currency: string): StatementTransaction | null {
    const pattern = MOVEMENT;
    const value = field.value;
    const newline = value.indexOf('\n');
    let first = newline < 0 ? value : value.slice(0, newline);
    let rest = newline < 0 ? '' : value.slice(newline + 1);
    let match = pattern.exec(first);
    // Some banks wrap the amount onto the next line.
    if (!match && rest !== '') {
      const next = rest.indexOf('\n');
      first = `${first}${next < 0 ? rest : rest.slice(0, next)}`;
      rest = next < 0 ? '' : rest.slice(next + 1);
      match = pattern.exec(first);
    }
    const valueDate = match ? dateOf(match[1]!) : null;
    if (!match || !valueDate) {
      this.#error(field.line, `:61: "${first}" is not a movement`);
      return null;
    }
    const mark = match[3]!;
    const amount = amountOf(match[5]!);
    // D and RC (reversal of a credit) take money out; C and RD put it back.
    const negative = mark === 'D' || mark === 'RC' || mark === 'ED';
    let booking: string | null = null;
    const mmdd = match[2]?.trim();
    if (mmdd) {
      const year = Number(valueDate.slice(0, 4));
      const entry = (y: number) => dateOf(`${String(y).slice(2)}${mmdd}`);
      booking = entry(year);
      // December value date, January entry date (or the reverse): the entry is in the next (previous) year.
      if (booking && valueDate.slice(5, 7) === '12' && mmdd.startsWith('01')) booking = entry(year + 1);
      if (booking && valueDate.slice(5, 7) === '01' && mmdd.startsWith('12')) booking = entry(year - 1);
    }
    const references = match[7] ?? '';
    const split = references.indexOf('//');
    const ownerRef = (split < 0 ? references : references.slice(0, split)).trim();
    const bankEnd = split < 0 ? -1 : references.indexOf('//', split + 2);
    const bankRef = split < 0 ? '' : references.slice(split + 2, bankEnd < 0 ? undefined : bankEnd).trim();
    return {
      sourceId: null,
      bookingDate: booking ?? valueDate,
      valueDate,
      amount: negative && amount !== '0' ? `-${amount}` : amount,
      currency,
      description: (rest.includes('\n') ? rest.replaceAll('\n', ' ') : rest).trim() || match[6] || '',
      counterparty: null,
      reference: referenceOf(ownerRef, bankRef),
      bankCode: match[6] ?? null,
      line: field.line,
    };
  }
}

/** The customer's and the bank's references of a :61:, without the "NONREF" placeholder. */
function referenceOf(owner: string, bank: string): string | null {
  const ownerRef = owner === 'NONREF' ? '' : owner;
  const bankRef = bank === 'NONREF' ? '' : bank;
  return (ownerRef && bankRef ? `${ownerRef} ${bankRef}` : ownerRef || bankRef) || null;
}

export function parseMt940(text: string): ParseResult {
  return parseWhole('mt940', (sink) => new Mt940Parser(sink), text);
}
