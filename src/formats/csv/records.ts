// CSV text → records. csv-parse reads everything (it is what the layout detection and any
// irregular text go through), but on a whole file it was half of a CSV import's time: it works on
// bytes, so every field is encoded back to UTF-8 and decoded again. Bank exports are regular, so
// the records of a batch are first split here, on the string, with a single scan; the moment the
// text has anything this splitter does not read exactly as csv-parse does (see `splitRecords`), the
// whole batch goes to csv-parse instead. `records.test.ts` holds the two to the same output.
import { readRows } from './layout.ts';

/**
 * The cells of each record, the number of lines each spans (1 + line breaks inside quotes), and
 * where the last whole record ends: the text after it is the start of a record the next piece of
 * the file completes.
 */
export interface Records {
  rows: string[][];
  lines: number[];
  end: number;
}

const QUOTE = 34;
const LF = 10;
const CR = 13;

/** Where the text up to the last line break outside quotes ends (0 when there is none). */
export function wholeRecordsEnd(text: string): number {
  let quoted = false;
  let end = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code === QUOTE) quoted = !quoted;
    else if (!quoted && (code === LF || code === CR)) end = index + 1;
  }
  return end;
}
/** Line breaks (CRLF, CR or LF) in a cell. */
function lineBreaksIn(cell: string): number {
  let breaks = 0;
  for (let index = 0; index < cell.length; index += 1) {
    const code = cell.charCodeAt(index);
    if (code === LF) breaks += 1;
    else if (code === CR) {
      breaks += 1;
      if (cell.charCodeAt(index + 1) === LF) index += 1;
    }
  }
  return breaks;
}

/**
 * Records split as csv-parse splits them with the options of `readRows` (records end at CRLF, LF
 * or CR; a field that starts with a quote runs to the next lone quote, `""` inside standing for
 * one; a leading BOM is dropped), or null when the text has a quote inside an unquoted field, text
 * after a closing quote, or (at the end of the file) a quote left open: relax_quotes reads those in
 * ways best left to it. Unless `final`, a record the text ends inside is left for the next piece,
 * and so is one that ends with a CR, which may be the first half of a CRLF.
 */
export function splitRecords(text: string, delimiter: string, final: boolean): Records | null {
  if (delimiter.length !== 1) return null;
  const separator = delimiter.charCodeAt(0);
  if (separator === QUOTE || separator === LF || separator === CR) return null;
  const rows: string[][] = [];
  const lines: number[] = [];
  const length = text.length;
  let position = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let start = position;
  records: while (position < length) {
    start = position;
    const cells: string[] = [];
    let breaks = 0;
    let code = 0;
    for (;;) {
      if (text.charCodeAt(position) === QUOTE) {
        let value = '';
        let from = position + 1;
        for (;;) {
          const close = text.indexOf('"', from);
          // Unclosed, or a quote that may be the first of an escaped pair: the rest is to come.
          if (close < 0 || (close === length - 1 && !final)) {
            if (final) return null;
            break records;
          }
          if (text.charCodeAt(close + 1) === QUOTE) {
            value += text.slice(from, close + 1);
            from = close + 2;
            continue;
          }
          value += text.slice(from, close);
          position = close + 1;
          break;
        }
        cells.push(value);
        breaks += lineBreaksIn(value);
        code = position < length ? text.charCodeAt(position) : LF;
        if (code !== separator && code !== LF && code !== CR) return null;
      } else {
        let end = position;
        for (; end < length; end += 1) {
          code = text.charCodeAt(end);
          if (code === separator || code === LF || code === CR) break;
          if (code === QUOTE) return null;
        }
        if (end === length) {
          if (!final) break records;
          code = LF;
        }
        cells.push(text.slice(position, end));
        position = end;
      }
      // The field ends at a separator (another field follows) or at the end of the record.
      position += 1;
      if (code !== separator) break;
      if (position === length && !final) break records;
    }
    if (code === CR) {
      if (position >= length && !final) break;
      if (text.charCodeAt(position) === LF) position += 1;
    }
    rows.push(cells);
    lines.push(1 + breaks);
    start = position;
  }
  return { rows, lines, end: Math.min(start, length) };
}

/** The whole records of a piece of text: split here when the text is regular, else by csv-parse. */
export function recordsOf(text: string, delimiter: string, final: boolean): Records {
  const split = splitRecords(text, delimiter, final);
  if (split) return split;
  const end = final ? text.length : wholeRecordsEnd(text);
  const rows = end > 0 ? readRows(text.slice(0, end), delimiter) : [];
  const lines = rows.map((row) => {
    let breaks = 0;
    for (const cell of row) breaks += lineBreaksIn(cell);
    return 1 + breaks;
  });
  return { rows, lines, end };
}
