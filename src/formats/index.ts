// Format detection by content (never by file name) and one entry point for every parser, whole
// (`parseStatementFile`, for files in memory) or streaming (`StatementFileReader`, bytes in by
// pieces: the encoding and the format are decided on the first 64 KB, then every piece goes
// straight through the decoder to the parser).
import { CamtParser, looksLikeCamt } from './camt/parse.ts';
import type { CsvMapping } from './csv/layout.ts';
import { CsvParser, looksLikeCsv } from './csv/parse.ts';
import { type NamedEncoding, type SingleByteEncoding, singleByteEncodingOf } from './encoding.ts';
import { looksLikeMt940, Mt940Parser } from './mt940/parse.ts';
import { looksLikeNorma43, Norma43Parser } from './norma43/parse.ts';
import { looksLikeOfx, OfxParser } from './ofx/parse.ts';
import { looksLikeQif, QifParser } from './qif/parse.ts';
import { type ParseResult, type StatementFormat, UnreadableFileError } from './statement.ts';
import {
  collector,
  type StatementSink,
  type TextParser,
  withBalanceCheck,
  withValueChecks,
} from './stream.ts';

export interface ParseOptions {
  format?: StatementFormat | undefined;
  csvMapping?: CsvMapping | undefined;
  /** The file's encoding, when the caller knows it; otherwise it is worked out (see StatementFileReader). */
  encoding?: NamedEncoding | undefined;
}

interface FormatEntry {
  format: StatementFormat;
  looksLike(text: string): boolean;
  create(sink: StatementSink, options: ParseOptions): TextParser;
}

/** Every parser, tried in this order (CSV last: almost any text has commas). */
const entries: FormatEntry[] = [
  { format: 'norma43', looksLike: looksLikeNorma43, create: (sink) => new Norma43Parser(sink) },
  { format: 'ofx', looksLike: looksLikeOfx, create: (sink) => new OfxParser(sink) },
  { format: 'mt940', looksLike: looksLikeMt940, create: (sink) => new Mt940Parser(sink) },
  { format: 'camt', looksLike: looksLikeCamt, create: (sink) => new CamtParser(sink) },
  { format: 'qif', looksLike: looksLikeQif, create: (sink) => new QifParser(sink) },
  {
    format: 'csv',
    looksLike: looksLikeCsv,
    create: (sink, options) => new CsvParser(sink, options.csvMapping),
  },
];

export const supportedFormats: readonly StatementFormat[] = entries.map((entry) => entry.format);

export function detectFormat(text: string): StatementFormat | null {
  return entries.find((entry) => entry.looksLike(text))?.format ?? null;
}

const SNIFF = 65_536;

/**
 * Bytes → statements, streaming. The encoding is the one given (`encoding`), else read from a BOM,
 * else UTF-8 is assumed until a byte proves otherwise, from which point on the file is read in the
 * single-byte encoding its first 64 KB point to (formats/encoding.ts): Windows-1252 (a superset of
 * ISO-8859-1 for printable characters: Norma 43 files and most bank CSVs) or Windows-1250 (Central
 * European banks), with a warning that names it. Deciding on the first 64 KB alone makes the choice
 * the same however the file's pieces are cut, so a file read again reads the same.
 */
export class StatementFileReader {
  readonly #sink: StatementSink;
  readonly #options: ParseOptions;
  #head: Uint8Array[] = [];
  #headLength = 0;
  #decoder: InstanceType<typeof TextDecoder> | null = null;
  #parser: TextParser | null = null;
  #format: StatementFormat | null = null;
  #encoding: NamedEncoding = 'utf-8';
  /** What the file is read as from the first byte that is not UTF-8 (decided on the head). */
  #fallback: SingleByteEncoding = 'windows-1252';
  #bytes = 0;
  #unrecognised = false;
  /** A parser threw: the file is refused with that reason, and nothing more is read. */
  #failed = false;

  constructor(sink: StatementSink, options: ParseOptions = {}) {
    this.#sink = withValueChecks(withBalanceCheck(sink));
    this.#options = options;
  }

  /** The format, once the first 64 KB (or the whole file) have been read; null if unrecognised. */
  get format(): StatementFormat | null {
    return this.#format;
  }

  get encoding(): string {
    return this.#encoding;
  }

  /** What was worked out rather than given: the encoding, and the parser's own choices. */
  get detected(): Record<string, unknown> {
    return {
      ...(this.#options.encoding ? {} : { encoding: this.#encoding }),
      ...(this.#options.format ? {} : this.#format ? { format: this.#format } : {}),
      ...(this.#parser?.detected?.() ?? {}),
    };
  }

  write(bytes: Uint8Array): void {
    if (this.#parser || this.#unrecognised) {
      this.#guarded(() => this.#feed(bytes));
      return;
    }
    this.#head.push(bytes);
    this.#headLength += bytes.length;
    if (this.#headLength >= SNIFF) this.#guarded(() => this.#start());
  }

  close(): void {
    this.#guarded(() => this.#close());
  }

  /** Any exception of a parser (a hostile file) becomes an error issue instead of a crash. */
  #guarded(step: () => void): void {
    if (this.#failed) return;
    try {
      step();
    } catch (error) {
      this.#failed = true;
      const reason = error instanceof Error ? error.message : String(error);
      this.#sink.issue({
        severity: 'error',
        line: null,
        message: error instanceof UnreadableFileError ? reason : `the file could not be read: ${reason}`,
      });
    }
  }

  #close(): void {
    if (!this.#parser && !this.#unrecognised) this.#start();
    if (!this.#parser) return;
    if (this.#decoder) {
      let rest = '';
      try {
        rest = this.#decoder.decode();
      } catch {
        // The file ends inside a UTF-8 sequence: that last character is lost, and said so.
        this.#sink.issue({ severity: 'warning', line: null, message: 'the file ends inside a character' });
      }
      this.#parser.write(rest);
    }
    this.#parser.close();
  }

  #start(): void {
    const head = Buffer.concat(this.#head);
    this.#head = [];
    let body = head;
    const given = this.#options.encoding;
    if (given) this.#encoding = given;
    else if (head[0] === 0xff && head[1] === 0xfe) this.#encoding = 'utf-16le';
    else if (head[0] === 0xfe && head[1] === 0xff) this.#encoding = 'utf-16be';
    if (
      this.#encoding.startsWith('utf-16') &&
      ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))
    )
      body = head.subarray(2);
    else if (this.#encoding === 'utf-8' && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf)
      body = head.subarray(3);
    this.#fallback = singleByteEncodingOf(body);
    // UTF-8 assumed (not given) is checked byte by byte; a given encoding is read as it is.
    this.#decoder = new TextDecoder(this.#encoding, { fatal: this.#encoding === 'utf-8' && !given });
    const text = this.#decode(body);
    const entry = this.#options.format
      ? entries.find((e) => e.format === this.#options.format)
      : entries.find((e) => e.looksLike(text));
    if (!entry) {
      this.#unrecognised = true;
      return;
    }
    this.#format = entry.format;
    this.#parser = entry.create(this.#sink, this.#options);
    this.#parser.write(text);
  }

  #feed(bytes: Uint8Array): void {
    if (this.#parser) this.#parser.write(this.#decode(bytes));
  }

  #decode(bytes: Uint8Array): string {
    const text = this.#decodeText(bytes);
    // U+0000 is never part of a statement and PostgreSQL cannot store it: shown as U+FFFD.
    return text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text;
  }

  #decodeText(bytes: Uint8Array): string {
    const start = this.#bytes;
    this.#bytes += bytes.length;
    try {
      return this.#decoder!.decode(bytes, { stream: true });
    } catch {
      const fallback = this.#fallback;
      this.#decoder = new TextDecoder(fallback);
      const name = fallback === 'windows-1250' ? 'Windows-1250 (Central European)' : 'Windows-1252';
      // A file that is Windows-1252 from its first byte is the common case (Norma 43): said only
      // when the choice was another, or made part way through.
      if (start > 0 || fallback !== 'windows-1252')
        this.#sink.issue({
          severity: 'warning',
          line: null,
          message: `${start > 0 ? `not UTF-8 from around byte ${start}` : 'not UTF-8'}: read as ${name}${start > 0 ? ' from there on' : ''}; pass encoding= to read it otherwise`,
        });
      this.#encoding = fallback;
      return this.#decoder.decode(bytes, { stream: true });
    }
  }
}

/** Parses a whole file in memory; returns null when no parser recognises the content. */
export function parseStatementFile(bytes: Uint8Array, options: ParseOptions = {}): ParseResult | null {
  const { sink, result } = collector('csv');
  const reader = new StatementFileReader(sink, options);
  // Small files are common: decide the encoding on the whole of them at once.
  reader.write(bytes);
  reader.close();
  if (!reader.format) return null;
  result.format = reader.format;
  return result;
}
