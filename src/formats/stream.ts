// The streaming shape every statement parser has: text goes in by pieces (`write`, then `close`),
// and statements come out as events (`begin`, one `transaction` per movement, `end`) through a
// sink, so a file of any size is read with the memory of one statement header and one movement.
// `collect` turns the events back into a whole ParseResult for the small files most callers have;
// `withBalanceCheck` checks opening + movements = closing on the way, with a running sum.
import {
  amountProblem,
  checkBalances,
  dateProblem,
  type InvestmentTransaction,
  type Issue,
  type ParseResult,
  type Position,
  RunningSum,
  type Security,
  type Statement,
  type StatementFormat,
  type StatementTransaction,
  unitsAmount,
} from './statement.ts';

/** A statement without its movements. */
export type StatementHeader = Omit<Statement, 'transactions' | 'positions' | 'investmentTransactions'>;

export interface StatementSink {
  /** A statement starts; its movements follow. */
  begin(header: StatementHeader, line: number | null): void;
  transaction(transaction: StatementTransaction): void;
  /** The statement is over; the header is final here (closing balance, end date, late fields). */
  end(header: StatementHeader, line: number | null): void;
  issue(issue: Issue): void;
  /** Investment statements only (OFX): a holding or a trade of the open statement. */
  position?(position: Position): void;
  investmentTransaction?(transaction: InvestmentTransaction): void;
  /** An entry of the file's securities list, which stands outside the statements. */
  security?(security: Security): void;
}

export interface TextParser {
  write(text: string): void;
  close(): void;
  /**
   * What the parser worked out rather than read (a CSV's delimiter, decimal mark, date order and
   * columns; a QIF's date order), once known: the import summary reports it.
   */
  detected?(): Record<string, unknown> | null;
}

export type ParserFactory = (sink: StatementSink) => TextParser;

/** Splits text written in pieces into lines (CRLF, LF or CR alone), numbered from 1. */
export class LineSplitter {
  #rest = '';
  #line = 0;
  #onLine: (text: string, line: number) => void;

  constructor(onLine: (text: string, line: number) => void) {
    this.#onLine = onLine;
  }

  get lines(): number {
    return this.#line;
  }

  write(text: string): void {
    const buffer = this.#rest + text;
    let start = 0;
    if (!buffer.includes('\r')) {
      // The common case, LF only: indexOf is several times faster than a regular expression.
      for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n', start)) {
        this.#line += 1;
        this.#onLine(buffer.slice(start, end), this.#line);
        start = end + 1;
      }
      this.#rest = buffer.slice(start);
      return;
    }
    const pattern = /\r\n|\n|\r/g;
    for (let match = pattern.exec(buffer); match; match = pattern.exec(buffer)) {
      // A CR that ends the piece may be the first half of a CRLF: wait for the next piece.
      if (match[0] === '\r' && match.index === buffer.length - 1) break;
      this.#line += 1;
      this.#onLine(buffer.slice(start, match.index), this.#line);
      start = match.index + match[0].length;
    }
    this.#rest = buffer.slice(start);
  }

  close(): void {
    const rest = this.#rest.replace(/\r$/, '');
    this.#rest = '';
    if (rest !== '' || this.#line === 0) {
      this.#line += 1;
      this.#onLine(rest, this.#line);
    }
  }
}

/** Wraps a sink so that each statement's balances are checked against the sum of its movements. */
export function withBalanceCheck(sink: StatementSink): StatementSink {
  let sum = new RunningSum();
  return {
    begin(header, line) {
      sum = new RunningSum();
      sink.begin(header, line);
    },
    transaction(transaction) {
      sum.add(transaction.amount);
      sink.transaction(transaction);
    },
    end(header, line) {
      // checkBalances reads the movements only through their sum: give it one.
      const mismatch = checkBalances(
        { ...header, transactions: [{ amount: unitsAmount(sum.units) } as StatementTransaction] },
        line,
      );
      if (mismatch) sink.issue(mismatch);
      sink.end(header, line);
    },
    issue: (issue) => sink.issue(issue),
    position: (position) => sink.position?.(position),
    investmentTransaction: (transaction) => sink.investmentTransaction?.(transaction),
    security: (security) => sink.security?.(security),
  };
}

/**
 * Wraps a sink so that a movement whose date or amount cannot be stored (year 0000, 1,000 digits)
 * becomes an error issue at its line instead: the file is then refused whole, with the reason,
 * rather than failing at the insert.
 */
export function withValueChecks(sink: StatementSink): StatementSink {
  return {
    begin: (header, line) => sink.begin(header, line),
    end: (header, line) => sink.end(header, line),
    issue: (issue) => sink.issue(issue),
    transaction(transaction) {
      const problem = firstProblem([transaction.bookingDate, transaction.valueDate], [transaction.amount]);
      if (problem) sink.issue({ severity: 'error', line: transaction.line, message: problem });
      else sink.transaction(transaction);
    },
    investmentTransaction(transaction) {
      const problem = firstProblem(
        [transaction.tradeDate, transaction.settleDate],
        [transaction.total, transaction.units, transaction.unitPrice],
      );
      if (problem) sink.issue({ severity: 'error', line: transaction.line, message: problem });
      else sink.investmentTransaction?.(transaction);
    },
    position: (position) => sink.position?.(position),
    security: (security) => sink.security?.(security),
  };
}

function firstProblem(
  dates: ReadonlyArray<string | null>,
  amounts: ReadonlyArray<string | null>,
): string | null {
  for (const date of dates) {
    const problem = date === null ? null : dateProblem(date);
    if (problem) return problem;
  }
  for (const amount of amounts) {
    const problem = amount === null ? null : amountProblem(amount);
    if (problem) return problem;
  }
  return null;
}

/** A sink that keeps everything: the whole-file result. */
export function collector(format: StatementFormat): { sink: StatementSink; result: ParseResult } {
  const result: ParseResult = { format, statements: [], issues: [] };
  const sink: StatementSink = {
    begin(header) {
      result.statements.push({ ...header, transactions: [] });
    },
    transaction(transaction) {
      result.statements.at(-1)!.transactions.push(transaction);
    },
    end(header) {
      Object.assign(result.statements.at(-1)!, header);
    },
    issue(issue) {
      result.issues.push(issue);
    },
    position(position) {
      const statement = result.statements.at(-1)!;
      statement.positions ??= [];
      statement.positions.push(position);
    },
    investmentTransaction(transaction) {
      const statement = result.statements.at(-1)!;
      statement.investmentTransactions ??= [];
      statement.investmentTransactions.push(transaction);
    },
    security(security) {
      result.securities ??= [];
      result.securities.push(security);
    },
  };
  return { sink, result };
}

/** Runs a streaming parser over a whole text. */
export function parseWhole(format: StatementFormat, factory: ParserFactory, text: string): ParseResult {
  const { sink, result } = collector(format);
  const parser = factory(withValueChecks(withBalanceCheck(sink)));
  parser.write(text);
  parser.close();
  return result;
}
