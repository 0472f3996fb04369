// How a bank CSV is laid out: its delimiter, where its header is, which column holds what, the
// order of its dates and its decimal mark. Worked out from the first rows (the sample), or given
// as a `csv_mapping`; when the sample leaves a choice open (two amount columns and no header, a
// "03/04/2021" that could be either day first or month first) the layout says so instead of
// guessing, and the import asks for a mapping.
import { parse } from 'csv-parse/sync';
import {
  csvDate,
  type DateOrder,
  type DecimalMark,
  dateOrdersOf,
  decimalMarkOf,
  looksLikeAmount,
  looksLikeDate,
} from './values.ts';

/** A column by its 0-based position or its header text. */
export type Column = number | string;

/** What a user (or a preset) can say about a CSV; everything left out is detected. */
export interface CsvMapping {
  delimiter?: string;
  /** Whether the first row of the table (after `skip_rows`) is a header. */
  header?: boolean;
  /** Rows before the table (a preamble). */
  skip_rows?: number;
  date?: Column;
  date_order?: DateOrder;
  value_date?: Column;
  /** One signed amount column… */
  amount?: Column;
  /** …or money out and money in in two columns. */
  debit?: Column;
  credit?: Column;
  /** A column saying which way an unsigned amount goes, and the values that mean money out. */
  direction?: Column;
  debit_values?: string[];
  decimal?: DecimalMark;
  /** Amounts are written with spending positive (many card exports): flip every sign. */
  negate?: boolean;
  description?: Column | Column[];
  counterparty?: Column;
  currency?: Column;
  /** The currency of every amount when no column has it. */
  currency_code?: string;
  balance?: Column;
  id?: Column;
  reference?: Column;
  account?: string;
}

/** Columns resolved to positions. */
export interface CsvLayout {
  delimiter: string;
  /** Rows (records) before the first data row, header included. */
  skipRows: number;
  header: string[] | null;
  fields: number;
  date: number;
  dateOrder: DateOrder;
  /** The latest date of the sample: what a "Pending" row is dated. */
  latestDate: string | null;
  valueDate: number | null;
  amount: number | null;
  debit: number | null;
  credit: number | null;
  direction: number | null;
  debitValues: Set<string>;
  /** Marks of money in: the amount is positive whatever sign it is written with. */
  creditValues: Set<string>;
  decimal: DecimalMark;
  negate: boolean;
  description: number[];
  counterparty: number | null;
  currency: number | null;
  currencyCode: string | null;
  balance: number | null;
  id: number | null;
  reference: number | null;
  account: number | null;
  accountNumber: string | null;
}

export type LayoutResult =
  | { ok: true; layout: CsvLayout }
  | {
      ok: false;
      reason: string;
      suggestion: CsvMapping;
      header: string[] | null;
      /** Only the date order is in doubt: more rows may settle it. */
      undecidedDates?: true;
    };

/** Header names of each role, normalised (lower case, no accents, single spaces). */
const NAMES: Record<string, string[]> = {
  date: [
    'date',
    'datum',
    'fecha',
    'data',
    'booking date',
    'transaction date',
    'posted date',
    'posting date',
    'buchungstag',
    'buchungsdatum',
    'date processed',
    'run date',
    'created',
    'datetime',
    'journaldate',
    'datum verrichting',
    // Czech and Slovak posting dates; Polish booking and operation dates.
    'datum zauctovani',
    'datum zauctovania',
    'data ksiegowania',
    'data operacji',
    'tranzakcio datuma',
    'fecha operacion',
    'date operation',
    'belegdatum',
    'date de valeur',
  ],
  valueDate: [
    'value date',
    'valutadatum',
    'wertstellung',
    'rentedatum',
    'valuta',
    'fecha valor',
    'datum verrekening',
    'settlement date',
    'execution date',
    // The same role as English "execution date" (Czech, Slovak).
    'datum provedeni',
    'datum vykonania',
    'ertek nap',
    'erteknap',
  ],
  amount: [
    'amount',
    'betrag',
    'bedrag',
    'importe',
    'montant',
    'net',
    'netamount',
    'amount total',
    'buchungsbetrag',
    'transaction amount',
    'tranzakcio osszege',
    'zauctovana castka',
    // "<amount word> <currency code>" ("Amount EUR", "Částka CZK") matches by the word alone.
    'castka',
    'objem',
    'suma',
    'kwota',
    'umsatz',
    'inflow',
    'neto',
  ],
  debit: [
    'debit',
    'debet',
    'withdrawal',
    'withdrawals',
    'soll',
    'money out',
    'paid out',
    'debit amount',
    'ausgang',
    'cargo',
    'uitgaven',
  ],
  credit: [
    'credit',
    'deposit',
    'deposits',
    'haben',
    'money in',
    'paid in',
    'credit amount',
    'eingang',
    'abono',
    'inkomsten',
  ],
  direction: [
    'transaction type',
    'af bij',
    'credit debit',
    'debit credit',
    'cd',
    'dc',
    // The two letters written apart ("D/C", "Cr.Dr", "Db Cr"): normalizeName makes them two words.
    'd c',
    'c d',
    'dr cr',
    'cr dr',
    'db cr',
    'cr db',
    's h',
    'soll haben',
    'bevetel kiadas',
  ],
  description: [
    'description',
    'label',
    'omschrijving',
    'verwendungszweck',
    'concepto',
    'libelle',
    'details',
    'narrative',
    'memo',
    'transaktionsbeschreibung',
    'buchungstext',
    'desc',
    'note',
    'notes',
    'description 1',
    'zprava',
    'opis',
    'popis',
    'kozlemeny',
    'message for payee',
    'toelichting',
    'security description',
    'action',
  ],
  counterparty: [
    'payee',
    'name',
    'naam',
    'naam tegenpartij',
    'partner name',
    'merchant name',
    'beguenstigter zahlungspflichtiger',
    'auftraggeber empfanger',
    'counteraccount name',
    'counterparty',
    'nazev protiuctu',
    'partner neve',
    'handelaar',
  ],
  currency: [
    'currency',
    'wahrung',
    'waehrung',
    'munt',
    'divisa',
    'monn',
    'buchungswahrung',
    'mena uctu',
    'mena',
    'waluta',
    'tranzakcio devizaneme',
  ],
  balance: [
    'balance',
    'saldo',
    'kontostand',
    'running balance',
    'runningbalance',
    'current balance',
    'saldo na trn',
    'solde',
  ],
  id: [
    'transaction id',
    'id',
    'fitid',
    'transactiereferentie',
    'transaction reference number',
    'n de transaction',
  ],
  reference: ['reference', 'check number', 'checknumber', 'check', 'num', 'referentie', 'buchungsreferenz'],
  account: [
    'iban bban',
    'iban',
    'rekeningnummer',
    'auftragskonto',
    'account number',
    'account',
    'cislo uctu',
  ],
};

const DEBIT_WORDS = ['debit', 'd', 'dr', 'af', 'outflow', 'o', 'kiadas', 's', 'soll', 'withdrawal', 'db'];
const CREDIT_WORDS = ['credit', 'c', 'cr', 'bij', 'inflow', 'i', 'bevetel', 'h', 'haben', 'deposit'];
const DIRECTION_WORDS = new Set([...DEBIT_WORDS, ...CREDIT_WORDS]);

export const normalizeName = (name: string) =>
  name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\(.*?\)/g, (inner) => ` ${inner.slice(1, -1)} `)
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

/** Reads rows of the sample with csv-parse (quotes, escaped quotes, CR, LF or CRLF). */
export function readRows(text: string, delimiter: string): string[][] {
  return parse(text, {
    delimiter,
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: false,
    bom: true,
  }) as string[][];
}

export const isBlankRow = (row: readonly string[]) => row.every((cell) => cell.trim() === '');

/** The delimiter under which most rows have the same (largest) number of fields. */
export function detectDelimiter(sample: string): string {
  let best = { delimiter: ',', score: -1 };
  for (const delimiter of [',', ';', '\t', '|']) {
    let rows: string[][];
    try {
      rows = readRows(sample, delimiter).filter((row) => !isBlankRow(row));
    } catch {
      continue;
    }
    const { fields, count } = modalFieldCount(rows);
    if (fields < 2) continue;
    const score = count * 1000 + fields;
    if (score > best.score) best = { delimiter, score };
  }
  return best.delimiter;
}

/** The field count most rows share (ties: the larger count). */
export function modalFieldCount(rows: readonly string[][]): { fields: number; count: number } {
  const counts = new Map<number, number>();
  for (const row of rows) counts.set(row.length, (counts.get(row.length) ?? 0) + 1);
  let best = { fields: 0, count: 0 };
  for (const [fields, count] of counts)
    if (count > best.count || (count === best.count && fields > best.fields)) best = { fields, count };
  return best;
}

/** At least nine in ten of the cells (a stray note row does not hide a column's nature). */
const mostly = (cells: readonly string[], test: (cell: string) => boolean) =>
  cells.length > 0 && cells.filter(test).length >= Math.max(1, Math.ceil(cells.length * 0.9));

const isHeaderRow = (row: readonly string[]) =>
  row.some((cell) => /[A-Za-z\u00c0-\u024f]{2}/.test(cell)) &&
  !row.some((cell) => cell.trim() !== '' && (looksLikeDate(cell) || looksLikeAmount(cell)));

function columnOf(header: string[] | null, column: Column | undefined, fields: number): number | null {
  if (column === undefined) return null;
  if (typeof column === 'number') return column >= 0 && column < fields ? column : -1;
  const index = header?.findIndex((name) => normalizeName(name) === normalizeName(column)) ?? -1;
  return index;
}

/** The first header column named like `role` (exact name first, then a name that starts with it). */
function named(header: string[], role: string, taken: Set<number>): number | null {
  const names = header.map(normalizeName);
  for (const synonym of NAMES[role]!) {
    const index = names.findIndex((name, i) => name === synonym && !taken.has(i));
    if (index >= 0) return index;
  }
  for (const synonym of NAMES[role]!) {
    if (synonym.length < 4) continue;
    const index = names.findIndex((name, i) => name.startsWith(`${synonym} `) && !taken.has(i));
    if (index >= 0) return index;
  }
  return null;
}

/** Whether a row repeats the header (cells equal once trimmed and case folded). */
export function isHeaderCopy(row: readonly string[], header: readonly string[]): boolean {
  return (
    row.length === header.length &&
    row.every((cell, i) => cell.trim().toLowerCase() === header[i]!.toLowerCase())
  );
}

/**
 * Works out the layout from the sample rows (already split with the delimiter), taking what the
 * mapping says as given.
 */
export function resolveLayout(
  allRows: string[][],
  delimiter: string,
  mapping: CsvMapping = {},
): LayoutResult {
  const rows = allRows.slice(mapping.skip_rows ?? 0);
  const nonBlank = rows.filter((row) => !isBlankRow(row));
  const { fields } = modalFieldCount(nonBlank);
  // The table starts at the first row with the table's width; anything before it is a preamble.
  let start =
    mapping.header !== undefined
      ? 0
      : Math.max(
          0,
          rows.findIndex((row) => row.length === fields && !isBlankRow(row)),
        );
  let first = rows[start] ?? [];
  // A header may be wider than the rows, padded with empty cells ("Fecha",…,"Id",,,,).
  const before = rows.slice(0, start).findLastIndex((row) => !isBlankRow(row));
  if (
    mapping.header === undefined &&
    !isHeaderRow(first) &&
    before >= 0 &&
    rows[before]!.length > fields &&
    isHeaderRow(rows[before]!) &&
    isBlankRow(rows[before]!.slice(fields))
  ) {
    start = before;
    first = rows[before]!.slice(0, fields);
  }
  const hasHeader = mapping.header ?? isHeaderRow(first);
  const header = hasHeader ? first.map((cell) => cell.trim()) : null;
  const skipRows = (mapping.skip_rows ?? 0) + start + (hasHeader ? 1 : 0);
  // A copy of the header further down (between pages, after the table) is not data: counted, its
  // words would push a column below "mostly amounts" or "mostly dates".
  const data = rows
    .slice(start + (hasHeader ? 1 : 0))
    .filter((row) => row.length === fields && !isBlankRow(row) && !(header && isHeaderCopy(row, header)));
  const taken = new Set<number>();
  const pick = (role: string, given: Column | undefined): number | null => {
    const explicit = columnOf(header, given, fields);
    const index = explicit ?? (header ? named(header, role, taken) : null);
    if (index !== null && index >= 0) taken.add(index);
    return index;
  };
  const cellsOf = (index: number | null) =>
    index === null || index < 0 ? [] : data.map((row) => row[index]?.trim() ?? '').filter((c) => c !== '');
  const suggestion: CsvMapping = { delimiter, header: hasHeader };
  const fail = (reason: string): LayoutResult & { ok: false } => ({ ok: false, reason, suggestion, header });

  for (const [key, value] of Object.entries(mapping))
    if (
      [
        'date',
        'value_date',
        'amount',
        'debit',
        'credit',
        'direction',
        'counterparty',
        'currency',
        'balance',
        'id',
        'reference',
      ].includes(key) &&
      columnOf(header, value as Column, fields) === -1
    )
      return fail(`csv_mapping.${key}: no column ${JSON.stringify(value)}`);

  let date = pick('date', mapping.date);
  if (date === null && !header) {
    // No header: the first column whose cells are all dates.
    for (let index = 0; index < fields && date === null; index += 1) {
      const cells = cellsOf(index);
      if (mostly(cells, looksLikeDate)) date = index;
    }
    if (date !== null) taken.add(date);
  }
  if (date === null || date < 0) return fail('no date column found');
  suggestion.date = date;
  const valueDate = pick('valueDate', mapping.value_date);
  let amount = pick('amount', mapping.amount);
  let debit = mapping.amount !== undefined ? null : pick('debit', mapping.debit);
  let credit = mapping.amount !== undefined ? null : pick('credit', mapping.credit);
  // "debit"/"credit" headers are sometimes a direction column rather than amounts.
  const isAmountColumn = (index: number | null) => cellsOf(index).every(looksLikeAmount);
  if (debit !== null && !isAmountColumn(debit)) debit = null;
  if (credit !== null && !isAmountColumn(credit)) credit = null;
  if (amount !== null && debit !== null && credit !== null && mapping.amount === undefined) {
    // A file with both: the two columns are the detail, the amount a total; keep the amount.
    debit = null;
    credit = null;
  }
  if (amount === null && (debit === null || credit === null)) {
    const candidates: number[] = [];
    for (let index = 0; index < fields; index += 1) {
      if (taken.has(index)) continue;
      const cells = cellsOf(index);
      if (mostly(cells, looksLikeAmount) && !mostly(cells, looksLikeDate)) candidates.push(index);
    }
    if (debit !== null || credit !== null) {
      // One of the pair is named: nothing to guess.
    } else if (candidates.length === 1) amount = candidates[0]!;
    else
      return fail(
        candidates.length === 0
          ? 'no amount column found'
          : `several columns hold amounts (${candidates.join(', ')}): say which in csv_mapping.amount, or debit and credit`,
      );
    if (amount !== null) taken.add(amount);
  }
  let direction = amount !== null ? pick('direction', mapping.direction) : null;
  if (amount !== null && direction === null && !header) {
    // No header: a column holding only debit/credit marks ("D"/"C", "O"/"I", "Af"/"Bij").
    for (let index = 0; index < fields && direction === null; index += 1) {
      const cells = cellsOf(index);
      if (!taken.has(index) && mostly(cells, (cell) => DIRECTION_WORDS.has(cell.toLowerCase())))
        direction = index;
    }
  }
  const amountCells = [amount, debit, credit].flatMap((index) => cellsOf(index));
  const decimal = mapping.decimal ?? decimalMarkOf(amountCells) ?? '.';
  const dateCells = cellsOf(date).filter(looksLikeDate);
  let orders = dateCells.length === 0 ? ['ymd' as const] : dateOrdersOf(dateCells);
  if (mapping.date_order) orders = [mapping.date_order];
  else if (orders.length > 1) {
    // A two-digit year first ("18/02/26") is the rarest reading: only when nothing else fits.
    orders = orders.filter((order) => order !== 'ymd');
    // Day-first when the file writes dates with dots or amounts with a decimal comma (Europe).
    const dotted = dateCells.some((cell) => /^\d{1,2}\.\d{1,2}\.\d{2,4}/.test(cell.trim()));
    if (dotted || decimal === ',') orders = orders.filter((order) => order !== 'mdy');
    if (orders.length > 1 && amountCells.some((cell) => cell.includes('$')))
      orders = orders.filter((order) => order !== 'dmy');
  }
  if (orders.length === 0) return fail('the dates cannot all be read in one day/month/year order');
  if (orders.length > 1)
    return {
      ...fail(
        `the dates could be day-first or month-first: say which in csv_mapping.date_order (${orders.join(' or ')})`,
      ),
      undecidedDates: true,
    };
  const description: number[] = [];
  const givenDescription = mapping.description === undefined ? [] : [mapping.description].flat();
  for (const column of givenDescription) {
    const index = columnOf(header, column, fields);
    if (index === null || index < 0)
      return fail(`csv_mapping.description: no column ${JSON.stringify(column)}`);
    description.push(index);
  }
  const counterparty = pick('counterparty', mapping.counterparty);
  if (description.length === 0) {
    const named_ = header ? named(header, 'description', taken) : null;
    if (named_ !== null) description.push(named_);
    else {
      // The column with the longest text that is neither a date nor an amount.
      let best = { index: -1, length: 0 };
      for (let index = 0; index < fields; index += 1) {
        if (taken.has(index)) continue;
        const cells = cellsOf(index);
        if (cells.some((cell) => looksLikeAmount(cell) || looksLikeDate(cell))) continue;
        const length = cells.reduce((sum, cell) => sum + cell.length, 0);
        if (length > best.length) best = { index, length };
      }
      if (best.index >= 0) description.push(best.index);
    }
  }
  for (const index of description) taken.add(index);
  const currency = pick('currency', mapping.currency);
  const balance = pick('balance', mapping.balance);
  const id = pick('id', mapping.id);
  const reference = pick('reference', mapping.reference);
  const account = header ? named(header, 'account', taken) : null;
  return {
    ok: true,
    layout: {
      delimiter,
      skipRows,
      header,
      fields,
      date,
      dateOrder: orders[0]!,
      latestDate:
        dateCells
          .map((cell) => csvDate(cell, orders[0]!))
          .filter((d): d is string => d !== null)
          .sort()
          .at(-1) ?? null,
      valueDate,
      amount,
      debit,
      credit,
      direction,
      debitValues: new Set((mapping.debit_values ?? DEBIT_WORDS).map((v) => v.toLowerCase())),
      creditValues: new Set(
        CREDIT_WORDS.filter((word) => !(mapping.debit_values ?? []).some((v) => v.toLowerCase() === word)),
      ),
      decimal,
      negate: mapping.negate ?? false,
      description,
      counterparty,
      currency,
      currencyCode: mapping.currency_code ?? null,
      balance,
      id,
      reference,
      account,
      accountNumber: mapping.account ?? null,
    },
  };
}
