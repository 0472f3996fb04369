// Format detection by content (never by file name) and one entry point for every parser, whole
// (`parseStatementFile`, for files in memory) or streaming (`StatementFileReader`, bytes in by
// pieces: the encoding and the format are decided on the first 64 KB, then every piece goes
// straight through the decoder to the parser).
import { CamtParser, looksLikeCamt } from './camt/parse.ts';
import type { CsvMapping } from './csv/layout.ts';
import { CsvParser, looksLikeCsv } from './csv/parse.ts';
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
 * Bytes → statements, streaming. The encoding is read from a BOM, else UTF-8 is assumed until a
 * byte proves otherwise, from which point on the file is read as Windows-1252 (a superset of
 * ISO-8859-1 for printable characters: Norma 43 files and many bank CSVs), with a warning.
 */
export class StatementFileReader {
  readonly #sink: StatementSink;
  readonly #options: ParseOptions;
  #head: Uint8Array[] = [];
  #headLength = 0;
  #decoder: InstanceType<typeof TextDecoder> | null = null;
  #parser: TextParser | null = null;
  #format: StatementFormat | null = null;
  #encoding: 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252' = 'utf-8';
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
    if (head[0] === 0xff && head[1] === 0xfe) this.#encoding = 'utf-16le';
    else if (head[0] === 0xfe && head[1] === 0xff) this.#encoding = 'utf-16be';
    if (this.#encoding !== 'utf-8') body = head.subarray(2);
    else if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) body = head.subarray(3);
    this.#decoder = new TextDecoder(this.#encoding, { fatal: this.#encoding === 'utf-8' });
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
      this.#decoder = new TextDecoder('windows-1252');
      if (start > 0)
        this.#sink.issue({
          severity: 'warning',
          line: null,
          message: `not UTF-8 from around byte ${start}: read as Windows-1252 from there on`,
        });
      this.#encoding = 'windows-1252';
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
