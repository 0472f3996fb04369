// Bank CSV exports: one statement per file, one movement per data row. The layout (delimiter,
// header, columns, date order, decimal mark) is worked out from the first 64 KB (more while only
// the date order is open) or taken from a mapping; after that the file streams through in batches
// of whole records (`records.ts`: a batch ends at a line break outside quotes). Rows narrower or
// wider than the table are summary or preamble lines and are skipped with a warning; a row whose
// date or amount cannot be read is an error.
import {
  amountUnits,
  cachedByText,
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
  isHeaderCopy,
  type LayoutResult,
  readRows,
  resolveLayout,
} from './layout.ts';
import { recordsOf, wholeRecordsEnd } from './records.ts';
import { csvAmount, csvDate, looksLikeAmount, looksLikeDate } from './values.ts';

/**
 * The layout (delimiter, header, columns, date order, decimal mark) is read from the whole
 * records of the first 64 KB, whether the file streams in or comes whole; format detection
 * looks at as much.
 */
const SAMPLE = 65_536;
/**
 * When only the date order is in doubt (every day so far 12 or less), the sample grows, four
 * times over each time, up to this much: a busy account can have a thousand rows in the first
 * twelve days of a month. Beyond it the import asks for `csv_mapping.date_order`.
 */
const LARGEST_SAMPLE = 4 * 1_048_576;

/** A cell, trimmed; '' for a column the layout does not have. */
const cellOf = (row: readonly string[], index: number | null): string =>
  index === null ? '' : (row[index] ?? '').trim();

/** The non-empty amount cells of a row (one signed amount, or debit and credit). */
const amountCellsOf = (layout: CsvLayout, row: readonly string[]): string[] =>
  [layout.amount, layout.debit, layout.credit].map((index) => cellOf(row, index)).filter((c) => c !== '');

/** A currency code cell ("eur" → "EUR"), or null when the cell is not one. */
const currencyOf = cachedByText((text) => (/^[A-Za-z]{3}$/.test(text) ? text.toUpperCase() : null));

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
  /** How much text the layout is read from (see LARGEST_SAMPLE). */
  #sample = SAMPLE;
  #line = 0;
  #header: StatementHeader | null = null;
  #lastDate: string | null = null;
  #first: BalancePoint | null = null;
  #last: BalancePoint | null = null;
  /** The sum of the movements that have a balance. */
  #sum = new RunningSum();

  constructor(sink: StatementSink, mapping: CsvMapping = {}) {
    this.#sink = sink;
    this.#mapping = mapping;
  }

  detected(): Record<string, unknown> | null {
    if (!this.#layout?.ok) return null;
    const layout = this.#layout.layout;
    const column = (index: number | null) => (index === null ? null : (layout.header?.[index] ?? index));
    return {
      delimiter: layout.delimiter,
      decimal: layout.decimal,
      date_order: layout.dateOrder,
      header: layout.header !== null,
      columns: Object.fromEntries(
        Object.entries({
          date: layout.date,
          value_date: layout.valueDate,
          amount: layout.amount,
          debit: layout.debit,
          credit: layout.credit,
          direction: layout.direction,
          currency: layout.currency,
          balance: layout.balance,
          id: layout.id,
          account: layout.account,
        })
          .filter(([, index]) => index !== null)
          .map(([role, index]) => [role, column(index)]),
      ),
    };
  }

  /** The layout used (or why none could be worked out), once the sample has been read. */
  get layout(): LayoutResult | null {
    return this.#layout;
  }

  write(text: string): void {
    this.#buffer += text;
    if (!this.#layout && this.#buffer.length < this.#sample) return;
    this.#consume(false);
  }

  close(): void {
    this.#consume(true);
    this.#buffer = '';
    if (this.#layout?.ok) this.#finish();
  }

  /** Reads the whole records of the buffer (all of it at the end of the file) and keeps the rest. */
  #consume(final: boolean): void {
    if (!this.#layout) {
      const layout = this.#readLayout(final);
      if (!layout) return;
      this.#layout = layout;
      if (!this.#layout.ok)
        this.#sink.issue({
          severity: 'error',
          line: null,
          message: `${this.#layout.reason}; pass a csv_mapping to import this file`,
          csv: { suggestion: this.#layout.suggestion, columns: this.#layout.header },
        });
    }
    if (!this.#layout.ok) {
      this.#buffer = '';
      return;
    }
    const layout = this.#layout.layout;
    const { rows, lines, end } = recordsOf(this.#buffer, layout.delimiter, final);
    this.#buffer = this.#buffer.slice(end);
    for (let index = 0; index < rows.length; index += 1) {
      const row = rows[index]!;
      const line = this.#line + 1;
      this.#line += lines[index]!;
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
      if (layout.header && isHeaderCopy(row, layout.header)) {
        this.#skipped('warning', line, 'the header row again');
        continue;
      }
      this.#row(layout, row, line);
    }
  }

  /** The layout, from the sample; null while more text is needed to read it. */
  #readLayout(final: boolean): LayoutResult | null {
    const buffer = this.#buffer;
    for (;;) {
      // The whole records of the sample (the first record alone, if it is longer).
      const whole = buffer.length <= this.#sample;
      const end =
        (whole && final ? buffer.length : wholeRecordsEnd(whole ? buffer : buffer.slice(0, this.#sample))) ||
        (final ? buffer.length : wholeRecordsEnd(buffer));
      if (end === 0 && !final) return null;
      const sample = buffer.slice(0, end).replace(/^\uFEFF/, '');
      const delimiter = this.#mapping.delimiter ?? detectDelimiter(sample);
      const layout = resolveLayout(recordsOf(sample, delimiter, true).rows, delimiter, this.#mapping);
      if (layout.ok || !layout.undecidedDates || this.#sample >= LARGEST_SAMPLE || (whole && final))
        return layout;
      this.#sample *= 4;
      if (buffer.length < this.#sample && !final) return null;
    }
  }

  /** Says why a row is not a movement: an `error` when it should have been one. */
  #skipped(severity: 'error' | 'warning', line: number, why: string): void {
    this.#sink.issue({ severity, line, message: `row skipped: ${why}` });
  }

  #row(layout: CsvLayout, row: string[], line: number): void {
    const dateCell = cellOf(row, layout.date);
    let date = csvDate(dateCell, layout.dateOrder);
    if (!date) {
      const pending = this.#lastDate ?? layout.latestDate;
      if (/^pending$/i.test(dateCell) && pending) {
        date = pending;
        this.#sink.issue({
          severity: 'warning',
          line,
          message: `a pending movement: dated ${date}, the latest date before it`,
        });
      } else {
        // A row with neither a date nor an amount, or with words where the date goes, is a note,
        // a total or a footer ("Balance at end of period"), not a movement.
        if (amountCellsOf(layout, row).some(looksLikeAmount) && looksLikeDate(dateCell))
          this.#skipped('error', line, `date "${dateCell}" is not a date (read as ${layout.dateOrder})`);
        else this.#skipped('warning', line, `"${dateCell.slice(0, 40)}" is not a movement`);
        return;
      }
    }
    let amount: string | null;
    if (layout.amount !== null) {
      const amountCell = cellOf(row, layout.amount);
      // A dated row without an amount moved no money (a stock split, a notice).
      if (amountCell === '') {
        this.#skipped('warning', line, 'no amount');
        return;
      }
      this.#lastDate = date;
      amount = csvAmount(amountCell, layout.decimal);
      if (amount !== null && layout.direction !== null) {
        // The mark says which way the money went, whatever sign the amount is written with.
        const way = cellOf(row, layout.direction)
          .trim()
          .toLowerCase()
          .replace(/[.\s]+/g, '');
        const magnitude = amount.replace(/^-/, '');
        if (layout.debitValues.has(way)) amount = magnitude === '0' ? '0' : `-${magnitude}`;
        else if (layout.creditValues.has(way)) amount = magnitude;
      }
    } else {
      const debitCell = cellOf(row, layout.debit);
      const creditCell = cellOf(row, layout.credit);
      if (debitCell === '' && creditCell === '') {
        this.#skipped('warning', line, 'no amount');
        return;
      }
      this.#lastDate = date;
      const debit = csvAmount(debitCell, layout.decimal);
      const credit = csvAmount(creditCell, layout.decimal);
      amount =
        debit === null && credit === null
          ? null
          : sumAmounts([credit ?? '0', `-${(debit ?? '0').replace(/^-/, '')}`.replace(/^-0$/, '0')]);
    }
    if (amount === null) {
      this.#skipped('error', line, `amount "${amountCellsOf(layout, row).join(' / ')}" is not an amount`);
      return;
    }
    if (layout.negate && amount !== '0') amount = amount.startsWith('-') ? amount.slice(1) : `-${amount}`;
    const currency = currencyOf(cellOf(row, layout.currency)) ?? layout.currencyCode ?? 'XXX';
    const number = layout.accountNumber ?? (cellOf(row, layout.account) || 'CSV');
    // One CSV may hold several accounts or currencies (an "all accounts" export, a multi-currency
    // wallet): a row of another account or currency ends the statement and begins one of its own.
    // The statements of one account and currency make one account (the import groups them), so
    // interleaved rows are grouped, and each statement's balances come from its own rows.
    if (
      this.#header &&
      (this.#header.account.number !== number || this.#header.account.currency !== currency)
    )
      this.#finish();
    if (!this.#header) {
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
    let description = '';
    for (const column of layout.description) {
      const text = cellOf(row, column);
      if (text !== '') description = description === '' ? text : `${description} ${text}`;
    }
    const counterparty = cellOf(row, layout.counterparty);
    const transaction: StatementTransaction = {
      sourceId: cellOf(row, layout.id) || null,
      bookingDate: date,
      valueDate: layout.valueDate === null ? null : csvDate(cellOf(row, layout.valueDate), layout.dateOrder),
      amount,
      currency,
      description: description || counterparty,
      counterparty: counterparty || null,
      reference: cellOf(row, layout.reference) || null,
      bankCode: null,
      line,
    };
    const balance = layout.balance !== null ? csvAmount(cellOf(row, layout.balance), layout.decimal) : null;
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
    this.#header = null;
    this.#first = null;
    this.#last = null;
    this.#sum = new RunningSum();
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
