// QIF (Quicken Interchange Format): "!Type:Bank|Cash|CCard|Invst|Oth A|Oth L" sections of records,
// one field per line (D date, T/U amount, P payee, M memo, N number, L category, S/E/$ splits),
// each record ended by "^". "!Account" blocks name the account; category and class lists are
// skipped. QIF writes dates in the order of the exporter's locale, so the order (month/day/year,
// day/month/year or year/month/day) is chosen once for the whole file: the one under which every
// date is valid and the dates span the shortest time. QIF has no currency and no balances.
// Streaming: records wait in a queue only while more than one order is still possible (a day
// above 12 settles it within weeks of dates), then flow straight through.
import {
  cachedByText,
  normalizeAmount,
  type ParseResult,
  type StatementTransaction,
  sumAmounts,
} from '../statement.ts';
import {
  LineSplitter,
  parseWhole,
  type StatementHeader,
  type StatementSink,
  type TextParser,
} from '../stream.ts';
import { qifCashAmount, qifSecurityOf, qifTradeOf } from './investments.ts';

const TRANSACTION_SECTIONS = /^!Type:(Bank|Cash|CCard|Invst|Oth A|Oth L)\s*$/i;
const SECURITY_LIST = /^!Type:Security\s*$/i;

type Order = 'mdy' | 'dmy' | 'ymd';

function partsOf(raw: string): [string, string, string] | null {
  const parts = raw
    .trim()
    .replace(/'\s*/, '/')
    .split(/[/.-]/)
    .map((p) => p.trim());
  return parts.length === 3 && parts.every((p) => /^\d{1,4}$/.test(p))
    ? (parts as [string, string, string])
    : null;
}

const fullYear = (y: string) => (y.length === 4 ? Number(y) : Number(y) + (Number(y) < 70 ? 2000 : 1900));

/** A QIF date read in `order`, or null when it is not a real date that way. */
export function qifDate(raw: string, order: Order): string | null {
  return datesIn[order](raw);
}

function readDate(raw: string, order: Order): string | null {
  const parts = partsOf(raw);
  if (!parts) return null;
  const [a, b, c] = parts;
  const [y, m, d] =
    a.length === 4
      ? [fullYear(a), Number(b), Number(c)]
      : order === 'mdy'
        ? [fullYear(c), Number(a), Number(b)]
        : order === 'dmy'
          ? [fullYear(c), Number(b), Number(a)]
          : [fullYear(a), Number(b), Number(c)];
  const iso = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  const date = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== iso ? null : iso;
}

const datesIn = {
  mdy: cachedByText((raw) => readDate(raw, 'mdy')),
  dmy: cachedByText((raw) => readDate(raw, 'dmy')),
  ymd: cachedByText((raw) => readDate(raw, 'ymd')),
};

/** The date order under which every date is valid and the dates are closest together. */
export function chooseDateOrder(raws: readonly string[]): Order | null {
  let best: { order: Order; span: number } | null = null;
  for (const order of ['mdy', 'dmy', 'ymd'] as const) {
    const dates = raws.map((raw) => qifDate(raw, order));
    if (dates.some((d) => d === null)) continue;
    const times = dates.map((d) => Date.parse(d!));
    const span = times.length ? Math.max(...times) - Math.min(...times) : 0;
    if (!best || span < best.span) best = { order, span };
  }
  return best?.order ?? null;
}

/** "-1,000.00", "1.000,00", "1 000,00" → decimal string, or null. */
export function qifAmount(raw: string): string | null {
  if (/^-?\d+(\.\d{1,5})?$/.test(raw)) return normalizeAmount(raw);
  let v = raw.trim().replace(/[\s']/g, '');
  if (/^[-+]?\d{1,3}(\.\d{3})*,\d+$/.test(v)) v = v.replaceAll('.', '').replace(',', '.');
  else v = v.replaceAll(',', '');
  return /^[-+]?(\d+\.?\d*|\.\d+)$/.test(v)
    ? sumAmounts([v.replace(/^\+/, '').replace(/^(-?)\./, '$10.')])
    : null;
}

interface RawRecord {
  fields: Map<string, string>;
  line: number;
  /** From an investment (Invst) section: a trade or a cash-only action. */
  investment: boolean;
}

export function looksLikeQif(text: string): boolean {
  return /^\s*!(Type:|Account|Option:|Clear:)/i.test(text.replace(/^\uFEFF/, ''));
}

type Queued =
  | { kind: 'begin'; header: StatementHeader }
  | { kind: 'record'; record: RawRecord }
  | { kind: 'end'; header: StatementHeader };

const ORDERS: readonly Order[] = ['mdy', 'dmy', 'ymd'];

export class QifParser implements TextParser {
  readonly #sink: StatementSink;
  readonly #lines = new LineSplitter((line, number) => this.#line(line, number));
  #account: string | null = null;
  #mode: 'transactions' | 'account' | 'securities' | 'skip' = 'skip';
  #investmentSection = false;
  #current: RawRecord | null = null;
  #section: StatementHeader | null = null;
  #sections = 0;
  /** The date orders every date so far can be read in. */
  #orders = new Set<Order>(ORDERS);
  #order: Order | null = null;

  detected(): Record<string, unknown> | null {
    return this.#order ? { date_order: this.#order } : null;
  }
  #queue: Queued[] = [];
  #failed = false;

  constructor(sink: StatementSink) {
    this.#sink = sink;
  }

  write(text: string): void {
    this.#lines.write(text);
  }

  close(): void {
    this.#lines.close();
    this.#endSection();
    if (!this.#order && !this.#failed) {
      const raws = this.#queue.flatMap((q) => (q.kind === 'record' ? [q.record.fields.get('D') ?? ''] : []));
      this.#order = chooseDateOrder(raws.filter(Boolean)) ?? 'mdy';
    }
    this.#flush();
    if (this.#sections > 0)
      this.#sink.issue({
        severity: 'warning',
        line: null,
        message: 'QIF carries no currency and no balances (currency XXX until one is given)',
      });
  }

  #enqueue(item: Queued): void {
    this.#queue.push(item);
    if (this.#order || this.#failed) this.#flush();
  }

  #flush(): void {
    const queue = this.#queue;
    this.#queue = [];
    for (const item of queue) {
      if (item.kind === 'begin') this.#sink.begin(item.header, null);
      else if (item.kind === 'end') this.#sink.end(item.header, null);
      else if (!this.#failed) this.#emit(item.record);
    }
  }

  #endSection(): void {
    if (this.#section) this.#enqueue({ kind: 'end', header: this.#section });
    this.#section = null;
  }

  #line(raw: string, number: number): void {
    const line = raw.trimEnd();
    if (line === '') return;
    const first = line.charCodeAt(0);
    if (first === 33 /* ! */) {
      this.#current = null;
      if (/^!Account/i.test(line)) this.#mode = 'account';
      else if (TRANSACTION_SECTIONS.test(line)) {
        this.#mode = 'transactions';
        this.#investmentSection = /Invst/i.test(line);
        this.#endSection();
        this.#sections += 1;
        this.#section = {
          account: {
            number: this.#account ?? 'QIF',
            iban: null,
            currency: 'XXX',
            name: this.#account,
            bankCode: null,
            branchCode: null,
          },
          startDate: null,
          endDate: null,
          opening: null,
          closing: null,
          ...(this.#investmentSection && {
            investment: { brokerId: null, availableCash: null, asOf: null },
          }),
        };
        this.#enqueue({ kind: 'begin', header: this.#section });
      } else if (SECURITY_LIST.test(line)) this.#mode = 'securities';
      else if (/^!Option|^!Clear/i.test(line)) return;
      else this.#mode = 'skip';
      return;
    }
    if (first === 94 /* ^ */) {
      if (this.#mode === 'transactions' && this.#current) this.#record(this.#current);
      if (this.#mode === 'securities' && this.#current) {
        const security = qifSecurityOf(this.#current.fields, this.#current.line);
        if (security) this.#sink.security?.(security);
      }
      this.#current = null;
      return;
    }
    const code = line[0]!;
    const value = line.slice(1);
    if (this.#mode === 'account') {
      if (code === 'N') this.#account = value.trim();
      return;
    }
    if (this.#mode !== 'transactions' && this.#mode !== 'securities') return;
    this.#current ??= { fields: new Map(), line: number, investment: this.#investmentSection };
    // Split lines (S, E, $) repeat; the record's own fields come first and win.
    if (!this.#current.fields.has(code)) this.#current.fields.set(code, value);
  }

  #record(record: RawRecord): void {
    const raw = record.fields.get('D');
    if (raw && !this.#failed) {
      for (const order of this.#orders) if (!qifDate(raw, order)) this.#orders.delete(order);
      if (this.#orders.size === 0) {
        this.#failed = true;
        this.#sink.issue({
          severity: 'error',
          line: record.line,
          message: 'the dates cannot all be read in one day/month/year order',
        });
      } else if (this.#orders.size === 1) this.#order ??= [...this.#orders][0]!;
    }
    this.#enqueue({ kind: 'record', record });
  }

  #emit(record: RawRecord): void {
    const rawDate = record.fields.get('D');
    const rawAmount = record.fields.get('T') ?? record.fields.get('U');
    const date = rawDate && this.#order ? qifDate(rawDate, this.#order) : null;
    const amount = rawAmount ? qifAmount(rawAmount) : null;
    const action = record.fields.get('N')?.trim();
    // An Invst trade needs only its date (a share transfer or a split has no amount).
    const trade =
      date && record.investment
        ? qifTradeOf({ fields: record.fields, date, line: record.line }, qifAmount)
        : null;
    if (trade) {
      this.#sink.investmentTransaction?.(trade);
      return;
    }
    if (!date || amount === null) {
      this.#sink.issue({
        severity: 'error',
        line: record.line,
        message: `record skipped: ${!date ? `date "${rawDate ?? ''}"` : `amount "${rawAmount ?? ''}"`} is not valid`,
      });
      return;
    }
    const fields = record.fields;
    const payee = fields.get('P')?.trim() || null;
    const memo = fields.get('M')?.trim() || null;
    const cash = record.investment ? qifCashAmount(action, amount) : amount;
    const transaction: StatementTransaction = {
      sourceId: null,
      bookingDate: date,
      valueDate: null,
      amount: cash,
      currency: 'XXX',
      description:
        (payee && memo ? `${payee} — ${memo}` : (payee ?? memo)) || (record.investment ? (action ?? '') : ''),
      counterparty: payee,
      reference: record.investment ? null : (action ?? null),
      bankCode: fields.get('L')?.trim() || null,
      line: record.line,
    };
    this.#sink.transaction(transaction);
  }
}

export function parseQif(text: string): ParseResult {
  return parseWhole('qif', (sink) => new QifParser(sink), text);
}
