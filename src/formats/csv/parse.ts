// Bank CSV exports: one statement per file, one movement per data row. The layout (delimiter,
// header, columns, date order, decimal mark) is worked out from the first 64 KB or taken from a
// mapping; after that the file streams through csv-parse in batches of whole records (a batch
// ends at a line break outside quotes). Rows narrower or wider than the table are summary or
// preamble lines and are skipped with a warning; a row whose date or amount cannot be read is an
// error.
import {
  amountUnits,
  type ParseResult,
  RunningSum,
  type StatementTransaction,
  sumAmounts,
} from '../statement.ts';
import {
  collector,
  type StatementHeader,
  type StatementSink,
  type TextParser,
  withBalanceCheck,
} from '../stream.ts';
import {
  type CsvLayout,
  type CsvMapping,
  detectDelimiter,
  isBlankRow,
  type LayoutResult,
  readRows,
  resolveLayout,
} from './layout.ts';
import { csvAmount, csvDate, looksLikeAmount, looksLikeDate } from './values.ts';

const SAMPLE = 65_536;

/** The text up to the last line break that is outside quotes (null when there is none). */
function wholeRecordsEnd(text: string): number {
  let quoted = false;
  let end = -1;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code === 34) quoted = !quoted;
    else if (!quoted && (code === 10 || code === 13)) end = index + 1;
  }
  return end;
}

interface BalancePoint {
  date: string;
  balance: string;
  amount: string;
}

export class CsvParser implements TextParser {
  readonly #sink: StatementSink;
  readonly #mapping: CsvMapping;
  #buffer = '';
  #layout: LayoutResult | null = null;
  #rows = 0;
  #line = 0;
  #header: StatementHeader | null = null;
  #lastDate: string | null = null;
  #first: BalancePoint | null = null;
  #last: BalancePoint | null = null;
  /** The sum of the movements that have a balance. */
  readonly #sum = new RunningSum();

  constructor(sink: StatementSink, mapping: CsvMapping = {}) {
    this.#sink = sink;
    this.#mapping = mapping;
  }

  /** The layout used (or why none could be worked out), once the sample has been read. */
  get layout(): LayoutResult | null {
    return this.#layout;
  }

  write(text: string): void {
    this.#buffer += text;
    if (!this.#layout && this.#buffer.length < SAMPLE) return;
    const end = wholeRecordsEnd(this.#buffer);
    if (end <= 0) return;
    this.#consume(this.#buffer.slice(0, end));
    this.#buffer = this.#buffer.slice(end);
  }

  close(): void {
    const rest = this.#buffer;
    this.#buffer = '';
    this.#consume(rest);
    if (this.#layout?.ok) this.#finish();
  }

  #consume(text: string): void {
    if (!this.#layout) {
      const sample = text.replace(/^\uFEFF/, '');
      const delimiter = this.#mapping.delimiter ?? detectDelimiter(sample);
      this.#layout = resolveLayout(readRows(sample, delimiter), delimiter, this.#mapping);
      if (!this.#layout.ok)
        this.#sink.issue({
          severity: 'error',
          line: null,
          message: `${this.#layout.reason}; pass a csv_mapping to import this file`,
          csv: { suggestion: this.#layout.suggestion, columns: this.#layout.header },
        });
    }
    if (!this.#layout.ok || text === '') return;
    const layout = this.#layout.layout;
    for (const row of readRows(text.replace(/^\uFEFF/, ''), layout.delimiter)) {
      const line = this.#line + 1;
      // Line numbers: a record spans as many lines as it has line breaks inside quotes, plus one.
      this.#line += 1;
      for (const cell of row)
        if (cell.includes('\n') || cell.includes('\r')) this.#line += cell.match(/\r\n|\r|\n/g)!.length;
      this.#rows += 1;
      if (this.#rows <= layout.skipRows || isBlankRow(row)) continue;
      if (row.length !== layout.fields) {
        this.#sink.issue({
          severity: 'warning',
          line,
          message: `row skipped: ${row.length} fields where the table has ${layout.fields} (a summary or preamble line)`,
        });
        continue;
      }
      this.#row(layout, row, line);
    }
  }

  #row(layout: CsvLayout, row: string[], line: number): void {
    const cell = (index: number | null) => (index === null ? '' : (row[index] ?? '').trim());
    const error = (message: string) =>
      this.#sink.issue({ severity: 'error', line, message: `row skipped: ${message}` });
    const amountCells = [layout.amount, layout.debit, layout.credit].map(cell).filter((c) => c !== '');
    const anyAmount = amountCells.some(looksLikeAmount);
    const skip = (why: string) =>
      this.#sink.issue({ severity: 'warning', line, message: `row skipped: ${why}` });
    let date = csvDate(cell(layout.date), layout.dateOrder);
    const pending = this.#lastDate ?? layout.latestDate;
    if (!date && /^pending$/i.test(cell(layout.date)) && pending) {
      date = pending;
      this.#sink.issue({
        severity: 'warning',
        line,
        message: `a pending movement: dated ${date}, the latest date before it`,
      });
    }
    // A row with neither a date nor an amount, or with words where the date goes, is a note, a
    // total or a footer ("Balance at end of period"), not a movement.
    if (!date && (!anyAmount || !looksLikeDate(cell(layout.date)))) {
      skip(`"${cell(layout.date).slice(0, 40)}" is not a movement`);
      return;
    }
    if (!date) {
      error(`date "${cell(layout.date)}" is not a date (read as ${layout.dateOrder})`);
      return;
    }
    // A dated row without an amount moved no money (a stock split, a notice).
    if (amountCells.length === 0) {
      skip('no amount');
      return;
    }
    this.#lastDate = date;
    let amount: string | null;
    if (layout.amount !== null) {
      amount = csvAmount(cell(layout.amount), layout.decimal);
      const way = cell(layout.direction).toLowerCase();
      if (amount !== null && layout.direction !== null && layout.debitValues.has(way))
        amount = amount.startsWith('-') || amount === '0' ? amount : `-${amount}`;
    } else {
      const debit = csvAmount(cell(layout.debit), layout.decimal);
      const credit = csvAmount(cell(layout.credit), layout.decimal);
      amount =
        debit === null && credit === null
          ? null
          : sumAmounts([credit ?? '0', `-${(debit ?? '0').replace(/^-/, '')}`.replace(/^-0$/, '0')]);
    }
    if (amount === null) {
      error(`amount "${amountCells.join(' / ')}" is not an amount`);
      return;
    }
    if (layout.negate && amount !== '0') amount = amount.startsWith('-') ? amount.slice(1) : `-${amount}`;
    const currency = /^[A-Za-z]{3}$/.test(cell(layout.currency))
      ? cell(layout.currency).toUpperCase()
      : (layout.currencyCode ?? 'XXX');
    if (!this.#header) {
      const number = layout.accountNumber ?? (cell(layout.account) || 'CSV');
      const compact = number.replace(/\s/g, '');
      this.#header = {
        account: {
          number,
          iban: /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(compact) ? compact : null,
          currency,
          name: null,
          bankCode: null,
          branchCode: null,
        },
        startDate: null,
        endDate: null,
        opening: null,
        closing: null,
      };
      this.#sink.begin(this.#header, line);
    }
    const description = layout.description.map(cell).filter(Boolean).join(' ');
    const transaction: StatementTransaction = {
      sourceId: cell(layout.id) || null,
      bookingDate: date,
      valueDate: csvDate(cell(layout.valueDate), layout.dateOrder),
      amount,
      currency,
      description: description || cell(layout.counterparty),
      counterparty: cell(layout.counterparty) || null,
      reference: cell(layout.reference) || null,
      bankCode: null,
      line,
    };
    const balance = layout.balance !== null ? csvAmount(cell(layout.balance), layout.decimal) : null;
    if (balance !== null) {
      this.#sum.add(amount);
      const point = { date, balance, amount };
      this.#first ??= point;
      this.#last = point;
    }
    const header = this.#header;
    if (!header.startDate || date < header.startDate) header.startDate = date;
    if (!header.endDate || date > header.endDate) header.endDate = date;
    this.#sink.transaction(transaction);
  }

  /** Balances from the balance column: the file may list newest first or oldest first. */
  #finish(): void {
    if (!this.#header) return;
    const first = this.#first;
    const last = this.#last;
    if (first && last) {
      // The order that makes the balances agree with the movements; else the order of the dates
      // (rows of one day carry no time to tell which came first).
      const agrees = (oldest: BalancePoint, newest: BalancePoint) =>
        amountUnits(oldest.balance) - amountUnits(oldest.amount) + this.#sum.units ===
        amountUnits(newest.balance);
      const newestFirst =
        agrees(last, first) && !agrees(first, last)
          ? true
          : agrees(first, last)
            ? false
            : first.date > last.date;
      const [oldest, newest] = newestFirst ? [last, first] : [first, last];
      this.#header.opening = {
        amount: sumAmounts([oldest.balance, `-${oldest.amount}`.replace('--', '')]),
        date: oldest.date,
      };
      this.#header.closing = { amount: newest.balance, date: newest.date };
    }
    this.#sink.end(this.#header, null);
  }
}

/** A whole CSV text, with the layout that was used. */
export function parseCsv(
  text: string,
  mapping: CsvMapping = {},
): ParseResult & { layout: LayoutResult | null } {
  const { sink, result } = collector('csv');
  const parser = new CsvParser(withBalanceCheck(sink), mapping);
  parser.write(text);
  parser.close();
  return { ...result, layout: parser.layout };
}

export function looksLikeCsv(text: string): boolean {
  const sample = text.slice(0, SAMPLE);
  try {
    const whole = sample.slice(0, Math.max(wholeRecordsEnd(sample), 0)) || sample;
    return readRows(whole, detectDelimiter(whole)).some((row) => row.length > 1);
  } catch {
    return false;
  }
}
