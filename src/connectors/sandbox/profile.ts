// Everything the sandbox derives from a login: who the user is, how much history they have and
// which day their data is anchored to. Dates are relative to the anchor (the day the connection
// first logged in, kept in its session) so a connection's records never move between refreshes.

export interface SandboxProfile {
  username: string;
  /** Transactions of the current account over the history (exact for user_good_<N>). */
  transactionCount: number;
  historyDays: number;
  /** YYYY-MM-DD, the last day of history. */
  anchor: string;
  /** user_dynamic: how many refreshes the world has advanced. 0 for everyone else. */
  round: number;
}

export const DEFAULT_TRANSACTIONS = 420;
export const MAX_TRANSACTIONS = 5_000_000;
export const HISTORY_DAYS = 730;

export function transactionCountFor(username: string): number {
  const match = /^user_good_(\d+)$/.exec(username);
  if (!match) return DEFAULT_TRANSACTIONS;
  return Math.min(Number(match[1]), MAX_TRANSACTIONS);
}

export function addDays(isoDate: string, days: number): string {
  const date = new Date(`${isoDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}
