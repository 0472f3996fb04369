// The upstream's read budget (Connector.readBudget): before a refresh logs in, the reads its
// connection made in the last 24 hours are counted, and a refresh beyond the budget is not run:
// it ends `rate_limited` with the time the oldest counted read leaves the window, so the
// scheduler tries again then and the upstream is never asked for a read it would refuse.
import type { Connector } from '../../connectors/connector.ts';
import { readsSince } from '../../store/refreshes.ts';
import type { ServiceDeps } from '../deps.ts';

const WINDOW_MS = 24 * 3600_000;

/** Seconds until the refresh may read its upstream; null when it may now. */
export async function secondsUntilRead(
  deps: Pick<ServiceDeps, 'db' | 'now'>,
  connector: Pick<Connector, 'readBudget'>,
  refresh: { id: string; connection_id: string; user_present: unknown },
): Promise<number | null> {
  const budget = connector.readBudget;
  if (!budget || (budget.unattendedOnly && refresh.user_present)) return null;
  const now = deps.now().getTime();
  const reads = await readsSince(
    deps.db,
    refresh.connection_id,
    refresh.id,
    new Date(now - WINDOW_MS),
    budget.unattendedOnly,
  );
  if (reads.length < budget.perDay) return null;
  // Reads leave the window oldest first: the budget has room once all but perDay - 1 have left.
  const freedBy = reads[reads.length - budget.perDay]!.getTime() + WINDOW_MS;
  return Math.max(1, Math.ceil((freedBy - now) / 1000));
}

export const budgetDetail = (
  budget: NonNullable<Connector['readBudget']>,
  institution: string,
  seconds: number,
): string =>
  `${institution} may be read ${budget.perDay} times a day${budget.unattendedOnly ? ' without its end user' : ''}; ` +
  `the next read is possible in ${inWords(seconds)}.`;

const inWords = (seconds: number) => {
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 120) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  return `${Math.round(minutes / 60)} hours`;
};
