// What a statement file holds, gathered on the way through a streaming parse (nothing is kept
// per movement): per statement its account, movement count, date range and balances; the issues.
import type { Issue, StatementFormat } from './statement.ts';
import type { StatementSink } from './stream.ts';

export interface StatementSummary {
  account: string;
  currency: string;
  transactions: number;
  first_date: string | null;
  last_date: string | null;
  opening: string | null;
  closing: string | null;
}

export interface FileSummary {
  format: StatementFormat | null;
  statements: StatementSummary[];
  transactions: number;
  /** Investment statements (OFX): trades and holdings. */
  investment_transactions: number;
  positions: number;
  first_date: string | null;
  last_date: string | null;
  errors: number;
  warnings: number;
  /** The first 100 issues (errors and warnings are counted in full above). */
  issues: Issue[];
}

export function summarizing(): { sink: StatementSink; summary: FileSummary } {
  const summary: FileSummary = {
    format: null,
    statements: [],
    transactions: 0,
    investment_transactions: 0,
    positions: 0,
    first_date: null,
    last_date: null,
    errors: 0,
    warnings: 0,
    issues: [],
  };
  let current: StatementSummary | null = null;
  const sink: StatementSink = {
    begin(header) {
      current = {
        account: header.account.iban ?? header.account.number,
        currency: header.account.currency,
        transactions: 0,
        first_date: null,
        last_date: null,
        opening: header.opening?.amount ?? null,
        closing: null,
      };
      summary.statements.push(current);
    },
    transaction(t) {
      summary.transactions += 1;
      if (!current) return;
      current.transactions += 1;
      if (!current.first_date || t.bookingDate < current.first_date) current.first_date = t.bookingDate;
      if (!current.last_date || t.bookingDate > current.last_date) current.last_date = t.bookingDate;
      if (!summary.first_date || t.bookingDate < summary.first_date) summary.first_date = t.bookingDate;
      if (!summary.last_date || t.bookingDate > summary.last_date) summary.last_date = t.bookingDate;
    },
    end(header) {
      if (!current) return;
      current.account = header.account.iban ?? (header.account.number || current.account);
      current.currency = header.account.currency;
      current.opening = header.opening?.amount ?? null;
      current.closing = header.closing?.amount ?? null;
      current = null;
    },
    investmentTransaction() {
      summary.investment_transactions += 1;
    },
    position() {
      summary.positions += 1;
    },
    issue(issue) {
      if (issue.severity === 'error') summary.errors += 1;
      else summary.warnings += 1;
      if (summary.issues.length < 100) summary.issues.push(issue);
    },
  };
  return { sink, summary };
}
