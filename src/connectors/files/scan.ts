// The first reading of a statement file, and how it is read again. An import reads a file twice:
// this scan gathers every issue (a file with errors is refused before anything is written) and
// everything a record depends on that the file may only say later (each statement's final header:
// closing balance, account, currency; the holdings; the securities list, which OFX puts after the
// statements); then transform.ts makes the movements' records while the file streams past again
// (readAgain), a batch at a time. What the scan keeps grows with the statements, holdings and
// issues, and with the movements only by 4 bytes each (a hash, to find the few movements whose
// fingerprint repeats).
import { createHash } from 'node:crypto';
import { AppError } from '../../domain/errors.ts';
import { type ParseOptions, StatementFileReader } from '../../formats/index.ts';
import type {
  Issue,
  ParseResult,
  Position,
  Security,
  SecurityId,
  StatementFormat,
  StatementTransaction,
} from '../../formats/statement.ts';
import type { StatementHeader, StatementSink } from '../../formats/stream.ts';

export const securityKey = (id: SecurityId) => `${id.type}:${id.uniqueId}`;

/** The natural key of a statement's account: statements of one number and currency make one account. */
export const accountKeyOf = (statement: Pick<StatementHeader, 'account'>) =>
  `${statement.account.number}:${statement.account.currency}`;

export interface ScannedStatement {
  /** The final header (the end event's fields over the begin's), with the currency given, if any. */
  header: StatementHeader;
  /** Its account's natural key (accountKeyOf the final header). */
  key: string;
  /** The file gives this statement no currency (XXX) and the import gave it one: so do its movements. */
  currencyGiven: boolean;
  transactions: number;
  /** Its holdings (investment statements: a few per account). */
  positions: Position[];
  investmentTransactions: number;
  /** The securities its trades name, each once, in the order of their first trade (and its type). */
  traded: Array<{ security: SecurityId; type: string }>;
  /** Whether one of its trades names no security (it hangs from the portfolio's cash). */
  cashTrade: boolean;
}

export interface FileScan {
  /** null when no parser recognises the content. */
  format: StatementFormat | null;
  /** How the file was read: it is read again the same way. */
  parse: ParseOptions;
  issues: Issue[];
  statements: ScannedStatement[];
  firstDate: string | null;
  lastDate: string | null;
  /** The file's securities list, by securityKey (a security listed twice: the later entry). */
  securities: Map<string, Security>;
  /**
   * fieldsHash of the movements without an id of their own that more than one movement of the file
   * has: only those can share a fingerprint, so only those need their occurrences counted.
   */
  repeated: Set<number>;
  /**
   * fnv of the bank ids (movements' and trades') that more than one item of the file carries: only
   * those need their occurrences counted (a 32-bit collision only makes an id counted, harmless).
   */
  repeatedIds: Set<number>;
  /** What the reader worked out rather than was told (encoding, format, a CSV's layout). */
  detected: Record<string, unknown>;
  /** The bytes read (none for a file parsed whole before): the second reading must give the same. */
  size: number;
  sha256: string | null;
}

/** FNV-1a over a string's code units (32 bits): cheap, for finding candidates only. */
function fnv(text: string, seed = 0x811c9dc5): number {
  let hash = seed;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Whether a bank id may repeat in the scanned file (scan.repeatedIds). */
export const mayRepeat = (scan: Pick<FileScan, 'repeatedIds'>, id: string) => scan.repeatedIds.has(fnv(id));

/** A movement's fingerprint fields but the account: equal fingerprints have equal hashes. */
export function fieldsHash(t: StatementTransaction): number {
  let hash = fnv(t.bookingDate);
  hash = fnv(`\u0000${t.valueDate ?? ''}\u0000${t.amount}\u0000`, hash);
  hash = fnv(t.description, hash);
  return fnv(`\u0000${t.reference ?? ''}`, hash);
}

/** The scan as a sink: feed it a file's events, then `finish()` once the file has been read. */
export function scanner(
  parse: ParseOptions,
  currency: string | undefined,
): { sink: StatementSink; scan: FileScan; finish(): void } {
  const scan: FileScan = {
    format: null,
    parse,
    issues: [],
    statements: [],
    firstDate: null,
    lastDate: null,
    securities: new Map(),
    repeated: new Set(),
    repeatedIds: new Set(),
    detected: {},
    size: 0,
    sha256: null,
  };
  let hashes = new Uint32Array(1024);
  let count = 0;
  const ids = new Set<number>();
  const seeId = (id: string) => {
    const hash = fnv(id);
    if (ids.has(hash)) scan.repeatedIds.add(hash);
    else ids.add(hash);
  };
  let tradedKeys = new Set<string>();
  // Events go to the latest statement begun, as the whole-file collector (formats/stream.ts) gives
  // them; an event before any statement fails as it does there, and the reader makes it an issue.
  const latest = () => scan.statements.at(-1)!;
  const sink: StatementSink = {
    begin(header) {
      tradedKeys = new Set();
      scan.statements.push({
        header: { ...header },
        key: '',
        currencyGiven: false,
        transactions: 0,
        positions: [],
        investmentTransactions: 0,
        traded: [],
        cashTrade: false,
      });
    },
    transaction(transaction) {
      latest().transactions += 1;
      const date = transaction.bookingDate;
      if (scan.firstDate === null || date < scan.firstDate) scan.firstDate = date;
      if (scan.lastDate === null || date > scan.lastDate) scan.lastDate = date;
      if (transaction.sourceId) {
        seeId(transaction.sourceId);
        return;
      }
      if (count === hashes.length) {
        const grown = new Uint32Array(hashes.length * 2);
        grown.set(hashes);
        hashes = grown;
      }
      hashes[count++] = fieldsHash(transaction);
    },
    end(header) {
      const statement = scan.statements.at(-1);
      Object.assign(statement ? statement.header : (statement as never), header);
    },
    issue(issue) {
      scan.issues.push(issue);
    },
    position(position) {
      latest().positions.push(position);
    },
    investmentTransaction(trade) {
      const statement = latest();
      statement.investmentTransactions += 1;
      if (trade.sourceId) seeId(trade.sourceId);
      if (!trade.security) statement.cashTrade = true;
      else if (!tradedKeys.has(securityKey(trade.security))) {
        tradedKeys.add(securityKey(trade.security));
        statement.traded.push({ security: trade.security, type: trade.type });
      }
    },
    security(security) {
      scan.securities.set(securityKey(security.id), security);
    },
  };
  return {
    sink,
    scan,
    finish() {
      for (const statement of scan.statements) {
        if (statement.header.account.currency === 'XXX' && currency) {
          statement.header = { ...statement.header, account: { ...statement.header.account, currency } };
          statement.currencyGiven = true;
        }
        statement.key = accountKeyOf(statement.header);
      }
      const sorted = hashes.subarray(0, count).sort();
      for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) scan.repeated.add(sorted[i]!);
      hashes = new Uint32Array(0);
    },
  };
}

/** Reads pieces through a reader, letting the event loop run after each; returns size and hash. */
async function* readPieces(
  pieces: AsyncIterable<Uint8Array>,
  reader: StatementFileReader,
  digest: { size: number; sha256: string | null },
): AsyncGenerator<void> {
  const hash = createHash('sha256');
  for await (const piece of pieces) {
    hash.update(piece);
    digest.size += piece.length;
    reader.write(piece);
    yield;
    await new Promise((resolve) => setImmediate(resolve));
  }
  reader.close();
  digest.sha256 = hash.digest('hex');
}

/**
 * Scans a file that arrives in pieces (bytes in memory as one piece, a stored document part by
 * part, a file from disk), letting the event loop run between them. `currency`: given to the
 * statements whose format has none (XXX).
 */
export async function scanStatementFile(
  pieces: AsyncIterable<Uint8Array>,
  options: ParseOptions & { currency?: string | undefined },
): Promise<FileScan> {
  const parse: ParseOptions = {
    format: options.format,
    csvMapping: options.csvMapping,
    encoding: options.encoding,
  };
  const { sink, scan, finish } = scanner(parse, options.currency);
  const reader = new StatementFileReader(sink, parse);
  for await (const _ of readPieces(pieces, reader, scan));
  finish();
  scan.format = reader.format;
  scan.detected = reader.detected;
  return scan;
}

/**
 * How a file is read again: events into `sink`, yielding after each piece (the caller takes the
 * records made so far). Throws at the end if the file did not read as it did when it was scanned.
 */
export type ReadAgain = (sink: StatementSink) => AsyncIterable<void>;

const changed = () =>
  new AppError('IMPORT_UNREADABLE', 'The file changed while it was being imported; nothing was imported.', {
    extensions: {
      issues: [{ severity: 'error', line: null, message: 'the file changed while it was read' }],
    },
  });

/** Reads the pieces of a scanned file again; they must be the same bytes (size and sha-256). */
export function readAgain(scan: FileScan, pieces: () => AsyncIterable<Uint8Array>): ReadAgain {
  return async function* read(sink) {
    const digest = { size: 0, sha256: null as string | null };
    const reader = new StatementFileReader(sink, scan.parse);
    yield* readPieces(pieces(), reader, digest);
    if (digest.size !== scan.size || digest.sha256 !== scan.sha256 || reader.format !== scan.format)
      throw changed();
  };
}

/** A whole parsed file as its events, in the order a parser gives them. */
export function replay(result: ParseResult, sink: StatementSink): void {
  for (const statement of result.statements) {
    const { transactions, positions, investmentTransactions, ...header } = statement;
    sink.begin(header, null);
    for (const transaction of transactions) sink.transaction(transaction);
    for (const position of positions ?? []) sink.position?.(position);
    for (const trade of investmentTransactions ?? []) sink.investmentTransaction?.(trade);
    sink.end(header, null);
  }
  for (const security of result.securities ?? []) sink.security?.(security);
  for (const issue of result.issues) sink.issue(issue);
}

/** The scan of a file already parsed whole (its currencies already given), and its reading again. */
export function scanOf(result: ParseResult): { scan: FileScan; read: ReadAgain } {
  const { sink, scan, finish } = scanner({ format: result.format }, undefined);
  replay(result, sink);
  finish();
  scan.format = result.format;
  return {
    scan,
    read: async function* read(again) {
      replay(result, again);
      yield;
    },
  };
}
