// Format detection by content (never by file name) and one entry point for every parser.
import { looksLikeCamt, parseCamt } from './camt/parse.ts';
import { decodeStatementBytes } from './decode.ts';
import { looksLikeMt940, parseMt940 } from './mt940/parse.ts';
import { looksLikeNorma43, parseNorma43 } from './norma43/parse.ts';
import { looksLikeOfx, parseOfx } from './ofx/parse.ts';
import { looksLikeQif, parseQif } from './qif/parse.ts';
import type { ParseResult, StatementFormat } from './statement.ts';

interface FormatEntry {
  format: StatementFormat;
  looksLike(text: string): boolean;
  parse(text: string): ParseResult;
}

/** The parsers written so far, tried in this order. */
const entries: FormatEntry[] = [
  { format: 'norma43', looksLike: looksLikeNorma43, parse: parseNorma43 },
  { format: 'ofx', looksLike: looksLikeOfx, parse: parseOfx },
  { format: 'mt940', looksLike: looksLikeMt940, parse: parseMt940 },
  { format: 'camt', looksLike: looksLikeCamt, parse: parseCamt },
  { format: 'qif', looksLike: looksLikeQif, parse: parseQif },
];

export const supportedFormats: readonly StatementFormat[] = entries.map((entry) => entry.format);

export function detectFormat(text: string): StatementFormat | null {
  return entries.find((entry) => entry.looksLike(text))?.format ?? null;
}

/** Parses a file; `format` skips detection. Returns null when no parser recognises the content. */
export function parseStatementFile(bytes: Uint8Array, format?: StatementFormat): ParseResult | null {
  const { text } = decodeStatementBytes(bytes);
  const entry = format ? entries.find((e) => e.format === format) : entries.find((e) => e.looksLike(text));
  return entry ? entry.parse(text) : null;
}
