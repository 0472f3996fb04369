// Reading the cells of bank CSV exports: dates in every order and separator banks use
// ("2018-03-01", "22.02.18", "9/4/2018", "27 Feb 2018", "23-Jan-15", "2019.04.19.", with or
// without a time after them) and amounts with a decimal point or comma, thousands separators
// (",", ".", "'", spaces), currency signs or codes, "+"/"-" before or after, or parentheses.
import { cachedByText, normalizeAmount, sumAmounts } from '../statement.ts';

export type DateOrder = 'ymd' | 'dmy' | 'mdy';
export type DecimalMark = '.' | ',';

const MONTHS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
  // Spanish, German, Dutch and French short names that differ from the English ones.
  ene: 1,
  abr: 4,
  ago: 8,
  dic: 12,
  mrz: 3,
  mai: 5,
  okt: 10,
  dez: 12,
  mei: 5,
  mrt: 3,
  fev: 2,
  avr: 4,
  aou: 8,
};

const iso = (y: number, m: number, d: number): string | null => {
  const text = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  const date = new Date(`${text}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text ? null : text;
};

const fullYear = (y: string) => (y.length === 4 ? Number(y) : Number(y) + (Number(y) < 70 ? 2000 : 1900));

/** The date at the start of a cell ("11/14/2020 as of 11/13/2020" → its first date). */
function dateParts(cell: string): { parts: [string, string, string]; named: boolean } | null {
  const text = cell.trim();
  const named = /^(\d{1,2})[\s.-]*([A-Za-z]{3})[a-z]*\.?[\s.-]*(\d{2,4})\b/.exec(text);
  if (named) {
    const month = MONTHS[named[2]!.toLowerCase()];
    return month ? { parts: [named[1]!, String(month), named[3]!], named: true } : null;
  }
  const compact = /^(\d{4})(\d{2})(\d{2})(?:\b|T)/.exec(text);
  if (compact) return { parts: [compact[1]!, compact[2]!, compact[3]!], named: false };
  const numeric = /^(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})\.?(?=$|[\sT,])/.exec(text);
  return numeric ? { parts: [numeric[1]!, numeric[2]!, numeric[3]!], named: false } : null;
}

/** A cell read as a date in `order` (a 4-digit first part is always year-first), or null. */
export function csvDate(cell: string, order: DateOrder): string | null {
  return datesIn[order](cell);
}

function readDate(cell: string, order: DateOrder): string | null {
  const found = dateParts(cell);
  if (!found) return null;
  const [a, b, c] = found.parts;
  if (found.named) return iso(fullYear(c), Number(b), Number(a));
  if (a.length === 4) return iso(Number(a), Number(b), Number(c));
  if (c.length !== 4 && c.length !== 2) return null;
  if (order === 'dmy') return iso(fullYear(c), Number(b), Number(a));
  if (order === 'mdy') return iso(fullYear(c), Number(a), Number(b));
  return a.length === 2 && order === 'ymd' ? iso(fullYear(a), Number(b), Number(c)) : null;
}

const datesIn = {
  ymd: cachedByText((cell) => readDate(cell, 'ymd')),
  dmy: cachedByText((cell) => readDate(cell, 'dmy')),
  mdy: cachedByText((cell) => readDate(cell, 'mdy')),
};

export const looksLikeDate = (cell: string) => dateParts(cell) !== null;

/** The orders under which every cell is a date. */
export function dateOrdersOf(cells: readonly string[]): DateOrder[] {
  // Year-first and named-month dates read the same in every order.
  const orderFree = cells.every((cell) => {
    const found = dateParts(cell);
    return found !== null && (found.named || found.parts[0].length === 4);
  });
  if (orderFree && cells.length > 0) return ['ymd'];
  return (['ymd', 'dmy', 'mdy'] as const).filter((order) => cells.every((cell) => csvDate(cell, order)));
}

/** The decimal mark the amounts of a column use, judged from how their last separator is placed. */
export function decimalMarkOf(cells: readonly string[]): DecimalMark | null {
  let comma = 0;
  let point = 0;
  for (const cell of cells) {
    const digits = cell.replace(/[^\d.,]/g, '');
    const last = Math.max(digits.lastIndexOf(','), digits.lastIndexOf('.'));
    if (last < 0) continue;
    const decimals = digits.length - last - 1;
    const mark = digits[last]!;
    // "1.234" and "1,234" could be thousands; one or two digits after the mark can only be decimals.
    if (decimals === 3 && digits.indexOf(mark) === last && !/^0[.,]/.test(digits)) continue;
    if (mark === ',') comma += 1;
    else point += 1;
  }
  if (comma === 0 && point === 0) return null;
  return comma > point ? ',' : '.';
}

/** A cell read as a signed amount with `mark` as the decimal separator, or null. */
export function csvAmount(cell: string, mark: DecimalMark): string | null {
  // The common case first: a plain number with this file's decimal mark.
  if (mark === '.' ? /^-?\d+(\.\d{1,5})?$/.test(cell) : /^-?\d+(,\d{1,5})?$/.test(cell))
    return normalizeAmount(mark === '.' ? cell : cell.replace(',', '.'));
  let text = cell.trim();
  if (text === '') return null;
  let negative = false;
  if (/^\(.*\)$/.test(text)) {
    negative = true;
    text = text.slice(1, -1);
  }
  // Currency signs and codes before or after, and spaces anywhere ("- $220.00", "1.234,56 EUR").
  text = text.replace(/[A-Za-z]{3}$|^[A-Za-z]{3}|[$£€¥₣\s\u00a0]/g, '');
  if (/^[-–]/.test(text) || /-$/.test(text)) negative = !negative;
  text = text.replace(/^[-+–]+|[-+]+$/g, '');
  const thousands = mark === ',' ? /[.'’]/g : /[,'’]/g;
  text = text.replace(thousands, '');
  if (mark === ',') text = text.replace(',', '.');
  if (!/^(\d+\.?\d*|\.\d+)$/.test(text)) return null;
  const value = sumAmounts([text.startsWith('.') ? `0${text}` : text]);
  return negative && value !== '0' ? `-${value}` : value;
}

export const looksLikeAmount = (cell: string) =>
  /^\(?[-+–]?\s*[$£€¥]?\s*[-+]?\s*\d[\d.,'’\s]*[-+]?\)?(\s*[A-Za-z]{3})?$/.test(cell.trim()) &&
  /\d/.test(cell);
